"""Individual interviews: slots, booking races, the deadline, moves, cancellations, the officer's
record (never shown to structures) and the pages that do it."""

from __future__ import annotations

import datetime as dt
import html
import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coopess.calls.calendar import PARIS
from coopess.diagnostic.models import (
    Diagnostic,
    Interview,
    InterviewGuideItem,
    InterviewNote,
    MeetingStatus,
    Mode,
)
from coopess.diagnostic.services import interviews as services
from coopess.diagnostic.services.cohort import diagnostic_start
from tests.applications.helpers import open_call
from tests.conftest import sign_in
from tests.diagnostic.helpers import make_cohort

# --- Helpers -----------------------------------------------------------------------------------


def days_ahead(days: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    """A Paris wall-clock time ``days`` from today."""
    day = timezone.localdate(timezone.now(), PARIS) + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PARIS)


def make_slot(setup, starts_at: dt.datetime, *, officer=None, minutes: int = 90, **fields):
    return Interview.objects.create(
        cohort=setup.cohort,
        officer=officer or setup.officer,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=minutes),
        mode=fields.pop("mode", Mode.IN_PERSON),
        address=fields.pop("address", "3 rue de la Coopération, Nantes"),
        **fields,
    )


def opened(**kwargs):
    """A cohort of three structures whose diagnostic is open (no booking deadline); each on its
    own call (another DLA) unless ``call`` is given."""
    if "call" not in kwargs:
        seed = kwargs.get("seed", 1)
        kwargs["call"] = open_call(slug=f"appel-entretiens-{seed}")
    setup = make_cohort(**kwargs)
    diagnostic_start(cohort=setup.cohort, by=setup.officer)
    return setup


def text(response) -> str:
    """The page as a person reads it (entities decoded)."""
    return html.unescape(response.content.decode())


def set_deadline(setup, deadline):
    Diagnostic.objects.filter(cohort=setup.cohort).update(booking_deadline=deadline)


@pytest.fixture
def setup(db):
    return opened()


# --- The call's guide --------------------------------------------------------------------------


def test_the_seed_guide_is_created_once_and_a_call_keeps_its_own(db):
    setup = make_cohort()
    call = setup.call
    call.interview_guide.all().delete()
    services.guide_setup(call=call)
    services.guide_setup(call=call)
    labels = list(call.interview_guide.values_list("label", flat=True))
    assert labels == [
        "Attentes de la structure",
        "Premiers constats à confirmer",
        "Ressources qu'elle pourrait partager",
        "Ce dont elle a besoin",
        "Points de blocage possibles",
        "Gouvernance et processus de décision",
        "Contraintes de calendrier",
    ]
    call.interview_guide.all().delete()
    InterviewGuideItem.objects.create(call=call, label="Une seule rubrique")
    services.guide_setup(call=call)
    assert list(call.interview_guide.values_list("label", flat=True)) == ["Une seule rubrique"]


# --- Publishing slots --------------------------------------------------------------------------


def test_several_slots_in_one_go_with_the_cohort_length_and_a_pause(setup):
    Diagnostic.objects.filter(cohort=setup.cohort).update(interview_minutes=60)
    start = days_ahead(20, 9)
    slots = services.slots_publish(
        cohort=setup.cohort,
        officer=setup.officer,
        day=start.date(),
        start=dt.time(9, 0),
        place=services.Place(mode=Mode.REMOTE, link="https://visio.example.org/a"),
        count=3,
        pause_minutes=30,
    )
    local = [
        (timezone.localtime(s.starts_at, PARIS).time(), timezone.localtime(s.ends_at, PARIS).time())
        for s in slots
    ]
    assert local == [
        (dt.time(9, 0), dt.time(10, 0)),
        (dt.time(10, 30), dt.time(11, 30)),
        (dt.time(12, 0), dt.time(13, 0)),
    ]
    assert {s.link for s in slots} == {"https://visio.example.org/a"}
    assert all(s.address == "" and s.structure_id is None for s in slots)


