"""A hand-built data set whose indicators are known, for the year 2025 (Europe/Paris).

Call (closes 30 April 2025 at 18:00, Paris), one cohort created by ``make_cohort``:

| app | structures (département, form, NAF, staff, FTE)  | kind | submitted (Paris) | decision (Paris)  |
|-----|--------------------------------------------------|------|-------------------|-------------------|
| A   | 44 association 88.99B 12 / 10.5 ; 49 coop 5610A 4 / 3.25 | unaffiliated | 10/03/2025 | selected 20/05/2025 |
| B   | 53 association 9499Z 0 / 0                       | network_head | 10/03/2025 | selected 20/05/2025 |
| C   | 85                                                | network_head | 01/04/2025, ineligible | rejected 10/05/2025 (not_eligible, outside_region) |
| D   | 44, 72                                            | unaffiliated | 02/04/2025 | waitlisted 09/06/2025 |
| E   | 49                                                | unaffiliated | 01/01/2025 00:30 (31/12/2024 23:30 UTC) | rejected 05/01/2026 (ranking) |
| F   | 44                                                | unaffiliated | 31/12/2024 23:59 (22:59 UTC) | — |

A and B join the cohort on 2 June 2025. Interviews: A's two structures held (10 and 11 June
2025), B's planned (12 June). Workshop held 20 June 2025. Diagnostic started 1 June 2025,
synthesis validated 3 July 2025 (32 days).

Collective support (``build_support``): the cohort's three structures have two declared
representatives each (six). One consultancy of 4 planned half-days, 1 September to
31 December 2025. Sessions (one half-day each):

| session | kind | date (Paris) | state | present / expected |
|---------|------|--------------|-------|--------------------|
| 1 | collective | 15/09/2025 morning | held | 5 / 6 |
| 2 | individual (A's lead) | 02/10/2025 afternoon | held | 2 / 2 |
| 3 | collective | 05/11/2025 morning | cancelled | — |
| 4 | collective | 10/12/2025 morning | planned | — |
| 5 | collective | 12/01/2026 morning | held | 6 / 6 |

2025: 1 consultancy, 4 half-days planned, 2 held, 1 scheduled, 1 cancelled; attendance 7 / 8
(collective 5 / 6, individual 2 / 2). 2026: 0 planned (the consultancy starts in 2025), 1 held,
6 / 6.

Referrals (created, Paris): A's lead → DLA 44, done (20/09/2025); A's partner → a network,
proposed (01/10/2025); B → DLA 53, contacted (15/10/2025); A's lead → the network, in progress
(01/02/2026). 2025: 3 referrals, 2 to a departmental DLA (one done, one contacted).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from coopess.applications.choices import ApplicationStatus as S
from coopess.applications.models import Application, Eligibility
from coopess.calls.models import Call
from coopess.diagnostic.models import (
    Diagnostic,
    Interview,
    MeetingStatus,
    SynthesisStatus,
    SynthesisVersion,
    Workshop,
)
from coopess.selection.models import CohortMember, Decision
from tests.diagnostic.helpers import CohortSetup, make_cohort
from tests.selection.helpers import quick_application

PARIS = ZoneInfo("Europe/Paris")
UTC = dt.UTC


def paris(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


@dataclass
class DataSet:
    setup: CohortSetup
    call: Call
    apps: dict[str, Application]

    @property
    def officer(self):
        return self.setup.officer


def decide(application, outcome, at, reasons=(), by=None):
    return Decision.objects.create(
        application=application,
        outcome=outcome,
        reasons=list(reasons),
        decided_by=by,
        decided_at=at,
    )


def build_dataset() -> DataSet:
    setup = make_cohort(applications=(2, 1), departements=("44", "49", "53"), seed=3)
    call = setup.call
    Call.objects.filter(pk=call.pk).update(
        opens_at=paris(2025, 1, 15, 9), closes_at=paris(2025, 4, 30, 18)
    )
    call.refresh_from_db()
    stages = list(call.maturity_stages.order_by("position"))
    a = Application.objects.get(call=call, lead_name="Structure A")
    b = Application.objects.get(call=call, lead_name="Structure B")
    Application.objects.filter(pk=a.pk).update(
        submitted_at=paris(2025, 3, 10, 11), kind="unaffiliated", maturity_stage=stages[0]
    )
    Application.objects.filter(pk=b.pk).update(
        submitted_at=paris(2025, 3, 10, 15), kind="network_head", maturity_stage=stages[1]
    )
    lead_a, partner_a = a.structures.order_by("position")
    lead_a.__class__.objects.filter(pk=lead_a.pk).update(
        legal_form="association", naf_code="88.99B", employees=12, fte=Decimal("10.5")
    )
    partner_a.__class__.objects.filter(pk=partner_a.pk).update(
        legal_form="cooperative", naf_code="5610A", employees=4, fte=Decimal("3.25")
    )
    b.structures.update(legal_form="association", naf_code="94.99Z", employees=0, fte=0)
    CohortMember.objects.filter(cohort=setup.cohort).update(added_at=paris(2025, 6, 2, 10))

    c = quick_application(
        call, 310, name="Structure C", departements=("85",), status=S.REJECTED,
        eligibility=Eligibility.INELIGIBLE, kind="network_head",
        submitted_at=paris(2025, 4, 1, 9),
    )  # fmt: skip
    d = quick_application(
        call, 311, name="Structure D", departements=("44", "72"), status=S.WAITLISTED,
        submitted_at=paris(2025, 4, 2, 9),
    )  # fmt: skip
    e = quick_application(
        call, 312, name="Structure E", departements=("49",), status=S.REJECTED,
        submitted_at=dt.datetime(2024, 12, 31, 23, 30, tzinfo=UTC),
    )  # fmt: skip
    f = quick_application(
        call, 313, name="Structure F", departements=("44",), status=S.SUBMITTED,
        submitted_at=dt.datetime(2024, 12, 31, 22, 59, tzinfo=UTC),
    )  # fmt: skip
    officer = setup.officer
    decide(a, "selected", paris(2025, 5, 20, 10), by=officer)
    decide(b, "selected", paris(2025, 5, 20, 10), by=officer)
    decide(c, "rejected", paris(2025, 5, 10, 10), ["not_eligible", "outside_region"], by=officer)
    decide(d, "waitlisted", paris(2025, 6, 9, 10), by=officer)
    decide(e, "rejected", paris(2026, 1, 5, 10), ["ranking"], by=officer)

    cohort = setup.cohort
    Diagnostic.objects.create(cohort=cohort, started_at=paris(2025, 6, 1, 9), started_by=officer)
    for day, structure, status in (
        (10, lead_a, MeetingStatus.HELD),
        (11, partner_a, MeetingStatus.HELD),
        (12, b.structures.get(), MeetingStatus.PLANNED),
    ):
        Interview.objects.create(
            cohort=cohort,
            officer=officer,
            structure=structure,
            booked_at=paris(2025, 6, 3, 9),
            starts_at=paris(2025, 6, day, 9),
            ends_at=paris(2025, 6, day, 10, 30),
            mode="in_person",
            status=status,
        )
    Workshop.objects.create(
        cohort=cohort,
        starts_at=paris(2025, 6, 20, 14),
        ends_at=paris(2025, 6, 20, 17),
        mode="in_person",
        status=MeetingStatus.HELD,
        organiser=officer,
    )
    SynthesisVersion.objects.create(
        cohort=cohort,
        number=1,
        status=SynthesisStatus.VALIDATED,
        validated_at=paris(2025, 7, 3, 16),
        pdf_sha256="0" * 64,
    )
    dataset = DataSet(setup=setup, call=call, apps={"A": a, "B": b, "C": c, "D": d, "E": e, "F": f})
    build_support(dataset)
    return dataset


def build_support(dataset: DataSet) -> None:
    """The collective support of the data set's cohort (see the module docstring)."""
    from coopess.applications.models import Representative
    from coopess.support.models import (
        Attendance,
        Engagement,
        Referral,
        ReferralStatus,
        Session,
        SessionKind,
        SessionStatus,
        SupportActor,
    )
    from tests.support.helpers import departmental_dla, firm

    setup = dataset.setup
    cohort, officer = setup.cohort, setup.officer
    lead_a, partner_a = dataset.apps["A"].structures.order_by("position")
    structure_b = dataset.apps["B"].structures.get()
    engagement = Engagement.objects.create(
        cohort=cohort,
        firm=firm(),
        budget=Decimal("4800.00"),
        planned_half_days=4,
        min_half_days=3,
        max_half_days=4,
        starts_on=dt.date(2025, 9, 1),
        ends_on=dt.date(2025, 12, 31),
        created_by=officer,
    )
    everyone = list(
        Representative.objects.filter(structure__in=[lead_a, partner_a, structure_b]).order_by(
            "structure_id", "position"
        )
    )
    lead_reps = [r for r in everyone if r.structure_id == lead_a.pk]
    for number, (kind, structure, day, status, reps, absent) in enumerate(
        (
            (SessionKind.COLLECTIVE, None, (2025, 9, 15, 9), SessionStatus.HELD, everyone, 1),
            (SessionKind.INDIVIDUAL, lead_a, (2025, 10, 2, 14), SessionStatus.HELD, lead_reps, 0),
            (SessionKind.COLLECTIVE, None, (2025, 11, 5, 9), SessionStatus.CANCELLED, [], 0),
            (SessionKind.COLLECTIVE, None, (2025, 12, 10, 9), SessionStatus.PLANNED, [], 0),
            (SessionKind.COLLECTIVE, None, (2026, 1, 12, 9), SessionStatus.HELD, everyone, 0),
        ),
        start=1,
    ):
        starts_at = paris(*day)
        session = Session.objects.create(
            engagement=engagement,
            cohort=cohort,
            title=f"Séance {number}",
            kind=kind,
            structure=structure,
            half_day="morning" if starts_at.hour < 12 else "afternoon",
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(hours=3, minutes=30),
            mode="in_person",
            address="1 rue de l'Exemple, 44000 Nantes",
            status=status,
            held_at=starts_at + dt.timedelta(hours=4) if status == SessionStatus.HELD else None,
            created_by=officer,
        )
        for index, representative in enumerate(reps):
            Attendance.objects.create(
                session=session, representative=representative, present=index >= absent
            )
    operator = dataset.call.operator
    dla44 = departmental_dla(operator, "44")
    dla53 = departmental_dla(operator, "53")
    network = SupportActor.objects.create(
        operator=operator,
        name="Réseau fictif de l'ESS",
        expertise=["cooperation"],
        contact_name="Odile Réseaufictif",
        email="odile.reseau@example.org",
        phone="02 41 11 11 11",
    )
    for structure, actor, status, created in (
        (lead_a, dla44, ReferralStatus.DONE, (2025, 9, 20, 10)),
        (partner_a, network, ReferralStatus.PROPOSED, (2025, 10, 1, 10)),
        (structure_b, dla53, ReferralStatus.CONTACTED, (2025, 10, 15, 10)),
        (lead_a, network, ReferralStatus.IN_PROGRESS, (2026, 2, 1, 10)),
    ):
        Referral.objects.create(
            cohort=cohort,
            structure=structure,
            actor=actor,
            need="Consolider le modèle économique",
            status=status,
            created_by=officer,
            created_at=paris(*created),
        )


