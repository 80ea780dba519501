"""Retention per call: expired applications lose their personal data, the indicators stay,
a second run changes nothing."""

import datetime as dt
import io

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from coopess.applications import services as application_services
from coopess.applications.models import Application, Attachment
from coopess.privacy.models import AnonymisationRecord, AnonymisationRule
from coopess.privacy.retention import add_months, retention_of, with_retention_dates
from coopess.privacy.services import retention_apply
from coopess.selection import services as selection_services
from coopess.selection.models import CohortStatus
from tests.applications.helpers import open_call
from tests.privacy.helpers import (
    decided,
    draft,
    found,
    indicators,
    messages_of,
    needles,
    person,
    snapshot,
    submitted,
)
from tests.selection.helpers import officer_of

pytestmark = pytest.mark.django_db


def test_add_months_keeps_the_day_or_takes_the_last_one():
    paris = dt.UTC
    assert add_months(dt.datetime(2024, 1, 31, 10, tzinfo=paris), 1) == dt.datetime(
        2024, 2, 29, 10, tzinfo=paris
    )
    assert add_months(dt.datetime(2023, 11, 15, tzinfo=paris), 24) == dt.datetime(
        2025, 11, 15, tzinfo=paris
    )
    assert add_months(dt.datetime(2025, 3, 31, tzinfo=paris), -1) == dt.datetime(
        2025, 2, 28, tzinfo=paris
    )


def _close_cohort(application, *, officer, months_ago, now):
    cohort = application.cohort_membership.cohort
    for step in (
        CohortStatus.DIAGNOSTIC,
        CohortStatus.SUPPORT,
        CohortStatus.FOLLOW_UP,
        CohortStatus.CLOSED,
    ):
        cohort = selection_services.cohort_transition(cohort=cohort, to=step, by=officer)
    cohort.transitions.update(at=add_months(now, -months_ago))
    cohort.members.update(added_at=add_months(now, -20))
    type(cohort).objects.filter(pk=cohort.pk).update(created_at=add_months(now, -20))
    return cohort


@pytest.fixture
def world():
    """Hand-built applications with known answers (defaults: 24 months not retained, 12
    months accompanied).

    - 701 rejected 25 months ago, with a partner ............................ expired
    - 702 rejected 23 months ago ........................................... kept
    - 703 withdrawn 30 months ago, its lead also leads 705 ................. expired
    - 704 draft in a call closed 30 months ago ............................. expired
    - 705 under review (same lead as 703) .................................. kept
    - 706 selected, cohort closed 13 months ago ............................ expired
    - 707 rejected 7 months ago in a call that keeps 6 months .............. expired
    """
    now = timezone.now()
    call = open_call()
    officer = officer_of(call)
    apps = {}
    apps[701] = decided(
        submitted(call, 701, officer=officer, partners=1),
        "rejected",
        officer=officer,
        months_ago=25,
        now=now,
    )
    apps[702] = decided(
        submitted(call, 702, officer=officer), "rejected", officer=officer, months_ago=23, now=now
    )
    shared_lead = person(703)
    apps[703] = submitted(call, 703, officer=officer, lead=shared_lead)
    application_services.application_withdraw(
        application=apps[703], by=shared_lead, reason="Texte libre 703x : projet reporté"
    )
    apps[703].transitions.filter(to_status="withdrawn").update(at=add_months(now, -30))
    apps[705] = submitted(call, 705, officer=officer, lead=shared_lead)
    apps[706] = decided(
        submitted(call, 706, officer=officer), "selected", officer=officer, months_ago=20, now=now
    )
    _close_cohort(apps[706], officer=officer, months_ago=13, now=now)
    old_call = open_call(slug="appel-ancien", receipt_prefix="ANC")
    apps[704] = draft(old_call, 704)
    type(old_call).objects.filter(pk=old_call.pk).update(
        opens_at=add_months(now, -32), closes_at=add_months(now, -30)
    )
    short_call = open_call(slug="appel-court", receipt_prefix="CRT")
    type(short_call).objects.filter(pk=short_call.pk).update(retention_not_retained_months=6)
    short_call.refresh_from_db()
    short_officer = officer_of(short_call)
    apps[707] = decided(
        submitted(short_call, 707, officer=short_officer),
        "rejected",
        officer=short_officer,
        months_ago=7,
        now=now,
    )
    # something typed that did not validate yet, kept as typed
    Application.objects.filter(pk=apps[701].pk).update(
        pending_input={"structure:1:rep1_phone": "Prénom701x au 06"}
    )
    return {"now": now, "apps": {k: Application.objects.get(pk=v.pk) for k, v in apps.items()}}


EXPIRED = {701, 703, 704, 706, 707}
KEPT = {702, 705}


def test_each_rule_gives_the_expected_date(world):
    now, apps = world["now"], world["apps"]
    rows = {
        a.pk: retention_of(a)
        for a in with_retention_dates(Application.objects.all()).select_related(
            "cohort_membership__cohort"
        )
    }
    assert rows[apps[701].pk].rule == AnonymisationRule.NOT_RETAINED
    assert rows[apps[701].pk].expires_at.date() == add_months(now, -1).date()
    assert rows[apps[702].pk].expires_at.date() == add_months(now, 1).date()
    assert rows[apps[703].pk].rule == AnonymisationRule.WITHDRAWN
    assert rows[apps[704].pk].rule == AnonymisationRule.DRAFT
    assert rows[apps[705].pk].expires_at is None  # being instructed
    assert rows[apps[706].pk].rule == AnonymisationRule.ACCOMPANIED
    assert rows[apps[706].pk].expires_at.date() == add_months(now, -1).date()
    assert rows[apps[707].pk].expires_at.date() == add_months(now, -1).date()


