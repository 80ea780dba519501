"""Demo applications: the 2023 call's fictitious history up to the applications received, the
two applications its 2025 edition received, and a draft on the open copy. Every structure and
person here is invented."""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from coopess.accounts.models import Role, RoleAssignment, User
from coopess.applications import services
from coopess.applications.forms import ProjectForm, QuestionsForm, StructureForm, TypeForm
from coopess.applications.models import Application
from coopess.calls.calendar import PARIS
from coopess.calls.models import Call
from coopess.common.demo import DemoContext
from coopess.structures.identifiers import fictitious_siret

CITIES = {
    "44": ("Nantes", "44000"),
    "49": ("Angers", "49000"),
    "53": ("Laval", "53000"),
    "72": ("Le Mans", "72000"),
    "85": ("La Roche-sur-Yon", "85000"),
    "35": ("Rennes", "35000"),
}

# (title, kind, stage code, shared domains, goals, forms, submitted on, withdrawn, structures)
# structures: (name, département, legal form, employees, FTE, representative first/last names)
APPLICATIONS_2023 = [
    (
        "Mutualiser une fonction administrative et financière entre épiceries solidaires",
        "network_head",
        "organisation",
        ["admin", "hr"],
        ["costs", "efficiency"],
        ["employers_group"],
        dt.date(2023, 6, 12),
        False,
        [
            (
                "Réseau ligérien des épiceries solidaires (fictif)",
                "44",
                "network_head",
                6,
                "5.2",
                "Léa",
                "Dubois",
            ),
            (
                "Épicerie solidaire du Val d'Erdre (fictive)",
                "44",
                "association",
                3,
                "2.4",
                "Hugo",
                "Renaud",
            ),
            (
                "Épicerie sociale des Mauges (fictive)",
                "49",
                "association",
                2,
                "1.6",
                "Inès",
                "Garnier",
            ),
        ],
    ),
    (
        "Un groupement d'employeurs pour nos équipes techniques du spectacle",
        "unaffiliated",
        "identification",
        ["hr", "equipment"],
        ["resources", "costs"],
        ["employers_group", "pooling"],
        dt.date(2023, 6, 20),
        False,
        [
            (
                "Compagnie Théâtre en chemin (fictive)",
                "72",
                "association",
                4,
                "3.1",
                "Paul",
                "Lemoine",
            ),
            (
                "Festival des rives de Mayenne (fictif)",
                "53",
                "association",
                2,
                "1.5",
                "Anaïs",
                "Morel",
            ),
        ],
    ),
    (
        "Vers un pôle coopératif du réemploi",
        "unaffiliated",
        "organisation",
        ["services", "premises", "communication"],
        ["positioning", "resources"],
        ["scic"],
        dt.date(2023, 6, 27),
        False,
        [
            (
                "Ressourcerie du bocage (fictive)",
                "85",
                "association",
                14,
                "11.5",
                "Martin",
                "Chauvin",
            ),
            ("Atelier vélo vendéen (fictif)", "85", "association", 5, "4.0", "Julie", "Roux"),
            ("Recyclerie de la baie (fictive)", "44", "cooperative", 9, "8.2", "Karim", "Benoît"),
        ],
    ),
    (
        "Partager des locaux et un système d'information entre services à domicile",
        "unaffiliated",
        "consolidation",
        ["premises", "it", "admin"],
        ["efficiency", "costs"],
        ["gcsms", "pooling"],
        dt.date(2023, 6, 29),
        False,
        [
            (
                "Aide à domicile Sarthe nord (fictive)",
                "72",
                "association",
                38,
                "29.0",
                "Sophie",
                "Perrin",
            ),
            (
                "Soins infirmiers des Alpes mancelles (fictif)",
                "72",
                "association",
                21,
                "17.5",
                "Nicolas",
                "Fabre",
            ),
        ],
    ),
    (
        "Consolider l'union régionale du sport adapté",
        "network_head",
        "consolidation",
        ["training", "fundraising"],
        ["resources", "positioning"],
        ["association_of_means"],
        dt.date(2023, 6, 30),
        False,
        [
            (
                "Union régionale du sport adapté (fictive)",
                "49",
                "network_head",
                7,
                "6.3",
                "Élodie",
                "Marchand",
            )
        ],
    ),
    (
        "Coopérer pour la formation des bénévoles",
        "unaffiliated",
        "identification",
        ["training"],
        ["efficiency"],
        ["not_decided"],
        dt.date(2023, 6, 5),
        False,
        [
            (
                "Coopérative formation Bretagne-Loire (fictive)",
                "35",
                "cooperative",
                3,
                "2.8",
                "Yves",
                "Le Gall",
            ),
            (
                "Institut de formation solidaire (fictif)",
                "44",
                "association",
                0,
                "0",
                "Chloé",
                "Robin",
            ),
        ],
    ),
    (
        "Mutualiser la communication de trois associations de quartier",
        "unaffiliated",
        "identification",
        ["communication"],
        ["costs"],
        ["partnership"],
        dt.date(2023, 6, 2),
        True,
        [
            (
                "Maison de quartier des Dervallières (fictive)",
                "44",
                "association",
                5,
                "3.9",
                "Omar",
                "Diallo",
            )
        ],
    ),
]


