"""Building a cohort in tests: retained applications, their structures, people and an officer."""

from __future__ import annotations

from dataclasses import dataclass, field

from coopess.accounts.models import Role, User
from coopess.applications.choices import ApplicationStatus
from coopess.applications.models import (
    AccessRole,
    ApplicationAccess,
    ApplicationStructure,
    Representative,
)
from coopess.calls.models import Call
from coopess.selection.models import Cohort, CohortMember
from tests.applications.helpers import open_call
from tests.factories import make_user
from tests.selection.helpers import officer_of, quick_application


@dataclass
class CohortSetup:
    call: Call
    cohort: Cohort
    officer: User
    structures: list[ApplicationStructure] = field(default_factory=list)
    #: structure pk -> the account that acts for it
    people: dict[int, User] = field(default_factory=dict)

    def person(self, structure: ApplicationStructure) -> User:
        return self.people[structure.pk]


def make_cohort(
    call: Call | None = None,
    *,
    applications: tuple[int, ...] = (2, 1),
    departements: tuple[str, ...] = ("44", "49", "53", "72", "85"),
    seed: int = 1,
    status: str = "forming",
) -> CohortSetup:
    """A cohort of ``len(applications)`` retained applications; ``applications[i]`` structures in
    the i-th one. Each structure has two declared representatives and one account acting for it.
    """
    call = call or open_call()
    officer = officer_of(call)
    cohort = Cohort.objects.create(call=call, name=f"{call.title} — cohorte", status=status)
    setup = CohortSetup(call=call, cohort=cohort, officer=officer)
    counter = 0
    for index, size in enumerate(applications):
        deps = tuple(departements[(counter + i) % len(departements)] for i in range(size))
        application = quick_application(
            call,
            seed * 100 + index,
            name=f"Structure {chr(65 + index)}",
            departements=deps,
            status=ApplicationStatus.SELECTED,
        )
        CohortMember.objects.create(cohort=cohort, application=application)
        for structure in application.structures.order_by("position"):
            counter += 1
            for position, first in ((1, "Léa"), (2, "Marc")):
                Representative.objects.create(
                    structure=structure,
                    position=position,
                    first_name=first,
                    last_name=f"Fictif{seed}{counter}",
                    role="Présidente" if position == 1 else "Directeur",
                    email=f"{first.lower()}.{seed}.{counter}@example.org",
                    phone="02 40 00 00 00",
                )
            if structure.is_lead:
                person = application.created_by
            else:
                person = make_user(Role.APPLICANT)
                ApplicationAccess.objects.create(
                    application=application,
                    user=person,
                    structure=structure,
                    role=AccessRole.PARTNER,
                )
            setup.structures.append(structure)
            setup.people[structure.pk] = person
    return setup