def test_an_officer_cannot_be_in_two_interviews_at_once_the_database_refuses(setup):
    first = make_slot(setup, days_ahead(10, 9))
    with pytest.raises(IntegrityError), transaction.atomic():
        make_slot(setup, days_ahead(10, 10))  # 10:00–11:30 overlaps 9:00–10:30
    with pytest.raises(IntegrityError), transaction.atomic():  # an update too
        later = make_slot(setup, days_ahead(10, 14))
        Interview.objects.filter(pk=later.pk).update(
            starts_at=first.starts_at, ends_at=first.ends_at
        )
    # back to back, another officer, or over a cancelled slot: allowed
    make_slot(setup, days_ahead(10, 10, 30))
    from tests.selection.helpers import officer_of

    make_slot(setup, days_ahead(10, 9), officer=officer_of(setup.call))
    Interview.objects.filter(pk=first.pk).update(status=MeetingStatus.CANCELLED)
    make_slot(setup, days_ahead(10, 9, 15), minutes=60)


def test_publishing_over_an_existing_slot_refuses_the_whole_lot(setup):
    make_slot(setup, days_ahead(12, 11))
    with pytest.raises(services.OfficerBusy) as error:
        services.slots_publish(
            cohort=setup.cohort,
            officer=setup.officer,
            day=days_ahead(12).date(),
            start=dt.time(8, 0),
            place=services.Place(mode=Mode.IN_PERSON, address="Angers"),
            count=3,
            pause_minutes=0,
        )
    assert "chevauche" in error.value.message
    assert Interview.objects.count() == 1  # the first slot of the lot was not kept either