#: the 2025 edition: two applications of two structures each, both retained (same tuple shape)
APPLICATIONS_2025 = [
    (
        "Partager un local et une comptabilité entre deux tiers-lieux",
        "unaffiliated",
        "identification",
        ["admin", "premises"],
        ["costs", "resources"],
        ["pooling"],
        dt.date(2025, 6, 10),
        False,
        [
            ("Tiers-lieu des Coteaux (fictif)", "49", "association", 3, "2.5", "Nora", "Bellec"),
            ("La Fabrique partagée (fictive)", "49", "cooperative", 4, "3.2", "Bastien", "Hervé"),
        ],
    ),
    (
        "Un service commun de mobilité solidaire",
        "unaffiliated",
        "organisation",
        ["services", "hr"],
        ["efficiency", "positioning"],
        ["employers_group", "pooling"],
        dt.date(2025, 6, 24),
        False,
        [
            ("Mobilité solidaire du Pays de Retz (fictive)", "44", "association", 5, "4.1", "Élodie", "Marchand"),
            ("Garage solidaire du Marais (fictif)", "85", "association", 6, "5.0", "Thomas", "Perrin"),
        ],
    ),
]  # fmt: skip


def _slug(text: str) -> str:
    from django.utils.text import slugify

    return slugify(text).replace("-", ".")


def _user(first_name: str, last_name: str) -> User:
    email = f"{_slug(first_name)}.{_slug(last_name)}@example.org"
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, first_name=first_name, last_name=last_name)
    RoleAssignment.objects.get_or_create(user=user, role=Role.APPLICANT, organisation=None)
    return user


def _structure_data(
    seed: int,
    name: str,
    departement: str,
    legal_form: str,
    employees: int,
    fte: str,
    first: str,
    last: str,
) -> dict:
    city, postal_code = CITIES[departement]
    slug = f"{_slug(first)}.{_slug(last)}"
    return {
        "siret": fictitious_siret(seed),
        "name": name,
        "rna": f"W{departement}{seed:07d}" if legal_form in ("association", "network_head") else "",
        "address": f"{seed} rue de la Coopération",
        "postal_code": postal_code,
        "commune": city,
        "departement": departement,
        "legal_form": legal_form,
        "network_affiliation": "aucune" if legal_form != "network_head" else "—",
        "employees": str(employees),
        "fte": fte,
        "volunteers": str(10 + seed % 40),
        "rep1_first_name": first,
        "rep1_last_name": last,
        "rep1_role": "Président·e",
        "rep1_email": f"{slug}@example.org",
        "rep1_phone": f"02 40 {seed % 90 + 10:02d} 00 00",
        "rep2_first_name": "Camille",
        "rep2_last_name": f"{last}-Directrice",
        "rep2_role": "Directrice",
        "rep2_email": f"direction.{slug}@example.org",
        "rep2_phone": f"02 41 {seed % 90 + 10:02d} 00 00",
    }


def _pdf(title: str) -> SimpleUploadedFile:
    from coopess.common.pdf import render_pdf

    content = render_pdf("pdf/demo_document.html", {"title": title})
    return SimpleUploadedFile(f"{_slug(title)}.pdf", content, content_type="application/pdf")


def demo_applications(call_2023: Call, open_call: Call, edition_2025: Call | None = None) -> None:
    """Create the demo applications once: the 2023 ones and the 2025 edition's (nothing happens
    to a call that already has some) and a draft on the open copy (unless it has applications
    already)."""
    if not Application.objects.filter(call=call_2023).exists():
        _submitted(call_2023, APPLICATIONS_2023, seed=100)
    if edition_2025 is not None and not Application.objects.filter(call=edition_2025).exists():
        _submitted(edition_2025, APPLICATIONS_2025, seed=200)
    if not Application.objects.filter(call=open_call).exists():
        _open_call_draft(open_call)


