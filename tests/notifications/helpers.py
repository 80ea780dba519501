"""A cohort with dated things in it: two booked interviews, a workshop, support sessions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from coopess.calls.calendar import PARIS
from coopess.diagnostic.models import Interview, Mode, Workshop
from coopess.diagnostic.services.cohort import diagnostic_start
from tests.applications.helpers import open_call
from tests.diagnostic.helpers import CohortSetup, make_cohort


@dataclass
class Dated:
    setup: CohortSetup
    interviews: list[Interview]
    workshop: Workshop


def paris(year, month, day, hour=9, minute=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=PARIS)


def interview(setup, structure, starts_at: dt.datetime, **fields) -> Interview:
    return Interview.objects.create(
        cohort=setup.cohort,
        officer=setup.officer,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=90),
        mode=Mode.IN_PERSON,
        address="3 rue de la Coopération, Nantes",
        structure=structure,
        booked_at=timezone.now(),
        **fields,
    )


def dated_cohort(seed: int = 1) -> Dated:
    """Two applications (structures A1, A2 and B); A1's interview on the day summer time starts
    (31 March 2030, 10:00 Paris), B's in winter; a workshop in April 2030."""
    setup = make_cohort(open_call(slug=f"appel-calendrier-{seed}"), seed=seed)
    diagnostic_start(cohort=setup.cohort, by=setup.officer)
    first, _second, third = setup.structures
    interviews = [
        interview(setup, first, paris(2030, 3, 31, 10)),
        interview(setup, third, paris(2030, 1, 15, 14)),
    ]
    start = paris(2030, 4, 10, 9, 30)
    workshop = Workshop.objects.create(
        cohort=setup.cohort,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        mode=Mode.IN_PERSON,
        address="Maison de l'ESS, Nantes",
        organiser=setup.officer,
    )
    return Dated(setup=setup, interviews=interviews, workshop=workshop)
