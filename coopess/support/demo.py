"""Demo data of the collective support for the 2023 cohort: the consultancy of the fictitious firm
« Atelier Coopérer Ensemble » (consultant: nadia.benali@example.org), four half-days held from
September to December 2023 with attendance, reports and deliverables (small generated PDFs), the
directory of support actors (the five departmental DLAs of Pays de la Loire, as fictitious demo
entries at example.org) and referrals with their history.

History is written straight to the database with 2023 dates: no invitation leaves today.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction

from coopess.accounts.models import Organisation, OrganisationKind, Role, RoleAssignment, User
from coopess.calls.calendar import PARIS
from coopess.calls.models import Call
from coopess.common.demo import DemoContext
from coopess.common.uploads import storage_name
from coopess.diagnostic.models import ActionItem, ActionStatus
from coopess.diagnostic.permissions import cohort_structures
from coopess.selection.models import Cohort
from coopess.support.models import (
    Attendance,
    Deliverable,
    Engagement,
    HalfDay,
    Referral,
    ReferralStatus,
    ReferralTransition,
    Session,
    SessionKind,
    SessionMode,
    SessionStatus,
    SessionTransition,
    SupportActor,
)
from coopess.support.services.engagement import brief_prefill, support_settings_for

FIRM_NAME = "Atelier Coopérer Ensemble (cabinet fictif)"
CONSULTANT_EMAIL = "nadia.benali@example.org"
OFFICER_EMAIL = "claire.morvan@example.org"

#: The five departmental DLAs of Pays de la Loire — fictitious demo entries (contacts invented).
DEPARTMENTAL_DLAS = [
    ("44", "DLA de Loire-Atlantique (démo)", "Nantes"),
    ("49", "DLA de Maine-et-Loire (démo)", "Angers"),
    ("53", "DLA de la Mayenne (démo)", "Laval"),
    ("72", "DLA de la Sarthe (démo)", "Le Mans"),
    ("85", "DLA de la Vendée (démo)", "La Roche-sur-Yon"),
]
OTHER_ACTORS = [
    ("Fonds territorial pour l'emploi solidaire (fictif)", ["finance"], "Prêts d'honneur, "
     "garanties et conseil financier pour les structures employeuses."),
    ("Union régionale des coopératives (fictive)", ["cooperation", "legal", "governance"],
     "Accompagnement à la création de SCIC et aux rapprochements entre structures."),
    ("Groupement d'employeurs solidaire 44-49 (fictif)", ["hr"],
     "Conseil sur la mise à disposition et le partage de salarié·es."),
]  # fmt: skip

SESSIONS = [
    # (date, half-day, kind, structure index, mode, title, report)
    (dt.date(2023, 9, 21), HalfDay.MORNING, SessionKind.COLLECTIVE, None, SessionMode.IN_PERSON,
     "Lancement : objectifs communs et calendrier",
     "Tour de table des attentes, rappel des conclusions de la synthèse, choix de trois "
     "chantiers prioritaires : achats groupés, partage d'un poste administratif, "
     "communication commune."),
    (dt.date(2023, 10, 12), HalfDay.AFTERNOON, SessionKind.COLLECTIVE, None, SessionMode.REMOTE,
     "Formes juridiques de la coopération",
     "Présentation comparée de la convention de mutualisation, du groupement d'employeurs et "
     "de l'association de moyens ; critères de choix appliqués au projet."),
    (dt.date(2023, 11, 9), HalfDay.MORNING, SessionKind.INDIVIDUAL, 0, SessionMode.IN_PERSON,
     "Séance individuelle : impact sur l'organisation de la structure cheffe de file",
     "Analyse des postes concernés par le partage, points de vigilance sur la TVA des "
     "refacturations."),
    (dt.date(2023, 12, 7), HalfDay.MORNING, SessionKind.COLLECTIVE, None, SessionMode.BOTH,
     "Feuille de route et convention de mutualisation",
     "Relecture du projet de convention, répartition des coûts, calendrier 2024 ; "
     "orientation vers les acteurs du territoire pour la suite."),
]  # fmt: skip

TIMES = {HalfDay.MORNING: (dt.time(9, 0), dt.time(12, 30)),
         HalfDay.AFTERNOON: (dt.time(14, 0), dt.time(17, 30))}  # fmt: skip


def _pdf(title: str) -> ContentFile:
    from coopess.common.pdf import render_pdf

    return ContentFile(render_pdf("pdf/demo_document.html", {"title": title}))


def _actors(operator: Organisation) -> dict[str, SupportActor]:
    actors = {}
    for code, name, town in DEPARTMENTAL_DLAS:
        actors[code], _ = SupportActor.objects.get_or_create(
            operator=operator,
            name=name,
            defaults={
                "description": f"Accompagnement DLA individuel des structures employeuses de "
                f"l'ESS du département ({town}). Entrée fictive de démonstration.",
                "expertise": ["individual_dla", "strategy", "finance"],
                "departements": [code],
                "is_departmental_dla": True,
                "contact_name": "Accueil DLA (fictif)",
                "email": f"dla{code}@example.org",
                "phone": f"02 {40 + int(code) % 10:02d} 00 00 00",
                "website": "https://example.org/",
            },
        )
    for name, expertise, description in OTHER_ACTORS:
        actors[name], _ = SupportActor.objects.get_or_create(
            operator=operator,
            name=name,
            defaults={
                "description": description,
                "expertise": expertise,
                "departements": ["44", "49", "53", "72", "85"],
                "contact_name": "Contact fictif",
                "email": "contact@example.org",
            },
        )
    return actors


@transaction.atomic
def demo_support(call_2023: Call) -> None:
    """Fill the 2023 cohort's collective support once (nothing happens if it already has one)."""
    cohort = Cohort.objects.filter(call=call_2023).order_by("pk").first()
    officer = User.objects.filter(email=OFFICER_EMAIL).first()
    if cohort is None or officer is None:
        return
    actors = _actors(call_2023.operator)
    if Engagement.objects.filter(cohort=cohort).exists():
        return
    structures = list(cohort_structures(cohort).prefetch_related("representatives"))
    if not structures:
        return
    firm, _ = Organisation.objects.get_or_create(
        name=FIRM_NAME, kind=OrganisationKind.CONSULTING_FIRM,
        defaults={"short_name": "Atelier Coopérer Ensemble", "region_code": "52"},
    )  # fmt: skip
    consultant = User.objects.filter(email=CONSULTANT_EMAIL).first()
    bounds = support_settings_for(call_2023)
    engagement = Engagement.objects.create(
        cohort=cohort,
        firm=firm,
        brief=brief_prefill(cohort)
        or "Accompagner les structures dans le choix et la mise en œuvre de leur forme de "
        "coopération : achats groupés, partage d'un poste administratif, communication commune.",
        budget=Decimal("4200.00"),
        planned_half_days=4,
        min_half_days=bounds.min_half_days,
        max_half_days=max(bounds.max_half_days, 4),
        starts_on=bounds.period_starts_on or dt.date(2023, 9, 1),
        ends_on=bounds.period_ends_on or dt.date(2023, 12, 31),
        created_by=officer,
        created_at=dt.datetime(2023, 9, 4, 10, 0, tzinfo=PARIS),
        updated_at=dt.datetime(2023, 9, 4, 10, 0, tzinfo=PARIS),
    )
    if consultant is not None:
        RoleAssignment.objects.get_or_create(
            user=consultant, role=Role.CONSULTANT, organisation=firm
        )
        engagement.consultants.add(consultant)
    recorder = consultant or officer
    actions = list(ActionItem.objects.filter(cohort=cohort).order_by("position", "pk"))
    for index, (day, half_day, kind, structure_index, mode, title, report) in enumerate(SESSIONS):
        start, end = TIMES[half_day]
        starts_at = dt.datetime.combine(day, start, tzinfo=PARIS)
        structure = structures[structure_index] if structure_index is not None else None
        session = Session.objects.create(
            engagement=engagement,
            cohort=cohort,
            title=title,
            kind=kind,
            structure=structure,
            half_day=half_day,
            starts_at=starts_at,
            ends_at=dt.datetime.combine(day, end, tzinfo=PARIS),
            mode=mode,
            address=""
            if mode == SessionMode.REMOTE
            else "Maison de l'ESS (fictive), 8 rue de l'Exemple, 44000 Nantes",
            link="" if mode == SessionMode.IN_PERSON else "https://visio.example.org/coopess-2023",
            status=SessionStatus.HELD,
            report=report,
            held_at=starts_at + dt.timedelta(days=1),
            recorded_by=recorder,
            created_by=officer,
            created_at=starts_at - dt.timedelta(days=14),
        )
        SessionTransition.objects.create(
            session=session, from_status="", to_status=SessionStatus.PLANNED, by=officer,
            at=starts_at - dt.timedelta(days=14),
        )  # fmt: skip
        SessionTransition.objects.create(
            session=session, from_status=SessionStatus.PLANNED, to_status=SessionStatus.HELD,
            by=recorder, at=starts_at + dt.timedelta(days=1),
        )  # fmt: skip
        concerned = [structure] if structure is not None else structures
        Attendance.objects.bulk_create(
            Attendance(
                session=session,
                representative=representative,
                # one absence per session, for a realistic register
                present=not (representative.position == 2 and (index + n) % 3 == 0),
            )
            for n, s in enumerate(concerned)
            for representative in s.representatives.all()
        )
        if actions:
            session.action_items.set(actions[index % len(actions) : index % len(actions) + 2])
        deliverable = Deliverable(
            session=session,
            title=f"Support de séance — {title}",
            original_name=f"support-seance-{index + 1}.pdf",
            kind="pdf",
            size=0,
            sha256="",
            uploaded_by=recorder,
            uploaded_at=starts_at + dt.timedelta(days=2),
        )
        content = _pdf(f"Support de séance — {title}")
        deliverable.size = content.size
        deliverable.sha256 = hashlib.sha256(content.read()).hexdigest()
        content.seek(0)
        deliverable.file.save(storage_name("pdf"), content, save=False)
        deliverable.save()
    for item in actions[:2]:
        if item.status == ActionStatus.TODO:
            item.status = ActionStatus.IN_PROGRESS
            item.save(update_fields=["status"])
    _demo_referrals(cohort, structures, actors, officer, actions)