def _submitted(call: Call, rows: list, *, seed: int) -> None:
    """The applications ``rows`` submitted (or withdrawn) on their fixed days."""
    statutes = None
    for (
        title,
        kind,
        stage_code,
        domains,
        goals,
        forms,
        day,
        withdrawn,
        structures,
    ) in rows:
        moment = dt.datetime.combine(day, dt.time(10, 30), tzinfo=PARIS)
        lead_first, lead_last = structures[0][5], structures[0][6]
        lead_user = _user(lead_first, lead_last)
        application = services.application_create(
            call=call, by=lead_user, now=moment - dt.timedelta(days=9)
        )
        _fill(application, call, title, kind, stage_code, domains, goals, forms)
        all_structures = []
        for index, (name, departement, legal_form, employees, fte, first, last) in enumerate(
            structures
        ):
            seed += 1
            data = _structure_data(seed, name, departement, legal_form, employees, fte, first, last)
            if index == 0:
                structure = application.structures.get(is_lead=True)
            else:
                user = _user(first, last)
                structure = services.partner_invite(
                    application=application, by=lead_user, name=name, email=user.email
                )
                services.partner_accept(structure=structure, user=user)
            services.structure_save(structure=structure, form=StructureForm(data=data))
            all_structures.append(structure)
        statutes = statutes or _pdf("Statuts (document fictif de démonstration)")
        for structure in all_structures:
            for document in call.documents.filter(required=True):
                statutes.seek(0)
                services.attachment_add(
                    application=application,
                    upload=statutes,
                    by=lead_user,
                    structure=structure,
                    document=document,
                )
        for structure in all_structures[1:]:
            services.partner_confirm(structure=structure, by=lead_user)
        services.application_submit(application=application, by=lead_user, now=moment)
        if withdrawn:
            services.application_withdraw(
                application=application, by=lead_user, reason="Projet reporté à l'an prochain."
            )
            application.transitions.filter(to_status="withdrawn").update(
                at=moment + dt.timedelta(days=3)
            )
        # the history happened on the row's day: date the partners' steps accordingly
        application.structures.filter(is_lead=False).update(
            invited_at=moment - dt.timedelta(days=8), confirmed_at=moment - dt.timedelta(days=2)
        )
        application.attachments.update(uploaded_at=moment - dt.timedelta(days=3))


def _open_call_draft(open_call: Call) -> None:
    """On the open copy: a draft started by a demo representative, to resume."""
    hugo = User.objects.get(email="hugo.renaud@example.org")
    draft = services.application_create(call=open_call, by=hugo, now=open_call.opens_at)
    services.type_save(
        application=draft,
        form=TypeForm(
            data={
                "kind": "unaffiliated",
                "project_title": "Partager un poste de chargé·e de communication",
            },
            call=open_call,
        ),
    )


def _fill(application, call, title, kind, stage_code, domains, goals, forms) -> None:
    services.type_save(
        application=application,
        form=TypeForm(data={"kind": kind, "project_title": title}, call=call),
    )
    stage = call.maturity_stages.get(code=stage_code)
    services.project_save(
        application=application,
        form=ProjectForm(
            data={
                "shared_domains": domains,
                "goals": goals,
                "maturity_stage": str(stage.pk),
                "envisaged_forms": forms,
                "shared_description": "Description fictive du partage envisagé, pour la démonstration.",
                "regional_scope": "Les structures interviennent dans plusieurs départements de la région.",
                "expectations": "Clarifier les attentes de chacun et choisir une forme de coopération adaptée.",
                "difficulties": "Peu de temps disponible pour les bénévoles dirigeants.",
                "availability": "Disponibles de septembre à décembre, sauf pendant les vacances scolaires.",
            },
            call=call,
        ),
    )
    questions = list(call.questions.all())
    first = questions[0]
    services.questions_save(
        application=application,
        form=QuestionsForm(
            data={f"q{first.pk}": "non", f"q{questions[-1].pk}": questions[-1].choices[0]},
            questions=questions,
        ),
    )


def load(demo: DemoContext) -> None:
    demo_applications(demo.seed_call, demo.open_copy, demo.edition_2025)
