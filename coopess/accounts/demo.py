"""Demo people and organisations: fictitious, at example.org, one account per role (the first
step of ``coopess.common.demo.demo_load``); idempotent."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress

from coopess.accounts.models import Organisation, OrganisationKind, Role, RoleAssignment, User
from coopess.common.demo import DEMO_STAFF_PASSWORD, DemoContext


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


def load(demo: DemoContext) -> None:
    """Create the organisations and accounts if missing; ``demo.organisations`` by key."""
    demo.organisations = {
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
        organisation = demo.organisations[account.organisation] if account.organisation else None
        RoleAssignment.objects.get_or_create(
            user=user, role=account.role, organisation=organisation
        )
    demo.accounts = list(ACCOUNTS)
