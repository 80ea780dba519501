"""The demo data that ``make run`` loads: fictitious people at example.org, the seed call as
published in 2023 (closed), and a copy of it whose calendar is shifted to open today."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from coopess.accounts.models import Organisation, OrganisationKind, Role, RoleAssignment, User
from coopess.api.demo import demo_api
from coopess.calls.calendar import PARIS, month_end
from coopess.calls.models import Call
from coopess.calls.services import call_create_from_data, load_call_data
from coopess.common.demo_applications import demo_applications, demo_selection
from coopess.common.demo_calendar import (
    add_months,
    at_paris,
    demo_today,
    month_index,
    working_days,
)
from coopess.competition.demo import demo_competition
from coopess.diagnostic.demo import demo_diagnostic
from coopess.finder.demo import demo_finder
from coopess.followups.demo import demo_followups
from coopess.privacy.demo import demo_privacy
from coopess.support.demo import demo_support

DEMO_STAFF_PASSWORD = "demo-coopess-2026"
#: a newcomer always has at least this long to try the open copy before it closes
OPEN_COPY_MIN_LEFT = dt.timedelta(weeks=6)
SEED_SLUG = "cooperation-strategique-2023"
OPEN_COPY_SLUG = "cooperation-strategique-demo"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    first_name: str
    last_name: str
    role: str
    organisation: str | None  # key in ORGANISATIONS


ORGANISATIONS = {
    "dla": {
        "name": "DLA régional des Pays de la Loire (CRESS et Mouvement associatif des Pays de la Loire)",
        "short_name": "DLA régional Pays de la Loire",
        "kind": OrganisationKind.DLA_OPERATOR,
        "region_code": "52",
    },
    "funder": {
        "name": "Comité des financeurs du DLA Pays de la Loire (démo)",
        "short_name": "Financeurs DLA (démo)",
        "kind": OrganisationKind.FUNDER,
        "region_code": "52",
    },
    "firm": {
        "name": "Atelier Coopérer Ensemble (cabinet fictif)",
        "short_name": "Atelier Coopérer Ensemble",
        "kind": OrganisationKind.CONSULTING_FIRM,
        "region_code": "52",
    },
}

ACCOUNTS = [
    DemoAccount("claire.morvan@example.org", "Claire", "Morvan", Role.OFFICER, "dla"),
    DemoAccount("yannick.le-floch@example.org", "Yannick", "Le Floch", Role.REVIEWER, "dla"),
    DemoAccount("nadia.benali@example.org", "Nadia", "Benali", Role.CONSULTANT, "firm"),
    DemoAccount("olivier.gautier@example.org", "Olivier", "Gautier", Role.FUNDER, "funder"),
    DemoAccount("admin@example.org", "Alex", "Admin", Role.ADMIN, None),
    DemoAccount("lea.dubois@example.org", "Léa", "Dubois", Role.APPLICANT, None),
    DemoAccount("hugo.renaud@example.org", "Hugo", "Renaud", Role.APPLICANT, None),
]


def shifted_call_data(data: dict, *, today: dt.date) -> dict:
    """The seed call with its calendar moved so that it opens ``today`` (Paris).

    The closing moves by as many days as the opening, to the next working day if it falls on a
    weekend or a public holiday; month-precise milestones move by as many months as the
    closing, so « juillet 2023 » stays a whole month and stays the month after the closing
    whatever the day of the month (dates from ``coopess.common.demo_calendar``).
    """
    shifted = copy.deepcopy(data)
    opens = dt.datetime.fromisoformat(data["opens_at"]).astimezone(PARIS)
    closes = dt.datetime.fromisoformat(data["closes_at"]).astimezone(PARIS)
    days = (today - opens.date()).days
    new_closing = working_days(start=closes.date() + dt.timedelta(days=days), count=1)[0]
    months = month_index(new_closing) - month_index(closes.date())

    shifted["opens_at"] = at_paris(today, opens.time()).isoformat()
    shifted["closes_at"] = at_paris(new_closing, closes.time()).isoformat()
    for milestone in shifted["milestones"]:
        for key in ("starts_on", "ends_on"):
            if not milestone.get(key):
                continue
            day = dt.date.fromisoformat(milestone[key])
            if milestone.get("precision") == "month":
                moved = add_months(day, months)
                if key == "ends_on":  # keep « to the end of the month »
                    moved = month_end(moved)
                milestone[key] = moved.isoformat()
            else:
                milestone[key] = (day + dt.timedelta(days=days)).isoformat()
    shifted["slug"] = OPEN_COPY_SLUG
    shifted["edition"] = f"{today.year} — copie de démonstration"
    for section in shifted["sections"]:
        section["heading"] = section["heading"].replace(str(opens.year), str(today.year))
    return shifted


@transaction.atomic
def demo_load(*, today: dt.date | None = None) -> list[DemoAccount]:
    """Create the demo data if missing; make sure the open copy is open ``today`` and stays open
    at least six weeks more (otherwise its calendar moves to open today again)."""
    moment = timezone.now() if today is None else at_paris(today, dt.time(12))
    today = today or demo_today()
    organisations = {
        key: Organisation.objects.get_or_create(
            name=fields["name"], kind=fields["kind"], defaults=fields
        )[0]
        for key, fields in ORGANISATIONS.items()
    }
    for account in ACCOUNTS:
        user = User.objects.filter(email=account.email).first()
        if user is None:
            password = None if account.role == Role.APPLICANT else DEMO_STAFF_PASSWORD
            user = User.objects.create_user(
                account.email, password, first_name=account.first_name, last_name=account.last_name
            )
        EmailAddress.objects.get_or_create(
            user=user, email=account.email, defaults={"verified": True, "primary": True}
        )
        organisation = organisations[account.organisation] if account.organisation else None
        RoleAssignment.objects.get_or_create(
            user=user, role=account.role, organisation=organisation
        )

    data = load_call_data()
    seed_call = Call.objects.filter(slug=SEED_SLUG).first()
    if seed_call is None:
        seed_call = call_create_from_data(operator=organisations["dla"], data=data)
    open_copy = Call.objects.filter(slug=OPEN_COPY_SLUG).first()
    shifted = shifted_call_data(data, today=today)
    if open_copy is None:
        open_copy = call_create_from_data(operator=organisations["dla"], data=shifted)
    elif not open_copy.is_open(at=moment) or open_copy.closes_at - moment < OPEN_COPY_MIN_LEFT:
        _move_calendar(open_copy, shifted)
    for call in (seed_call, open_copy):
        # the demo funder reads both calls' indicators (and no other DLA's)
        call.funders.add(organisations["funder"])
    demo_activity_note(organisations["dla"])
    demo_applications(seed_call, open_copy)
    demo_selection(seed_call)
    # the 2023 cohort's later history, step by step (each step idempotent)
    demo_diagnostic(seed_call, open_copy)
    demo_support(seed_call)
    demo_competition(seed_call)
    demo_followups(seed_call)
    demo_privacy()
    demo_finder()
    demo_api(seed_call)
    return ACCOUNTS


DEMO_ACTIVITY_NOTE = """\
Première édition de l'appel « Coopération stratégique entre structures de l'ESS » : l'appel a
reçu des candidatures de toute la région, et **cinq structures** ont été accompagnées
collectivement de septembre à décembre 2023.

