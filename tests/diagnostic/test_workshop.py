"""The collective workshop (invitations read back as iCalendar, updates, cancellation,
outcomes) and the action plan (add, edit, delete), through the officer's and the
representatives' pages."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from coopess.accounts.models import User
from coopess.calls.calendar import PARIS
from coopess.calls.models import Call, SupportStep
from coopess.diagnostic.models import ActionItem, MeetingStatus, Workshop
from coopess.diagnostic.permissions import cohort_structures, structure_recipients
from coopess.diagnostic.services import workshop as services
from tests.applications.helpers import open_call
from tests.conftest import sign_in
from tests.diagnostic.helpers import make_cohort

pytestmark = pytest.mark.django_db

DAY = timezone.localdate() + dt.timedelta(days=30)


@pytest.fixture
def setup():
    return make_cohort(applications=(2, 1), status="diagnostic")


def workshop_url(setup, name="workshop", **kwargs) -> str:
    return reverse(f"diagnostic:{name}", kwargs={"cohort_id": setup.cohort.pk, **kwargs})


def schedule_post(**overrides) -> dict:
    data = {
        "title": "Atelier collectif",
        "date": DAY.isoformat(),
        "start": "09:30",
        "end": "12:30",
        "mode": "in_person",
        "address": "8 rue de l'Économie sociale, Angers",
        "link": "",
        "agenda": "- Tour de table\n- Carte des synergies\n- Plan d'action",
    }
    data.update(overrides)
    return data


def calendars(mailoutbox) -> dict[str, icalendar.Calendar]:
    found = {}
    for message in mailoutbox:
        (attachment,) = [a for a in message.attachments if a[0].endswith(".ics")]
        found[message.to[0]] = icalendar.Calendar.from_ical(attachment[1])
    return found


def event_of(calendar) -> icalendar.Event:
    (event,) = calendar.walk("VEVENT")
    return event


def expected_recipients(setup) -> set[str]:
    emails = {setup.officer.email.lower()}
    for structure in setup.structures:
        emails.update(structure_recipients(structure))
    return emails


def workshop_at(setup, start, **fields):
    """A three-hour workshop in Nantes from ``start``, scheduled by the service."""
    return services.workshop_schedule(
        cohort=setup.cohort,
        by=setup.officer,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        mode="in_person",
        address="Nantes",
        **fields,
    )


def schedule(client, setup, captured, **overrides):
    sign_in(client, setup.officer)
    with captured(execute=True):
        response = client.post(workshop_url(setup), schedule_post(**overrides))
    assert response.status_code == 302, response.content.decode()[:3000]
    return Workshop.objects.get(cohort=setup.cohort)


def test_scheduling_invites_every_structure_with_an_ics(
    client, setup, mailoutbox, django_capture_on_commit_callbacks
):
    workshop = schedule(client, setup, django_capture_on_commit_callbacks)
    found = calendars(mailoutbox)
    assert set(found) == expected_recipients(setup)
    # three structures × (2 representatives + 1 account), and the officer
    assert len(found) == 3 * 3 + 1
    for calendar in found.values():
        assert calendar["METHOD"] == "REQUEST"
        event = event_of(calendar)
        assert str(event["UID"]) == f"{workshop.uid}@coopess"
        assert event["SEQUENCE"] == 0
        start = event.decoded("DTSTART")
        assert str(start.tzinfo) == "Europe/Paris"
        assert (start.hour, start.minute) == (9, 30)
        assert event["LOCATION"] == "8 rue de l'Économie sociale, Angers"
        assert "Carte des synergies" in str(event["DESCRIPTION"])
    message = mailoutbox[0]
    assert message.subject.startswith("[CoopESS] Atelier collectif le")
    assert "Tour de table" in message.body
    assert "/diagnostic/" in message.body


def test_an_update_keeps_the_uid_and_raises_the_sequence_then_cancel(
    client, setup, mailoutbox, django_capture_on_commit_callbacks
):
    workshop = schedule(client, setup, django_capture_on_commit_callbacks)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            workshop_url(setup, "workshop_update", workshop_id=workshop.pk),
            schedule_post(
                mode="remote",
                address="",
                link="https://visio.example.org/atelier",
                start="14:00",
                end="17:00",
            ),
        )
    assert response.status_code == 302
    found = calendars(mailoutbox)
    assert len(found) == 10
    for calendar in found.values():
        event = event_of(calendar)
        assert calendar["METHOD"] == "REQUEST"
        assert str(event["UID"]) == f"{workshop.uid}@coopess"
        assert event["SEQUENCE"] == 1
        assert event.decoded("DTSTART").hour == 14
        assert str(event["URL"]) == "https://visio.example.org/atelier"
    assert "modifié" in mailoutbox[0].subject

    # the same values again: nothing is sent, the sequence stays
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            workshop_url(setup, "workshop_update", workshop_id=workshop.pk),
            schedule_post(
                mode="remote",
                address="",
                link="https://visio.example.org/atelier",
                start="14:00",
                end="17:00",
            ),
        )
    assert mailoutbox == []
    workshop.refresh_from_db()
    assert workshop.sequence == 1

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(workshop_url(setup, "workshop_cancel", workshop_id=workshop.pk))
    assert response.status_code == 302
    found = calendars(mailoutbox)
    assert len(found) == 10
    for calendar in found.values():
        assert calendar["METHOD"] == "CANCEL"
        event = event_of(calendar)
        assert str(event["UID"]) == f"{workshop.uid}@coopess"
        assert event["SEQUENCE"] == 2
        assert event["STATUS"] == "CANCELLED"
    workshop.refresh_from_db()
    assert workshop.status == MeetingStatus.CANCELLED
    # a cancelled workshop can neither move nor be cancelled again
    with pytest.raises(services.WorkshopError):
        services.workshop_cancel(workshop=workshop, by=setup.officer)
    with pytest.raises(services.WorkshopError):
        services.workshop_update(workshop=workshop, by=setup.officer, title="Autre")
    # a new workshop can then be planned
    page = client.get(workshop_url(setup))
    assert (
        "Planifier l&#x27;atelier" in page.content.decode()
        or "Planifier l'atelier" in page.content.decode()
    )


def test_schedule_form_errors_in_french_and_nothing_lost(client, setup, mailoutbox):
    sign_in(client, setup.officer)
    response = client.post(
        workshop_url(setup), schedule_post(end="09:00", address="", agenda="Mon ordre du jour")
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "L&#x27;atelier doit finir après son début." in content
    assert "Indiquez l&#x27;adresse de l&#x27;atelier sur place." in content
    assert "Mon ordre du jour" in content
    assert not Workshop.objects.exists()
    past = (timezone.localdate() - dt.timedelta(days=2)).isoformat()
    response = client.post(workshop_url(setup), schedule_post(date=past))
    assert response.status_code == 400
    assert "Choisissez une date à venir" in response.content.decode()
    assert mailoutbox == []


def test_no_workshop_before_the_diagnostic_opens():
    setup = make_cohort(applications=(1,))
    start = dt.datetime.combine(DAY, dt.time(9, 0), tzinfo=PARIS)
    with pytest.raises(services.WorkshopError) as error:
        workshop_at(setup, start)
    assert "Ouvrez d'abord le diagnostic" in error.value.message


def test_outcomes_are_recorded_after_the_workshop_and_sanitised(client, setup):
    start = timezone.now() + dt.timedelta(days=3)
    workshop = workshop_at(setup, start, agenda="**Ordre** du jour")
    with pytest.raises(services.WorkshopError) as error:
        services.workshop_record_outcomes(
            workshop=workshop, by=setup.officer, stakes="x", decisions="y"
        )
    assert "pas encore eu lieu" in error.value.message
    Workshop.objects.filter(pk=workshop.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=4),
        ends_at=timezone.now() - dt.timedelta(hours=1),
    )
    sign_in(client, setup.officer)
    url = workshop_url(setup, "workshop_outcomes", workshop_id=workshop.pk)
    response = client.post(url, {"stakes": "", "decisions": ""})
    assert response.status_code == 400
    assert "Notez au moins les enjeux partagés" in response.content.decode()
    response = client.post(
        url,
        {
            "stakes": "- Mutualiser la paie <script>alert(1)</script>",
            "decisions": "Créer un **groupement d'employeurs**",
        },
    )
    assert response.status_code == 302
    workshop.refresh_from_db()
    assert workshop.status == MeetingStatus.HELD
    structure = setup.structures[2]
    sign_in(client, setup.person(structure))
    page = client.get(
        reverse("diagnostic:structure_workshop", kwargs={"structure_id": structure.pk})
    )
    content = page.content.decode()
    assert page.status_code == 200
    assert "<strong>groupement d&#x27;employeurs</strong>" in content or (
        "<strong>groupement d'employeurs</strong>" in content
    )
    assert "<script>alert(1)</script>" not in content
    assert "<strong>Ordre</strong> du jour" in content


def test_action_plan_add_edit_delete(client, setup):
    a, b, c = setup.structures
    step = SupportStep.objects.create(call=setup.call, title="Diagnostic partagé", body="x")
    other_call_step = SupportStep.objects.create(call=setup.call, title="Ateliers", body="y")
    sign_in(client, setup.officer)
    add_url = workshop_url(setup, "action_add")
    assert client.get(add_url).status_code == 200
    response = client.post(add_url, {"action": "", "status": "todo"})
    assert response.status_code == 400
    assert "Décrivez l&#x27;action." in response.content.decode()
    response = client.post(
        add_url,
        {
            "action": "Étudier un groupement d'employeurs",
            "structures": [a.pk, b.pk],
            "owner": "Léa (Structure A)",
            "due_date": (DAY + dt.timedelta(days=60)).isoformat(),
            "support_step": step.pk,
            "status": "todo",
        },
    )
    assert response.status_code == 302
    item = ActionItem.objects.get(cohort=setup.cohort)
    assert set(item.structures.all()) == {a, b}
    assert item.support_step == step
    # a structure of another cohort is not offered
    stranger = make_cohort(setup.call, applications=(1,), seed=4, status="diagnostic")
    response = client.post(
        add_url,
        {"action": "x", "structures": [stranger.structures[0].pk], "status": "todo"},
    )
    assert response.status_code == 400
    assert ActionItem.objects.count() == 1

    edit_url = workshop_url(setup, "action_edit", action_id=item.pk)
    assert "Étudier un groupement" in client.get(edit_url).content.decode()
    response = client.post(
        edit_url,
        {
            "action": "Créer le groupement d'employeurs",
            "structures": [c.pk],
            "owner": "",
            "due_date": "",
            "support_step": other_call_step.pk,
            "status": "in_progress",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.action == "Créer le groupement d'employeurs"
    assert list(item.structures.all()) == [c]
    assert item.status == "in_progress"

    # representatives read the plan
    sign_in(client, setup.person(c))
    page = client.get(reverse("diagnostic:structure_workshop", kwargs={"structure_id": c.pk}))
    assert "Créer le groupement d&#x27;employeurs" in page.content.decode()
    assert "Supprimer" not in page.content.decode()

    sign_in(client, setup.officer)
    response = client.post(workshop_url(setup, "action_delete", action_id=item.pk))
    assert response.status_code == 302
    assert not ActionItem.objects.exists()


def test_a_support_step_of_another_call_is_refused(setup):
    other = make_cohort(open_call(slug="autre-appel"), applications=(1,), seed=6)
    foreign = SupportStep.objects.create(call=other.call, title="Ailleurs", body="z")
    with pytest.raises(services.WorkshopError):
        services.action_add(
            cohort=setup.cohort, by=setup.officer, action="x", structures=[], support_step=foreign
        )


def test_strangers_see_nothing(client, setup):
    start = timezone.now() + dt.timedelta(days=3)
    workshop = workshop_at(setup, start)
    item = services.action_add(
        cohort=setup.cohort, by=setup.officer, action="Secret", structures=[]
    )
    other = make_cohort(setup.call, applications=(1,), seed=8, status="diagnostic")
    outsider = other.structures[0]
    sign_in(client, other.person(outsider))
    for structure in setup.structures:
        url = reverse("diagnostic:structure_workshop", kwargs={"structure_id": structure.pk})
        assert client.get(url).status_code == 404
        ics = reverse(
            "diagnostic:structure_workshop_ics",
            kwargs={"structure_id": structure.pk, "workshop_id": workshop.pk},
        )
        assert client.get(ics).status_code == 404
    # their own structure with someone else's workshop id: not found either
    ics = reverse(
        "diagnostic:structure_workshop_ics",
        kwargs={"structure_id": outsider.pk, "workshop_id": workshop.pk},
    )
    assert client.get(ics).status_code == 404
    # the other cohort's officer cannot touch this cohort's plan through their own cohort
    sign_in(client, other.officer)
    url = reverse(
        "diagnostic:action_edit", kwargs={"cohort_id": other.cohort.pk, "action_id": item.pk}
    )
    assert client.get(url).status_code == 404


def test_representative_downloads_the_invitation(client, setup):
    start = timezone.now() + dt.timedelta(days=3)
    workshop = workshop_at(setup, start)
    structure = setup.structures[0]
    sign_in(client, setup.person(structure))
    response = client.get(
        reverse(
            "diagnostic:structure_workshop_ics",
            kwargs={"structure_id": structure.pk, "workshop_id": workshop.pk},
        )
    )
    assert response.status_code == 200
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(event_of(calendar)["UID"]) == f"{workshop.uid}@coopess"


def test_reminder_sent_once_and_only_for_the_current_version(
    setup, mailoutbox, django_capture_on_commit_callbacks
):
    start = timezone.now() + dt.timedelta(days=5)
    with django_capture_on_commit_callbacks(execute=True):
        workshop = workshop_at(setup, start)
    mailoutbox.clear()
    assert services.reminder_send(workshop_id=workshop.pk, sequence=workshop.sequence + 1) == 0
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.reminder_send(workshop_id=workshop.pk, sequence=workshop.sequence)
    assert sent == 10
    assert all("Rappel" in m.subject for m in mailoutbox)
    assert services.reminder_send(workshop_id=workshop.pk, sequence=workshop.sequence) == 0
    assert services.reminder_at(dt.datetime(2030, 3, 31, 10, 0, tzinfo=PARIS)) == dt.datetime(
        2030, 3, 29, 10, 0, tzinfo=PARIS
    )


def test_panels(client, setup):
    sign_in(client, setup.officer)
    content = client.get(
        reverse("diagnostic:cohort", kwargs={"cohort_id": setup.cohort.pk})
    ).content.decode()
    assert "Planifier l&#x27;atelier" in content or "Planifier l'atelier" in content
    structure = setup.structures[0]
    sign_in(client, setup.person(structure))
    content = client.get(
        reverse("diagnostic:structure", kwargs={"structure_id": structure.pk})
    ).content.decode()
    assert "Atelier collectif" in content


def test_demo_fills_the_2023_cohort(client):
    from coopess.common.demo import SEED_SLUG, demo_load
    from coopess.diagnostic.demo_selfdiag import demo_selfdiag
    from coopess.diagnostic.models import SelfDiagnostic
    from coopess.diagnostic.services.selfdiag import cohort_decision_aid, cohort_reading

    demo_load()
    call = Call.objects.get(slug=SEED_SLUG)
    demo_selfdiag(call)
    demo_selfdiag(call)  # idempotent
    cohort = call.cohorts.order_by("pk").first()
    structures = list(cohort_structures(cohort))
    assert structures
    assert SelfDiagnostic.objects.filter(cohort=cohort, submitted_at__isnull=False).count() == len(
        structures
    )
    reading = cohort_reading(cohort)
    assert not reading.pending
    assert any(s.kind == "complementarity" for s in reading.synergy.domains)
    assert cohort_decision_aid(reading).shortlist(3)
    workshop = Workshop.objects.get(cohort=cohort)
    assert workshop.status == MeetingStatus.HELD and workshop.decisions
    assert ActionItem.objects.filter(cohort=cohort).count() == 4
    officer = User.objects.get(email="claire.morvan@example.org")
    sign_in(client, officer)
    for name in ("synergy", "decision_aid", "workshop"):
        response = client.get(reverse(f"diagnostic:{name}", kwargs={"cohort_id": cohort.pk}))
        assert response.status_code == 200, name