def personal_strings(dataset: DataSet) -> list[str]:
    """Every name, email and phone number of the data set's people (and the call's contact)."""
    from coopess.accounts.models import User
    from coopess.applications.models import Representative

    call = dataset.call
    strings = {call.contact_name, call.contact_email}
    if call.contact_phone:
        strings.add(call.contact_phone)
    for rep in Representative.objects.filter(structure__application__call=call):
        strings.update({rep.first_name + " " + rep.last_name, rep.last_name, rep.email, rep.phone})
    from coopess.support.models import SupportActor

    for actor in SupportActor.objects.filter(operator=call.operator):
        strings.update({actor.contact_name, actor.email, actor.phone})
    for user in User.objects.all():
        strings.add(user.email)
        if user.last_name:
            strings.add(user.last_name)
    return sorted(s for s in strings if s)


def make_funder(*calls: Call):
    """A funder (second factor enrolled) whose organisation funds ``calls``."""
    from coopess.accounts.models import OrganisationKind, Role
    from tests.factories import OrganisationFactory, add_totp, make_user

    organisation = OrganisationFactory(
        name=f"Financeur de test n° {Call.objects.count()}-{len(calls)}",
        kind=OrganisationKind.FUNDER,
    )
    funder = make_user(Role.FUNDER, organisation=organisation)
    add_totp(funder)
    for call in calls:
        call.funders.add(organisation)
    return funder


