"""The consultancy: per-call bounds (form, service, database), consultants and their role."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from coopess.accounts.models import Role, RoleAssignment
from coopess.diagnostic.models import SynthesisSection, SynthesisStatus, SynthesisVersion
from coopess.support.models import Engagement, SupportSettings
from coopess.support.services import SupportError
from coopess.support.services import engagement as services
from tests.conftest import sign_in
from tests.diagnostic.helpers import make_cohort
from tests.support.helpers import PERIOD, firm, make_support, plan

pytestmark = pytest.mark.django_db


def _save(setup, **overrides):
    values = {
        "cohort": setup.cohort,
        "by": setup.officer,
        "firm": firm(),
        "brief": "",
        "budget": Decimal("3600"),
        "planned_half_days": 3,
        "starts_on": PERIOD[0],
        "ends_on": PERIOD[1],
    }
    values.update(overrides)
    return services.engagement_save(**values)


@pytest.fixture
def setup():
    setup = make_cohort(seed=11)
    bounds = services.support_settings_for(setup.call)
    bounds.period_starts_on, bounds.period_ends_on = PERIOD
    bounds.save()
    return setup


def test_bounds_default_to_three_to_four_and_the_calls_support_milestone():
    setup = make_cohort(seed=12)
    bounds = services.support_settings_for(setup.call)
    assert (bounds.min_half_days, bounds.max_half_days) == (3, 4)
    milestone = setup.call.milestones.get(kind="support")
    assert (bounds.period_starts_on, bounds.period_ends_on) == (
        milestone.starts_on,
        milestone.ends_on,
    )


@pytest.mark.parametrize("half_days", [2, 5])
def test_service_refuses_half_days_outside_the_bounds(setup, half_days):
    with pytest.raises(SupportError, match="entre 3 et 4"):
        _save(setup, planned_half_days=half_days)
    assert not Engagement.objects.exists()


@pytest.mark.parametrize("half_days", [3, 4])
def test_service_accepts_half_days_within_the_bounds(setup, half_days):
    engagement = _save(setup, planned_half_days=half_days)
    assert (engagement.planned_half_days, engagement.min_half_days, engagement.max_half_days) == (
        half_days,
        3,
        4,
    )


def test_bounds_are_data_per_call(setup):
    services.support_settings_update(
        call=setup.call, by=setup.officer, min_half_days=2, max_half_days=6,
        period_starts_on=PERIOD[0], period_ends_on=PERIOD[1],
    )  # fmt: skip
    assert _save(setup, planned_half_days=6).planned_half_days == 6


def test_database_refuses_half_days_outside_the_bounds(setup):
    engagement = _save(setup, planned_half_days=4)
    with pytest.raises(IntegrityError), transaction.atomic():
        Engagement.objects.filter(pk=engagement.pk).update(planned_half_days=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        Engagement.objects.filter(pk=engagement.pk).update(planned_half_days=2)


def test_database_refuses_inverted_call_bounds(setup):
    with pytest.raises(IntegrityError), transaction.atomic():
        SupportSettings.objects.filter(call=setup.call).update(min_half_days=5, max_half_days=4)


def test_period_must_fit_the_calls_support_period(setup):
    with pytest.raises(SupportError, match="période d'accompagnement de l'appel"):
        _save(setup, starts_on=dt.date(2030, 8, 1))


def test_form_explains_the_bounds(client, setup):
    sign_in(client, setup.officer)
    url = reverse("support:engagement", kwargs={"cohort_id": setup.cohort.pk})
    response = client.post(
        url,
        {
            "new_firm": "Cabinet fictif",
            "budget": "3600",
            "planned_half_days": "5",
            "starts_on": "2030-09-01",
            "ends_on": "2030-12-31",
            "brief": "Mon texte",
        },
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "Prévoyez entre 3 et 4 demi-journées" in content
    assert "Mon texte" in content  # nothing typed is lost
    assert not Engagement.objects.exists()
    response = client.post(
        url,
        {
            "new_firm": "Cabinet fictif",
            "budget": "3600",
            "planned_half_days": "4",
            "starts_on": "2030-09-01",
            "ends_on": "2030-12-31",
        },
    )
    assert response.status_code == 302
    engagement = Engagement.objects.get()
    assert engagement.firm.kind == "consulting_firm" and engagement.planned_half_days == 4


def test_lowering_half_days_below_the_live_sessions_is_refused(setup):
    support = make_support(setup, half_days=4)
    for day in (10, 11, 12, 13):
        plan(support, day=dt.date(2030, 9, day))
    with pytest.raises(SupportError, match="4 séances"):
        _save(setup, planned_half_days=3)
    with pytest.raises(IntegrityError), transaction.atomic():  # the trigger
        Engagement.objects.filter(pk=support.engagement.pk).update(
            planned_half_days=3, min_half_days=3
        )


def test_brief_is_prefilled_from_the_validated_synthesis(client, setup):
    version = SynthesisVersion.objects.create(
        cohort=setup.cohort, number=1, status=SynthesisStatus.VALIDATED,
        validated_at=dt.datetime(2030, 7, 1, tzinfo=dt.UTC), pdf_sha256="0" * 64,
    )  # fmt: skip
    SynthesisSection.objects.create(
        version=version, key="support", title="Ce que l'accompagnement travaillera",
        body="Choisir entre un groupement d'employeurs et une convention de mutualisation.",
    )  # fmt: skip
    assert services.brief_prefill(setup.cohort).startswith("Choisir entre")
    sign_in(client, setup.officer)
    response = client.get(reverse("support:cohort", kwargs={"cohort_id": setup.cohort.pk}))
    assert "Choisir entre un groupement" in response.content.decode()


def test_brief_is_empty_without_a_validated_synthesis(setup):
    assert services.brief_prefill(setup.cohort) == ""


def test_consultant_gets_the_role_for_the_firm_and_an_email(
    setup, django_capture_on_commit_callbacks
):
    engagement = _save(setup)
    with django_capture_on_commit_callbacks(execute=True):
        user = services.consultant_add(
            engagement=engagement, by=setup.officer, email="Nouvelle.Consultante@example.org",
            first_name="Inès", last_name="Fictive",
        )  # fmt: skip
    assert user.email == "nouvelle.consultante@example.org"
    assert RoleAssignment.objects.filter(
        user=user, role=Role.CONSULTANT, organisation=engagement.firm
    ).exists()
    assert [m.to for m in mail.outbox] == [["nouvelle.consultante@example.org"]]
    assert reverse("support:cohort", args=[setup.cohort.pk]) in mail.outbox[0].body
    services.consultant_remove(engagement=engagement, user=user, by=setup.officer)
    assert not RoleAssignment.objects.filter(user=user, role=Role.CONSULTANT).exists()


def test_a_representative_of_the_cohort_cannot_be_its_consultant(setup):
    engagement = _save(setup)
    person = setup.person(setup.structures[0])
    with pytest.raises(SupportError, match="représente une structure"):
        services.consultant_add(engagement=engagement, by=setup.officer, email=person.email)


def test_the_period_cannot_leave_live_sessions_outside(setup):
    support = make_support(setup, half_days=4)
    plan(support, day=dt.date(2030, 11, 20))
    with pytest.raises(SupportError, match="sortiraient de cette période"):
        _save(setup, planned_half_days=4, ends_on=dt.date(2030, 10, 31))
    assert _save(setup, planned_half_days=4, starts_on=dt.date(2030, 9, 15)).starts_on.day == 15