- Le diagnostic partagé a fait émerger deux pistes : une mutualisation de fonctions support et
  un groupement d'employeurs.
- La synthèse a été validée par toutes les structures après une seconde version.
- Les suivis à 6 mois et à 1 an sont programmés pour 2024.

*Texte fictif de démonstration.*"""


def demo_activity_note(operator) -> None:
    """The DLA's commentary for 2023, read with that year's indicators (fictitious)."""
    from coopess.reporting.models import ActivityNote

    ActivityNote.objects.get_or_create(
        operator=operator, year=2023, defaults={"text": DEMO_ACTIVITY_NOTE}
    )


def _move_calendar(call: Call, shifted: dict) -> None:
    """Open the demo copy again, keeping what newcomers already typed in it."""
    call.opens_at = dt.datetime.fromisoformat(shifted["opens_at"])
    call.closes_at = dt.datetime.fromisoformat(shifted["closes_at"])
    call.edition = shifted["edition"]
    call.save()
    by_kind = {row["kind"]: row for row in shifted["milestones"]}
    for milestone in call.milestones.all():
        row = by_kind.get(milestone.kind)
        if row and row.get("starts_on"):
            milestone.starts_on = dt.date.fromisoformat(row["starts_on"])
            milestone.ends_on = (
                dt.date.fromisoformat(row["ends_on"]) if row.get("ends_on") else None
            )
            milestone.save()