def test_retention_anonymises_exactly_the_expired_applications(
    world, django_capture_on_commit_callbacks
):
    apps = world["apps"]
    files = list(
        Attachment.objects.filter(application__in=[apps[n] for n in EXPIRED]).values_list(
            "file", flat=True
        )
    )
    assert files and all(default_storage.exists(name) for name in files)
    kept_files = list(
        Attachment.objects.filter(application__in=[apps[n] for n in KEPT]).values_list(
            "file", flat=True
        )
    )
    before = indicators()
    assert found(needles(701)), "the scan finds names before retention runs"

    with django_capture_on_commit_callbacks(execute=True):
        report = retention_apply(now=world["now"])

    assert report.anonymised == len(EXPIRED), (
        [(a.pk, a.status) for a, r in report.expired],
        list(AnonymisationRecord.objects.values_list("application_id", flat=True)),
        {k: v.pk for k, v in apps.items()},
    )
    anonymised = set(AnonymisationRecord.objects.values_list("application_id", flat=True))
    assert anonymised == {apps[n].pk for n in EXPIRED}
    # indicators before = after
    assert indicators() == before
    # no name, email, free text or message of the expired applications remains anywhere
    for seed in EXPIRED - {703}:
        assert found(needles(seed)) == [], seed
    assert found(["Fictif10", "lea.10@example.org"]) == []  # 701's partner
    # 703's lead still leads 705: the person is kept there, nothing of 703 remains
    assert (
        found(["Fictif703x", "Association 703x", "Texte libre 703x", "Message 703x", "Avis 703x"])
        == []
    )
    for seed in KEPT:
        assert found(needles(seed)), f"{seed} must keep its data"
    # attachments gone from the storage, those of live applications untouched
    assert not any(default_storage.exists(name) for name in files)
    assert all(default_storage.exists(name) for name in kept_files)
    assert not Attachment.objects.filter(application__in=[apps[n] for n in EXPIRED]).exists()
    assert messages_of(apps[701]) == 0 and messages_of(apps[702]) == 2
    expired_701 = Application.objects.get(pk=apps[701].pk)
    assert expired_701.status == "rejected" and expired_701.receipt_number
    assert expired_701.structures.get(is_lead=True).address == ""
    assert (
        expired_701.structures.get(is_lead=True).departement
        == apps[701].structures.get(is_lead=True).departement
    )


def test_accounts_left_with_nothing_live_are_scrubbed(world, django_capture_on_commit_callbacks):
    apps = world["apps"]
    leads = {n: apps[n].created_by for n in apps}
    partner = apps[701].accesses.get(role="partner").user
    with django_capture_on_commit_callbacks(execute=True):
        report = retention_apply(now=world["now"])
    # 701's lead and partner, 704, 706, 707; not 703's lead (705 is live), not 702's
    assert report.accounts == 5
    for user in (leads[701], partner, leads[704], leads[706], leads[707]):
        user.refresh_from_db()
        assert not user.is_active
        assert user.email.endswith("@anonyme.invalid")
        assert (user.first_name, user.last_name, user.phone) == ("", "", "")
        assert not user.has_usable_password()
        assert not user.emailaddress_set.exists()
    for user in (leads[703], leads[702]):
        user.refresh_from_db()
        assert user.is_active and user.email.startswith("personne.")


def test_a_second_run_changes_nothing(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = retention_apply(now=world["now"])
    assert first.anonymised == len(EXPIRED)
    before = snapshot()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second = retention_apply(now=world["now"])
    assert (second.anonymised, second.accounts, second.expired) == (0, 0, [])
    assert callbacks == []
    assert snapshot() == before


def test_dry_run_lists_and_changes_nothing(world):
    before = snapshot()
    out = io.StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    assert snapshot() == before
    text = out.getvalue()
    assert "5 application(s) would be anonymised" in text
    assert world["apps"][701].receipt_number in text
    assert world["apps"][702].receipt_number not in text


def test_the_command_anonymises_then_finds_nothing(world):
    out = io.StringIO()
    call_command("apply_retention", stdout=out)
    assert "5 application(s) anonymised, 5 account(s)" in out.getvalue()
    out = io.StringIO()
    call_command("apply_retention", stdout=out)
    assert "0 application(s) anonymised, 0 account(s)" in out.getvalue()


def test_an_accompaniment_still_running_keeps_its_data():
    now = timezone.now()
    call = open_call()
    officer = officer_of(call)
    application = decided(
        submitted(call, 801, officer=officer), "selected", officer=officer, months_ago=40, now=now
    )
    assert retention_apply(now=now).expired == []  # the cohort is not closed
    _close_cohort(application, officer=officer, months_ago=11, now=now)
    assert retention_apply(now=now).expired == []  # closed 11 months ago: 12 to go
    later = add_months(now, 2)
    assert [a.pk for a, _ in retention_apply(now=later, dry_run=True).expired] == [application.pk]


def test_the_last_follow_up_counts_when_it_exists(monkeypatch):
    """Follow-ups (issue 6) plug in through one function."""
    from coopess.privacy import retention

    now = timezone.now()
    call = open_call()
    officer = officer_of(call)
    application = decided(
        submitted(call, 802, officer=officer), "selected", officer=officer, months_ago=30, now=now
    )
    _close_cohort(application, officer=officer, months_ago=20, now=now)
    assert len(retention_apply(now=now, dry_run=True).expired) == 1
    monkeypatch.setattr(retention, "last_follow_up_at", lambda a: add_months(now, -2))
    assert retention_apply(now=now, dry_run=True).expired == []
