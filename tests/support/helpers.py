"""Building the collective support in tests: an engagement, its consultant, sessions, actors."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from coopess.accounts.models import Organisation, OrganisationKind, User
from coopess.calls.calendar import PARIS
from coopess.support.models import Engagement, HalfDay, SessionKind, SessionMode, SupportActor
from coopess.support.services import engagement as engagement_services
from coopess.support.services import sessions as session_services
from tests.diagnostic.helpers import CohortSetup
from tests.factories import add_totp

PERIOD = (dt.date(2030, 9, 1), dt.date(2030, 12, 31))


@dataclass
class SupportSetup:
    setup: CohortSetup
    engagement: Engagement
    consultant: User

    @property
    def cohort(self):
        return self.setup.cohort

    @property
    def officer(self):
        return self.setup.officer


def firm(name: str = "Cabinet fictif Coop & Co") -> Organisation:
    return Organisation.objects.get_or_create(name=name, kind=OrganisationKind.CONSULTING_FIRM)[0]


def make_support(
    setup: CohortSetup, *, half_days: int = 4, consultant_email: str | None = None
) -> SupportSetup:
    """An engagement of ``half_days`` over ``PERIOD`` with one consultant (enrolled in TOTP)."""
    settings_ = engagement_services.support_settings_for(setup.call)
    settings_.period_starts_on, settings_.period_ends_on = PERIOD
    settings_.save()
    engagement = engagement_services.engagement_save(
        cohort=setup.cohort,
        by=setup.officer,
        firm=firm(),
        brief="Travailler la forme de la coopération.",
        budget=Decimal("4800.00"),
        planned_half_days=half_days,
        starts_on=PERIOD[0],
        ends_on=PERIOD[1],
    )
    consultant = engagement_services.consultant_add(
        engagement=engagement,
        by=setup.officer,
        email=consultant_email or f"consultant.{setup.cohort.pk}@example.org",
        first_name="Nadia",
        last_name="Conseil",
    )
    add_totp(consultant)
    return SupportSetup(setup=setup, engagement=engagement, consultant=consultant)


def slot(day: dt.date = dt.date(2030, 9, 15), half_day: str = HalfDay.MORNING, **fields):
    start, end = (
        (dt.time(9, 0), dt.time(12, 30))
        if half_day == HalfDay.MORNING
        else (dt.time(14, 0), dt.time(17, 30))
    )
    values = {
        "day": day,
        "half_day": half_day,
        "start": start,
        "end": end,
        "mode": SessionMode.IN_PERSON,
        "address": "1 rue de l'Exemple, 44000 Nantes",
    }
    values.update(fields)
    return session_services.Slot(**values)


def plan(
    support: SupportSetup, *, structure=None, day=None, title="Séance", by=None, **slot_fields
):
    return session_services.session_plan(
        engagement=support.engagement,
        by=by or support.officer,
        title=title,
        kind=SessionKind.INDIVIDUAL if structure is not None else SessionKind.COLLECTIVE,
        structure=structure,
        slot=slot(day or dt.date(2030, 9, 15), **slot_fields),
    )


def held(session, *, by, present=None, report="Compte rendu de la séance."):
    """Record ``session`` as held (its start moved to the past so that it can be recorded)."""
    from coopess.support.models import Session

    Session.objects.filter(pk=session.pk).update(
        starts_at=dt.datetime(2020, 9, 15, 9, 0, tzinfo=PARIS),
        ends_at=dt.datetime(2020, 9, 15, 12, 30, tzinfo=PARIS),
    )
    session.refresh_from_db()
    representatives = session_services.concerned_representatives(session)
    return session_services.session_record(
        session=session,
        by=by,
        present={r.pk for r in representatives} if present is None else present,
        report=report,
    )


def departmental_dla(operator, departement: str = "44") -> SupportActor:
    return SupportActor.objects.create(
        operator=operator,
        name=f"DLA départemental {departement} (fictif)",
        is_departmental_dla=True,
        departements=[departement],
        expertise=["individual_dla"],
        email=f"dla{departement}@example.org",
    )


def matrix_ids(setup: CohortSetup) -> dict:
    """Objects of a cohort's collective support for the permission matrix, by URL parameter."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from coopess.support.services.referrals import referral_create
    from tests.common.upload_samples import pdf

    support = make_support(setup, consultant_email=f"matrice.{setup.cohort.pk}@example.org")
    session = held(plan(support), by=support.consultant)
    deliverable = session_services.deliverable_add(
        session=session,
        upload=SimpleUploadedFile("livrable.pdf", pdf(), content_type="application/pdf"),
        title="Livrable",
        by=support.consultant,
    )
    actor = departmental_dla(setup.call.operator, setup.structures[0].departement or "44")
    referral = referral_create(
        cohort=setup.cohort, structure=setup.structures[0], actor=actor, by=setup.officer,
        need="Accompagnement DLA individuel",
    )  # fmt: skip
    return {
        "session_id": session.pk,
        "deliverable_id": deliverable.public_id,
        "referral_id": referral.pk,
        "consultant_id": support.consultant.pk,
        "actor_id": actor.pk,
    }