def published_dataset() -> DataSet:
    """The data set with its call published (funders read published calls only)."""
    dataset = build_dataset()
    Call.objects.filter(pk=dataset.call.pk).update(is_published=True)
    dataset.call.refresh_from_db()
    return dataset


def pdf_text(content) -> str:
    """The text of a PDF (a response or its bytes), page after page."""
    import io

    from pypdf import PdfReader

    data = getattr(content, "content", content)
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def readable(response) -> str:
    """Every text a person could read in a response, whatever its format (HTML, CSV, PDF, XLSX
    or ODS — a spreadsheet is a zip of XML files)."""
    import io
    import zipfile

    content = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response["Content-Type"]
    if kind.startswith("application/pdf"):
        return pdf_text(content)
    if "spreadsheet" in kind or "opendocument" in kind:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "\n".join(
                archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
            )
    return content.decode("utf-8-sig")


def next_edition(dataset: DataSet):
    """A second call of the same DLA (edition 2099) with one cohort: (call, cohort)."""
    from coopess.selection.models import Cohort

    call = Call.objects.get(pk=dataset.call.pk)
    call.pk = None
    call.public_id = uuid.uuid4()  # a copy is another call (its own public identifier)
    call.slug, call.edition = f"{dataset.call.slug}-suite", "2099"
    call.save()
    return call, Cohort.objects.create(call=call, name="Cohorte de l'autre appel")
