"""Demo data for the interviews: the 2023 cohort's interviews in September 2023 (slots, bookings,
one move, held interviews with the officer's notes), and a few open slots on the open copy when
its cohort's diagnostic is open. Every person and fact is fictitious."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from coopess.calls.calendar import PARIS
from coopess.calls.models import Call
from coopess.common.demo_calendar import demo_today, working_days
from coopess.diagnostic.demo_base import demo_officer, open_diagnostic
from coopess.diagnostic.models import (
    Diagnostic,
    Interview,
    InterviewNote,
    MeetingStatus,
    Mode,
)
from coopess.diagnostic.permissions import cohort_structures
from coopess.diagnostic.services import interviews as services
from coopess.selection.models import CohortStatus

ADDRESS = "Maison de l'ESS (fictive), 12 rue des Tisserands, 44000 Nantes"
LINK = "https://visio.example.org/dla-pdl-entretien"

#: (day of September 2023, hour, minute, mode)
SLOTS_2023 = (
    (18, 9, 30, Mode.IN_PERSON),
    (18, 14, 0, Mode.IN_PERSON),
    (19, 9, 30, Mode.REMOTE),
    (20, 14, 0, Mode.IN_PERSON),
    (21, 9, 30, Mode.REMOTE),
    (22, 9, 30, Mode.IN_PERSON),
)

#: per heading of the seed guide, a few fictitious notes (one picked per structure)
NOTES = (
    (
        "Gagner du temps sur les fonctions support pour se recentrer sur le projet associatif.",
        "Sortir de l'isolement du directeur ; trouver des appuis pour répondre aux appels d'offres.",
        "Consolider un emploi aujourd'hui fragile en le partageant avec une autre structure.",
    ),
    (
        "Confirmé : comptabilité et paie externalisées à un coût jugé trop élevé.",
        "À nuancer : la baisse de la subvention départementale est compensée pour 2024.",
        "Confirmé : locaux sous-utilisés deux jours par semaine.",
    ),
    (
        "Un véhicule utilitaire, une salle de réunion de 40 places, une compétence en paie.",
        "Un réseau de bénévoles formés à l'accueil ; un logiciel de gestion des adhérents.",
        "Une chargée de communication à mi-temps qui pourrait intervenir pour d'autres.",
    ),
    (
        "Une fonction administrative et financière partagée, un appui juridique ponctuel.",
        "Des compétences en recherche de financements européens.",
        "Un lieu de stockage et une mutualisation des achats alimentaires.",
    ),
    (
        "Crainte de perdre l'identité de l'association auprès des adhérents.",
        "Le conseil d'administration est partagé sur l'idée d'un employeur commun.",
        "Des conventions collectives différentes entre les structures.",
    ),
    (
        "Conseil d'administration mensuel ; une décision de principe possible en novembre.",
        "Assemblée générale en juin : toute création de structure commune devra y passer.",
        "Bureau restreint très impliqué ; la directrice a une délégation large.",
    ),
    (
        "Période chargée de décembre à février (campagne d'hiver).",
        "Pas de disponibilité en juillet-août ; préférence pour des ateliers en fin de journée.",
        "Renouvellement de la convention avec la collectivité au printemps.",
    ),
)


def _paris(day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(2023, 9, day, hour, minute, tzinfo=PARIS)


@transaction.atomic
def demo_interviews(call_2023: Call, open_call: Call | None = None) -> None:
    """Fill the 2023 cohort with its interviews (idempotent), then the open copy if relevant."""
    _history_2023(call_2023)
    if open_call is not None:
        _open_copy(open_call)


def _history_2023(call: Call) -> None:
    cohort = call.cohorts.order_by("pk").first()
    officer = demo_officer(call)
    if cohort is None or officer is None or Interview.objects.filter(cohort=cohort).exists():
        return
    services.guide_setup(call=call)
    started = _paris(4, 9, 0)
    diagnostic = open_diagnostic(cohort, officer, started)
    if diagnostic is None:
        return
    Diagnostic.objects.filter(pk=diagnostic.pk).update(booking_deadline=_paris(15, 18, 0))
    minutes = dt.timedelta(minutes=diagnostic.interview_minutes)
    slots = []
    for day, hour, minute, mode in SLOTS_2023:
        starts_at = _paris(day, hour, minute)
        slots.append(
            Interview.objects.create(
                cohort=cohort,
                officer=officer,
                starts_at=starts_at,
                ends_at=starts_at + minutes,
                mode=mode,
                address=ADDRESS if mode == Mode.IN_PERSON else "",
                link=LINK if mode == Mode.REMOTE else "",
                created_at=started + dt.timedelta(hours=2),
            )
        )
    structures = list(cohort_structures(cohort).prefetch_related("representatives"))
    # the slot each structure ends up in; the fourth structure first took Wednesday 20 at 14:00,
    # then moved to Friday 22 (so Wednesday's slot went back on offer and stayed free)
    placement = [0, 1, 2, 5, 4]
    guide = list(call.interview_guide.all())
    for index, structure in enumerate(structures[: len(placement)]):
        slot = slots[placement[index]]
        account = structure.accesses.select_related("user").order_by("pk").first()
        booked_by = account.user if account else officer
        moved = placement[index] == 5
        Interview.objects.filter(pk=slot.pk).update(
            structure=structure,
            booked_by=booked_by,
            booked_at=_paris(6 + index, 10, 15),
            sequence=1 if moved else 0,
            status=MeetingStatus.HELD,
            held_at=slot.ends_at + dt.timedelta(hours=1),
            reminder_sent_at=slot.starts_at - dt.timedelta(days=2),
            other_attendees="" if index != 2 else "La trésorière (bénévole)",
            private_notes=_private_note(index),
        )
        representatives = list(structure.representatives.all())
        slot.attended.set(representatives if index != 2 else representatives[:1])
        InterviewNote.objects.bulk_create(
            InterviewNote(
                interview=slot,
                item=item,
                text=NOTES[position % len(NOTES)][index % 3] if position < len(NOTES) else "",
            )
            for position, item in enumerate(guide)
        )


def _private_note(index: int) -> str:
    return (
        "Notes privées (fictives) : la présidente souhaite avancer vite, le directeur est plus "
        "réservé ; à revoir lors de l'atelier collectif."
        if index % 2 == 0
        else "Notes privées (fictives) : attention à la situation financière, ne pas l'évoquer "
        "devant les autres structures sans leur accord."
    )


def _open_copy(call: Call) -> None:
    """A few open slots three weeks from now, when the open copy's diagnostic is open."""
    cohort = call.cohorts.filter(status=CohortStatus.DIAGNOSTIC).order_by("pk").first()
    officer = demo_officer(call)
    if cohort is None or officer is None or not Diagnostic.objects.filter(cohort=cohort).exists():
        return
    if Interview.objects.filter(cohort=cohort).exists():
        return
    days = working_days(start=demo_today() + dt.timedelta(days=21), count=2)
    for day, mode in zip(days, (Mode.IN_PERSON, Mode.REMOTE), strict=True):
        services.slots_publish(
            cohort=cohort,
            officer=officer,
            day=day,
            start=dt.time(9, 30),
            place=services.Place(
                mode=mode,
                address=ADDRESS if mode == Mode.IN_PERSON else "",
                link=LINK if mode == Mode.REMOTE else "",
            ),
            count=3,
            pause_minutes=15,
        )