def _demo_referrals(cohort, structures, actors, officer, actions) -> None:
    december = dt.datetime(2023, 12, 8, 10, 0, tzinfo=PARIS)
    plans = []
    first = structures[0]
    dla = actors.get(first.departement)
    if dla is not None:
        plans.append((first, dla, "Accompagnement DLA individuel : consolidation du modèle "
                      "économique après la mutualisation.", None,
                      [ReferralStatus.CONTACTED, ReferralStatus.IN_PROGRESS]))  # fmt: skip
    finance = actors["Fonds territorial pour l'emploi solidaire (fictif)"]
    target = structures[1] if len(structures) > 1 else first
    plans.append((target, finance, "Financer le poste administratif partagé.",
                  actions[0] if actions else None,
                  [ReferralStatus.CONTACTED, ReferralStatus.IN_PROGRESS, ReferralStatus.DONE]))  # fmt: skip
    hr = actors["Groupement d'employeurs solidaire 44-49 (fictif)"]
    plans.append((first, hr, "Étudier la mise à disposition de personnel.", None, []))
    for structure, actor, need, item, path in plans:
        referral = Referral.objects.create(
            cohort=cohort, structure=structure, actor=actor, need=need, action_item=item,
            status=path[-1] if path else ReferralStatus.PROPOSED, created_by=officer,
            created_at=december,
        )  # fmt: skip
        previous, at = "", december
        for status in [ReferralStatus.PROPOSED, *path]:
            ReferralTransition.objects.create(
                referral=referral, from_status=previous, to_status=status, by=officer, at=at
            )
            previous, at = status, at + dt.timedelta(days=21)


def load(demo: DemoContext) -> None:
    """This app's step of ``coopess.common.demo.demo_load``."""
    demo_support(demo.seed_call)