def test_publish_view_overlap_message_next_to_the_field_and_nothing_lost(setup, client):
    make_slot(setup, days_ahead(12, 10))
    sign_in(client, setup.officer)
    url = reverse("diagnostic:interview_slots_publish", args=[setup.cohort.pk])
    data = {
        "day": days_ahead(12).date().isoformat(),
        "start": "09:30",
        "count": "2",
        "minutes": "90",
        "pause_minutes": "15",
        "mode": "in_person",
        "address": "12 quai de la Fosse, Nantes",
        "link": "",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    content = response.content.decode()
    error = content[content.find('id="id_start_error"') :][:400]
    assert "chevauche un autre entretien" in error
    assert 'value="12 quai de la Fosse, Nantes"' in content
    assert 'value="09:30"' in content
    assert Interview.objects.count() == 1
    # the same lot one hour later is published
    response = client.post(url, {**data, "start": "11:30"}, follow=True)
    assert response.status_code == 200
    assert "2 créneaux publiés" in text(response)
    assert Interview.objects.count() == 3


def test_publish_view_asks_for_the_address_or_the_link(setup, client):
    sign_in(client, setup.officer)
    url = reverse("diagnostic:interview_slots_publish", args=[setup.cohort.pk])
    response = client.post(
        url,
        {
            "day": days_ahead(12).date().isoformat(),
            "start": "09:30",
            "count": "1",
            "minutes": "90",
            "pause_minutes": "0",
            "mode": "remote",
        },
    )
    assert response.status_code == 400
    assert "Indiquez le lien de visioconférence" in text(response)
    assert not Interview.objects.exists()


# --- Booking: races and constraints --------------------------------------------------------


def test_conditional_update_books_a_slot_once(setup):
    """Both structures read the slot as free; the second update finds no row to change."""
    a, b = setup.structures[:2]
    slot = make_slot(setup, days_ahead(15))
    seen_by_a = Interview.objects.get(pk=slot.pk)
    seen_by_b = Interview.objects.get(pk=slot.pk)
    services.interview_book(slot=seen_by_a, structure=a, by=setup.person(a))
    with pytest.raises(services.SlotTaken) as error:
        services.interview_book(slot=seen_by_b, structure=b, by=setup.person(b))
    assert "une autre structure vient de le réserver" in error.value.message
    slot.refresh_from_db()
    assert slot.structure == a and slot.booked_by == setup.person(a)
    # the update itself: a second conditional update changes nothing
    changed = Interview.objects.filter(
        pk=slot.pk, structure__isnull=True, status=MeetingStatus.PLANNED
    ).update(structure=b, booked_at=timezone.now())
    assert changed == 0


def test_a_structure_holds_one_live_interview_the_database_refuses_a_second(setup):
    a = setup.structures[0]
    first = make_slot(setup, days_ahead(15, 9))
    second = make_slot(setup, days_ahead(15, 14))
    services.interview_book(slot=first, structure=a, by=setup.person(a))
    with pytest.raises(IntegrityError), transaction.atomic():
        Interview.objects.filter(pk=second.pk).update(structure=a, booked_at=timezone.now())
    with pytest.raises(services.AlreadyBooked):
        services.interview_book(slot=second, structure=a, by=setup.person(a))
    second.refresh_from_db()
    assert second.structure_id is None
    # once cancelled, the structure may book again
    services.interview_cancel(interview=first, by=setup.person(a), reopen=False)
    services.interview_book(slot=second, structure=a, by=setup.person(a))


@pytest.mark.django_db(transaction=True)
def test_two_structures_race_for_the_last_slot_in_two_threads():
    """Two threads, two connections, the same instant: exactly one booking wins (PostgreSQL when
    DATABASE_URL points to it, the SQLite file otherwise)."""
    setup = opened()
    a, b = setup.structures[:2]
    slot = make_slot(setup, days_ahead(15))
    barrier = threading.Barrier(2)
    outcomes: dict[int, str] = {}

    def book(structure):
        try:
            barrier.wait(timeout=10)
            services.interview_book(
                slot=Interview.objects.get(pk=slot.pk),
                structure=structure,
                by=setup.person(structure),
            )
            outcomes[structure.pk] = "booked"
        except services.SlotTaken:
            outcomes[structure.pk] = "taken"
        except Exception as error:  # reported by the assertion below
            outcomes[structure.pk] = repr(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(s,)) for s in (a, b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["booked", "taken"]
    winner = next(pk for pk, outcome in outcomes.items() if outcome == "booked")
    slot.refresh_from_db()
    assert slot.structure_id == winner
    assert Interview.objects.filter(structure__isnull=False).count() == 1


def test_booking_view_second_structure_gets_a_clear_message(setup, client):
    a, b = setup.structures[:2]
    slot = make_slot(setup, days_ahead(15))
    services.interview_book(slot=slot, structure=a, by=setup.person(a))
    sign_in(client, setup.person(b))
    response = client.post(
        reverse("diagnostic:interview_book", args=[b.pk]), {"slot": slot.pk}, follow=True
    )
    assert response.status_code == 200
    assert "n'est plus disponible" in text(response)
    slot.refresh_from_db()
    assert slot.structure == a


def test_booking_view_books_for_the_representatives_structure(setup, client, mailoutbox):
    a = setup.structures[0]
    slot = make_slot(setup, days_ahead(15))
    sign_in(client, setup.person(a))
    url = reverse("diagnostic:interview_book", args=[a.pk])
    response = client.post(url, {"slot": slot.pk})
    assert response.status_code == 302
    assert response["Location"] == reverse("diagnostic:structure", args=[a.pk]) + "#entretien"
    slot.refresh_from_db()
    assert slot.structure == a and slot.booked_by == setup.person(a)
    page = text(client.get(response["Location"]))
    assert "Votre entretien est réservé" in page
    assert "Télécharger l'invitation" in page


def test_a_representative_cannot_book_for_another_structure(setup, client):
    a, b = setup.structures[:2]
    slot = make_slot(setup, days_ahead(15))
    sign_in(client, setup.person(b))
    response = client.post(reverse("diagnostic:interview_book", args=[a.pk]), {"slot": slot.pk})
    assert response.status_code == 404
    assert Interview.objects.get(pk=slot.pk).structure_id is None


def test_a_slot_of_another_cohort_cannot_be_booked(setup, client):
    other = opened(seed=2)
    foreign = make_slot(other, days_ahead(15))
    a = setup.structures[0]
    sign_in(client, setup.person(a))
    response = client.post(
        reverse("diagnostic:interview_book", args=[a.pk]), {"slot": foreign.pk}, follow=True
    )
    assert "n'est plus disponible" in text(response)
    assert Interview.objects.get(pk=foreign.pk).structure_id is None


# --- The deadline ------------------------------------------------------------------------------


def test_after_the_deadline_a_structure_cannot_book_or_move_but_the_officer_can(setup, client):
    a, b = setup.structures[:2]
    first, second, third = (make_slot(setup, days_ahead(15, hour)) for hour in (9, 11, 14))
    services.interview_book(slot=first, structure=a, by=setup.person(a))
    set_deadline(setup, timezone.now() - dt.timedelta(hours=1))

    with pytest.raises(services.BookingClosed):
        services.interview_book(slot=second, structure=b, by=setup.person(b))
    with pytest.raises(services.BookingClosed):
        services.interview_move(interview=first, to=second, by=setup.person(a))

    sign_in(client, setup.person(b))
    response = client.post(
        reverse("diagnostic:interview_book", args=[b.pk]), {"slot": second.pk}, follow=True
    )
    content = text(response)
    assert "La date limite pour réserver ou déplacer un entretien" in content
    assert "est passée" in content
    second.refresh_from_db()
    assert second.structure_id is None

    services.interview_book(slot=second, structure=b, by=setup.officer, as_officer=True)
    services.interview_move(interview=first, to=third, by=setup.officer, as_officer=True)
    first.refresh_from_db()
    assert first.starts_at == third.starts_at and first.structure == a


def test_officer_sets_the_deadline_from_the_slot_page(setup, client):
    sign_in(client, setup.officer)
    url = reverse("diagnostic:interview_deadline", args=[setup.cohort.pk])
    deadline = days_ahead(7, 18)
    response = client.post(
        url, {"booking_deadline": deadline.strftime("%Y-%m-%dT%H:%M")}, follow=True
    )
    assert response.status_code == 200
    assert "La date limite de réservation est enregistrée" in text(response)
    assert Diagnostic.objects.get(cohort=setup.cohort).booking_deadline == deadline
    page = client.get(reverse("diagnostic:interviews", args=[setup.cohort.pk])).content.decode()
    assert deadline.strftime("%Y-%m-%dT%H:%M") in page


# --- Moving and cancelling ---------------------------------------------------------------------


def test_moving_keeps_the_interview_and_frees_its_old_time(setup, client):
    a = setup.structures[0]
    first = make_slot(setup, days_ahead(15, 9))
    target = make_slot(
        setup, days_ahead(16, 14), mode=Mode.REMOTE, address="", link="https://visio.example.org/b"
    )
    services.interview_book(slot=first, structure=a, by=setup.person(a))
    uid = first.uid
    sign_in(client, setup.person(a))
    response = client.post(
        reverse("diagnostic:interview_move", args=[a.pk]), {"slot": target.pk}, follow=True
    )
    assert "Votre entretien est déplacé" in text(response)
    first.refresh_from_db()
    assert (first.uid, first.sequence, first.structure) == (uid, 1, a)
    assert (first.starts_at, first.mode, first.link) == (
        target.starts_at,
        Mode.REMOTE,
        "https://visio.example.org/b",
    )
    target.refresh_from_db()
    assert target.status == MeetingStatus.CANCELLED and target.structure_id is None
    reopened = Interview.objects.get(
        cohort=setup.cohort, structure__isnull=True, status=MeetingStatus.PLANNED
    )
    assert reopened.starts_at == days_ahead(15, 9) and reopened.uid != uid
    assert reopened.address == "3 rue de la Coopération, Nantes"


def test_moving_to_a_slot_just_taken_is_refused(setup):
    a, b = setup.structures[:2]
    first, target = make_slot(setup, days_ahead(15, 9)), make_slot(setup, days_ahead(15, 14))
    services.interview_book(slot=first, structure=a, by=setup.person(a))
    stale_target = Interview.objects.get(pk=target.pk)
    services.interview_book(slot=target, structure=b, by=setup.person(b))
    with pytest.raises(services.SlotTaken):
        services.interview_move(interview=first, to=stale_target, by=setup.person(a))
    first.refresh_from_db()
    assert first.starts_at == days_ahead(15, 9) and first.sequence == 0


def test_a_representative_cancels_and_the_time_is_offered_again(setup, client):
    a = setup.structures[0]
    slot = make_slot(setup, days_ahead(15, 9))
    services.interview_book(slot=slot, structure=a, by=setup.person(a))
    sign_in(client, setup.person(a))
    response = client.post(reverse("diagnostic:interview_cancel", args=[a.pk]), follow=True)
    assert "Votre entretien est annulé" in text(response)
    slot.refresh_from_db()
    assert slot.status == MeetingStatus.CANCELLED and slot.sequence == 1
    assert slot.structure == a  # the history stays
    free = Interview.objects.get(structure__isnull=True, status=MeetingStatus.PLANNED)
    assert free.starts_at == slot.starts_at
    # it can be booked again, by the same structure
    services.interview_book(slot=free, structure=a, by=setup.person(a))


def test_officer_books_moves_cancels_and_withdraws_from_the_slot_page(setup, client):
    a = setup.structures[0]
    slot, other, spare = (make_slot(setup, days_ahead(15, h)) for h in (9, 11, 14))
    sign_in(client, setup.officer)
    base = [setup.cohort.pk]
    response = client.post(
        reverse("diagnostic:interview_officer_book", args=[*base, slot.pk]),
        {"structure": a.pk},
        follow=True,
    )
    assert f"Entretien réservé pour {a.name}" in text(response)
    slot.refresh_from_db()
    assert slot.structure == a and slot.booked_by == setup.officer

    response = client.post(
        reverse("diagnostic:interview_officer_move", args=[*base, slot.pk]),
        {"slot": other.pk},
        follow=True,
    )
    assert "Entretien déplacé" in text(response)
    slot.refresh_from_db()
    assert slot.starts_at == other.starts_at

    # cancelled without offering the time again
    response = client.post(
        reverse("diagnostic:interview_officer_cancel", args=[*base, slot.pk]), {}, follow=True
    )
    assert "Entretien annulé" in text(response)
    slot.refresh_from_db()
    assert slot.status == MeetingStatus.CANCELLED
    assert not Interview.objects.filter(
        starts_at=other.starts_at, status=MeetingStatus.PLANNED
    ).exists()

    response = client.post(
        reverse("diagnostic:interview_officer_cancel", args=[*base, spare.pk]), {}, follow=True
    )
    assert "Créneau retiré" in text(response)
    spare.refresh_from_db()
    assert spare.status == MeetingStatus.CANCELLED and spare.structure_id is None
    page = client.get(reverse("diagnostic:interviews", args=base)).content.decode()
    assert page.count("<tr>") == 1 + 2  # header, the cancelled interview, the slot it left


def test_a_past_interview_can_no_longer_be_moved_or_cancelled(setup):
    a = setup.structures[0]
    slot = make_slot(setup, days_ahead(15))
    services.interview_book(slot=slot, structure=a, by=setup.person(a))
    later = make_slot(setup, days_ahead(20))
    Interview.objects.filter(pk=slot.pk).update(
        starts_at=F("starts_at") - dt.timedelta(days=30),
        ends_at=F("ends_at") - dt.timedelta(days=30),
    )
    slot.refresh_from_db()
    with pytest.raises(services.InterviewNotLive):
        services.interview_cancel(interview=slot, by=setup.person(a))
    with pytest.raises(services.InterviewNotLive):
        services.interview_move(interview=slot, to=later, by=setup.officer, as_officer=True)


# --- The record and its privacy ------------------------------------------------------------


@pytest.fixture
def held(setup):
    """A's interview yesterday, booked."""
    a = setup.structures[0]
    slot = make_slot(setup, days_ahead(15))
    services.interview_book(slot=slot, structure=a, by=setup.person(a))
    Interview.objects.filter(pk=slot.pk).update(
        starts_at=F("starts_at") - dt.timedelta(days=16),
        ends_at=F("ends_at") - dt.timedelta(days=16),
    )
    slot.refresh_from_db()
    return slot


def test_officer_records_the_interview_on_the_guide(setup, held, client):
    a = setup.structures[0]
    items = list(setup.call.interview_guide.all())
    assert len(items) == 7
    sign_in(client, setup.officer)
    url = reverse("diagnostic:interview_record", args=[setup.cohort.pk, held.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Attentes de la structure" in page.content.decode()
    first_rep = a.representatives.order_by("position").first()
    response = client.post(
        url,
        {
            "attended": [first_rep.pk],
            "other_attendees": "Jeanne Trésorière",
            f"note_{items[0].pk}": "Mutualiser la comptabilité SECRET-ATTENTES",
            f"note_{items[4].pk}": "Peur de perdre le projet associatif",
            "private_notes": "Tension entre la présidente et le directeur SECRET-PRIVE",
            "mark_held": "on",
        },
        follow=True,
    )
    assert "Compte rendu d'entretien enregistré" in text(response)
    held.refresh_from_db()
    assert held.status == MeetingStatus.HELD and held.held_at is not None
    assert list(held.attended.all()) == [first_rep]
    assert held.other_attendees == "Jeanne Trésorière"
    notes = dict(InterviewNote.objects.filter(interview=held).values_list("item_id", "text"))
    assert notes[items[0].pk] == "Mutualiser la comptabilité SECRET-ATTENTES"
    assert "SECRET-PRIVE" in held.private_notes

    # the representatives never see any of it
    client.logout()
    sign_in(client, setup.person(a))
    page = client.get(reverse("diagnostic:structure", args=[a.pk]))
    content = text(page)
    assert page.status_code == 200
    assert "Votre entretien a eu lieu le" in content
    for secret in ("SECRET-ATTENTES", "SECRET-PRIVE", "Jeanne Trésorière", "Attentes de la"):
        assert secret not in content
    assert client.get(url).status_code == 404
    assert client.post(url, {"private_notes": "x"}).status_code == 404
    held.refresh_from_db()
    assert "SECRET-PRIVE" in held.private_notes


def test_an_interview_still_to_come_cannot_be_marked_held(setup, client):
    a = setup.structures[0]
    slot = make_slot(setup, days_ahead(15))
    services.interview_book(slot=slot, structure=a, by=setup.person(a))
    sign_in(client, setup.officer)
    url = reverse("diagnostic:interview_record", args=[setup.cohort.pk, slot.pk])
    response = client.post(url, {"private_notes": "Préparation", "mark_held": "on"})
    assert response.status_code == 400
    assert "n'a pas encore commencé" in text(response)
    assert "Préparation" in text(response)  # what was typed is kept
    slot.refresh_from_db()
    assert slot.status == MeetingStatus.PLANNED and slot.private_notes == ""


def test_officer_of_another_dla_sees_nothing(setup, client):
    other = opened(seed=3)
    slot = make_slot(setup, days_ahead(15))
    sign_in(client, other.officer)
    assert client.get(reverse("diagnostic:interviews", args=[setup.cohort.pk])).status_code == 404
    response = client.get(reverse("diagnostic:interview_record", args=[other.cohort.pk, slot.pk]))
    assert response.status_code == 404


# --- Pages and their query counts ------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _fill(setup, first_day: int, count: int, book: bool):
    for index in range(count):
        slot = make_slot(setup, days_ahead(first_day + index, 9))
        if book and index < len(setup.structures):
            structure = setup.structures[index]
            services.interview_book(slot=slot, structure=structure, by=setup.person(structure))


def test_slot_list_query_count_does_not_grow_with_the_slots(
    db, client, assert_no_invalid_variables
):
    small, large = opened(seed=4), opened(seed=5, applications=(2, 2, 1))
    _fill(small, 10, 2, book=True)
    _fill(large, 10, 12, book=True)
    url = reverse("diagnostic:interviews", args=[small.cohort.pk])
    sign_in(client, small.officer)
    response = client.get(url)
    assert_no_invalid_variables(response)
    assert "Publier des créneaux" in text(response)
    few = _queries(client, url)
    client.logout()
    sign_in(client, large.officer)
    url = reverse("diagnostic:interviews", args=[large.cohort.pk])
    assert _queries(client, url) == few
    content = client.get(url).content.decode()
    assert content.count("Compte rendu<span") == 5


def test_structure_and_cohort_pages_show_the_interviews(setup, client, assert_no_invalid_variables):
    a = setup.structures[0]
    _fill(setup, 10, 4, book=False)
    sign_in(client, setup.person(a))
    response = client.get(reverse("diagnostic:structure", args=[a.pk]))
    assert_no_invalid_variables(response)
    content = response.content.decode()
    assert "Réserver ce créneau" in content
    assert content.count('name="slot"') == 4
    client.logout()
    sign_in(client, setup.officer)
    response = client.get(reverse("diagnostic:cohort", args=[setup.cohort.pk]))
    assert_no_invalid_variables(response)
    assert "4 créneaux libres" in text(response)


# --- Demo ------------------------------------------------------------------------------------


def test_demo_fills_a_cohort_with_a_held_history_once(db):
    from coopess.diagnostic.demo_interviews import demo_interviews

    setup = make_cohort(call=open_call(slug="appel-demo-2023"), applications=(2, 2, 1))
    open_copy = opened(seed=21)
    demo_interviews(setup.call, open_copy.call)
    demo_interviews(setup.call, open_copy.call)  # idempotent
    interviews = Interview.objects.filter(cohort=setup.cohort)
    held = interviews.filter(status=MeetingStatus.HELD)
    assert held.count() == 5
    assert interviews.filter(structure__isnull=True).count() == 1
    assert InterviewNote.objects.filter(interview__in=held).exclude(text="").count() == 5 * 7
    assert all(i.attended.exists() and i.private_notes for i in held)
    assert Diagnostic.objects.get(cohort=setup.cohort).booking_deadline.year == 2023
    free = Interview.objects.filter(cohort=open_copy.cohort, structure__isnull=True)
    assert free.count() == 6 and all(s.starts_at > timezone.now() for s in free)


# --- Configuration and admin -------------------------------------------------------------------


def test_the_guide_is_edited_with_the_call_and_interviews_are_in_the_admin(setup, client):
    from coopess.accounts.models import Role
    from tests.factories import add_totp, make_user

    sign_in(client, setup.officer)
    page = client.get(reverse("gestion:calls_call_change", args=[setup.call.pk]))
    assert page.status_code == 200
    content = text(page)
    assert "guide d'entretien" in content.lower()
    assert "Gouvernance et processus de décision" in content

    slot = make_slot(setup, days_ahead(15))
    administrator = make_user(Role.ADMIN)
    add_totp(administrator)
    client.logout()
    sign_in(client, administrator)
    for url in (
        reverse("admin:diagnostic_interview_changelist"),
        reverse("admin:diagnostic_interview_change", args=[slot.pk]),
        reverse("admin:diagnostic_diagnostic_changelist"),
    ):
        assert client.get(url).status_code == 200, url
