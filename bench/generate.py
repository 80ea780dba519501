"""Bulk data for the officers' table: ``python bench/generate.py --applications 100000``.

Django settings come from the environment (``DJANGO_SETTINGS_MODULE`` defaults to
``config.settings``; ``DATABASE_URL``, ``COOPESS_ENV``… as for ``manage.py``).

Creates, or reuses: a fictitious DLA operator, one officer of it (enrolled in TOTP, as
production requires of staff), six committee members, and a published call built from the seed
call (``call_create_from_data(load_call_data())``) under ``--call-slug``. Then tops the call
up to ``--applications`` submitted applications (the ones it already has count): statuses from
« déposée » to « retirée », 1 to 5 structures each with two representatives, names built from
word lists and the towns of every French département (weighted towards the Pays de la Loire),
SIRENs and SIRETs that pass the Luhn checksum (prefix 99: nobody's), receipt numbers
``BENCH-2023-000001``…, dates within the call's window, eligibility, maturity stage, and an
average score with two committee reviews for the reviewed ones.

Everything is written with ``bulk_create`` in batches (one transaction each); the denormalised
columns of ``Application`` (``lead_name``, ``structure_count``, ``eligibility``,
``average_score``, ``search_text``) are filled as the services would. Not generated: answers to the call's
questions, attachments, eligibility results, status history, messages.

On PostgreSQL the touched tables are then ``VACUUM ANALYZE``d (again until every page is
all-visible), as autovacuum would do shortly after such a load (``--no-analyze`` to skip). All names, people and numbers are invented;
emails are at example.org.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import secrets
import sys
import time
import unicodedata
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

OPERATOR_NAME = "DLA de banc d'essai (organisation fictive)"
OFFICER_EMAIL = "agathe.banc-essai@example.org"
REVIEWER_EMAILS = [f"comite.banc{i}@example.org" for i in range(1, 7)]
RECEIPT_PREFIX = "BENCH"
MAX_APPLICATIONS = 1_000_000

# Status mix of a call whose selection is well under way.
STATUSES = [
    ("submitted", 30),
    ("under_review", 25),
    ("selected", 5),
    ("waitlisted", 8),
    ("rejected", 27),
    ("withdrawn", 5),
]
STRUCTURE_COUNTS = [(1, 35), (2, 30), (3, 20), (4, 10), (5, 5)]

# Every département gets its prefecture; the five of the Pays de la Loire weigh most and have
# more towns. (code: [(town, postal code), ...])
TOWNS: dict[str, list[tuple[str, str]]] = {
    "01": [("Bourg-en-Bresse", "01000")], "02": [("Laon", "02000")],
    "03": [("Moulins", "03000")], "04": [("Digne-les-Bains", "04000")],
    "05": [("Gap", "05000")], "06": [("Nice", "06000")], "07": [("Privas", "07000")],
    "08": [("Charleville-Mézières", "08000")], "09": [("Foix", "09000")],
    "10": [("Troyes", "10000")], "11": [("Carcassonne", "11000")],
    "12": [("Rodez", "12000")], "13": [("Marseille", "13001"), ("Arles", "13200")],
    "14": [("Caen", "14000")], "15": [("Aurillac", "15000")],
    "16": [("Angoulême", "16000")], "17": [("La Rochelle", "17000")],
    "18": [("Bourges", "18000")], "19": [("Tulle", "19000")],
    "2A": [("Ajaccio", "20000")], "2B": [("Bastia", "20200")],
    "21": [("Dijon", "21000")], "22": [("Saint-Brieuc", "22000")],
    "23": [("Guéret", "23000")], "24": [("Périgueux", "24000")],
    "25": [("Besançon", "25000")], "26": [("Valence", "26000")],
    "27": [("Évreux", "27000")], "28": [("Chartres", "28000")],
    "29": [("Quimper", "29000"), ("Brest", "29200")], "30": [("Nîmes", "30000")],
    "31": [("Toulouse", "31000")], "32": [("Auch", "32000")],
    "33": [("Bordeaux", "33000")], "34": [("Montpellier", "34000")],
    "35": [("Rennes", "35000"), ("Vitré", "35500")], "36": [("Châteauroux", "36000")],
    "37": [("Tours", "37000")], "38": [("Grenoble", "38000")],
    "39": [("Lons-le-Saunier", "39000")], "40": [("Mont-de-Marsan", "40000")],
    "41": [("Blois", "41000")], "42": [("Saint-Étienne", "42000")],
    "43": [("Le Puy-en-Velay", "43000")],
    "44": [
        ("Nantes", "44000"), ("Saint-Nazaire", "44600"), ("Rezé", "44400"),
        ("Saint-Herblain", "44800"), ("Châteaubriant", "44110"), ("Ancenis", "44150"),
        ("Guérande", "44350"), ("Clisson", "44190"), ("Pornic", "44210"),
    ],
    "45": [("Orléans", "45000")], "46": [("Cahors", "46000")], "47": [("Agen", "47000")],
    "48": [("Mende", "48000")],
    "49": [
        ("Angers", "49000"), ("Cholet", "49300"), ("Saumur", "49400"),
        ("Segré-en-Anjou Bleu", "49500"), ("Beaupréau-en-Mauges", "49600"),
        ("Baugé-en-Anjou", "49150"),
    ],
    "50": [("Saint-Lô", "50000")], "51": [("Châlons-en-Champagne", "51000")],
    "52": [("Chaumont", "52000")],
    "53": [
        ("Laval", "53000"), ("Mayenne", "53100"), ("Château-Gontier-sur-Mayenne", "53200"),
        ("Évron", "53600"), ("Craon", "53400"),
    ],
    "54": [("Nancy", "54000")], "55": [("Bar-le-Duc", "55000")],
    "56": [("Vannes", "56000"), ("Lorient", "56100")], "57": [("Metz", "57000")],
    "58": [("Nevers", "58000")], "59": [("Lille", "59000"), ("Roubaix", "59100")],
    "60": [("Beauvais", "60000")], "61": [("Alençon", "61000")],
    "62": [("Arras", "62000")], "63": [("Clermont-Ferrand", "63000")],
    "64": [("Pau", "64000"), ("Bayonne", "64100")], "65": [("Tarbes", "65000")],
    "66": [("Perpignan", "66000")], "67": [("Strasbourg", "67000")],
    "68": [("Colmar", "68000")], "69": [("Lyon", "69001"), ("Villeurbanne", "69100")],
    "70": [("Vesoul", "70000")], "71": [("Mâcon", "71000")],
    "72": [
        ("Le Mans", "72000"), ("La Flèche", "72200"), ("Sablé-sur-Sarthe", "72300"),
        ("Mamers", "72600"), ("Saint-Calais", "72120"), ("Château-du-Loir", "72500"),
    ],
    "73": [("Chambéry", "73000")], "74": [("Annecy", "74000")],
    "75": [("Paris", "75011"), ("Paris", "75018"), ("Paris", "75020")],
    "76": [("Rouen", "76000"), ("Le Havre", "76600")], "77": [("Melun", "77000")],
    "78": [("Versailles", "78000")], "79": [("Niort", "79000")],
    "80": [("Amiens", "80000")], "81": [("Albi", "81000")],
    "82": [("Montauban", "82000")], "83": [("Toulon", "83000")],
    "84": [("Avignon", "84000")],
    "85": [
        ("La Roche-sur-Yon", "85000"), ("Les Sables-d'Olonne", "85100"),
        ("Challans", "85300"), ("Fontenay-le-Comte", "85200"), ("Luçon", "85400"),
        ("Les Herbiers", "85500"), ("Montaigu-Vendée", "85600"),
    ],
    "86": [("Poitiers", "86000")], "87": [("Limoges", "87000")],
    "88": [("Épinal", "88000")], "89": [("Auxerre", "89000")],
    "90": [("Belfort", "90000")], "91": [("Évry-Courcouronnes", "91000")],
    "92": [("Nanterre", "92000")], "93": [("Bobigny", "93000"), ("Montreuil", "93100")],
    "94": [("Créteil", "94000")], "95": [("Cergy", "95000")],
    "971": [("Basse-Terre", "97100")], "972": [("Fort-de-France", "97200")],
    "973": [("Cayenne", "97300")], "974": [("Saint-Denis", "97400")],
    "976": [("Mamoudzou", "97600")],
}  # fmt: skip
REGION_WEIGHTS = {"44": 24.0, "49": 16.0, "85": 14.0, "72": 11.0, "53": 7.0}
OTHER_DEPARTEMENTS_WEIGHT = 28.0  # shared by the 96 others

# (pattern, legal form, INSEE legal category, NAF codes). {town}, {dep} (département name),
# {activity}, {place}, {what} are filled in.
NAME_PATTERNS = [
    ("Association {activity} de {town}", "association", "9220", ["9499Z", "9312Z", "8899B"]),
    ("Association {activity} du pays de {town}", "association", "9220", ["9499Z", "8899B"]),
    ("Les Jardins de {town}", "association", "9220", ["8899B", "0113Z"]),
    ("Les Jardins du {place}", "association", "9220", ["8899B", "0113Z"]),
    ("Ressourcerie de {town}", "association", "9220", ["3832Z", "4779Z"]),
    ("Épicerie solidaire de {town}", "association", "9220", ["4711B", "8899B"]),
    ("Maison des jeunes et de la culture de {town}", "association", "9220", ["9499Z"]),
    ("Compagnie {what} de {town}", "association", "9220", ["9001Z"]),
    ("Atelier vélo de {town}", "association", "9220", ["9529Z", "9499Z"]),
    ("Centre social du {place} de {town}", "association", "9220", ["8899B"]),
    ("Aide à domicile en milieu rural de {town}", "association", "9220", ["8810A"]),
    ("Coopérative {activity} de {town}", "cooperative", "5458", ["4399C", "7022Z"]),
    ("Coopérative d'activités et d'emploi — {dep}", "cooperative", "5458", ["7022Z"]),
    ("SCIC {what} de {town}", "cooperative", "5560", ["3511Z", "5610A", "0113Z"]),
    ("SCOP {what} {town}", "cooperative", "5458", ["4399C", "1071C"]),
    ("Fédération départementale {activity} — {dep}", "network_head", "9220", ["9499Z"]),
    ("Union régionale des associations {activity}", "network_head", "9220", ["9499Z"]),
    ("Entreprise d'insertion {what} de {town}", "esus_company", "5710", ["3811Z", "8121Z"]),
    ("Régie de quartier du {place} de {town}", "association", "9220", ["8130Z", "8899B"]),
]
ACTIVITIES = [
    "sportive", "culturelle", "d'éducation populaire", "familiale", "des parents d'élèves",
    "de solidarité", "d'insertion", "pour l'environnement", "des amis du patrimoine",
    "de musique", "de danse", "de loisirs", "des aînés", "d'aide alimentaire",
    "pour l'accès au droit", "de théâtre", "d'économie sociale", "des artisans",
]  # fmt: skip
PLACES = [
    "Bourg", "Val", "Marais", "Bocage", "Vieux Port", "Moulin", "Centre", "Plateau", "Lac",
    "Château", "Prieuré", "Pré Vert", "Clos", "Vallon", "Coteau", "Quartier Nord",
]  # fmt: skip
WHATS = [
    "du Théâtre en Chantier", "des Semeurs", "Énergie Partagée", "du Pain Levé",
    "Bâtir Ensemble", "des Tisserands", "Recyclerie Verte", "des Voix Mêlées",
    "du Grain de Sel", "Terres Vivantes", "de l'Arbre à Palabres", "Le Vélo Solidaire",
    "des Marées", "Cuisine Commune", "Lumière d'Ouest",
]  # fmt: skip
PROJECTS = [
    "Mutualiser un poste de comptable", "Créer un groupement d'employeurs",
    "Partager des locaux et du matériel", "Une plateforme commune de bénévolat",
    "Rapprocher nos services d'aide à domicile", "Un centre de ressources partagé",
    "Fusionner nos deux associations", "Une SCIC pour l'alimentation locale",
    "Mutualiser la communication et le site web", "Un service commun de paie",
    "Coopérer pour répondre aux appels d'offres", "Partager un véhicule et un local",
    "Une fédération départementale renforcée", "Une coordination des jardins partagés",
    "Un pôle territorial de coopération économique",
]  # fmt: skip
FIRST_NAMES = [
    "Camille", "Nathalie", "Sophie", "Isabelle", "Claire", "Marie", "Julie", "Anne",
    "Léa", "Manon", "Chloé", "Inès", "Sarah", "Fatou", "Nadia", "Yasmine", "Gwenaëlle",
    "Maëlle", "Thomas", "Nicolas", "Julien", "Pierre", "Antoine", "Mathieu", "Yann",
    "Erwan", "Karim", "Mamadou", "Hugo", "Louis", "Gabriel", "Lucas", "Théo", "Dominique",
    "Frédéric", "Olivier", "Sébastien", "Bernard", "Jean-Luc", "Patrice",
]  # fmt: skip
LAST_NAMES = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
    "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David",
    "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier",
    "Guérin", "Le Goff", "Le Gall", "Guillou", "Tessier", "Chevalier", "Rousseau",
    "Gautier", "Boucher", "Benali", "Diallo", "Nguyen", "Traoré", "Da Silva", "Marchand",
    "Pineau", "Hervé", "Bouvier", "Cottin", "Renaud", "Brunet", "Rivière",
]  # fmt: skip
ROLES = ["Président·e", "Trésorier·ère", "Co-président·e", "Secrétaire", "Gérant·e"]
SECOND_ROLES = ["Directeur·rice", "Coordinateur·rice", "Chargé·e de mission", "Administrateur·rice"]
NETWORKS = ["aucune", "aucune", "aucune", "Mouvement associatif", "URSCOP", "Fédération des centres sociaux", "UNA"]  # fmt: skip


def ascii_slug(text: str) -> str:
    """« Gwenaëlle Le Goff » -> « gwenaelle.le.goff »: the local part of an email address."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return ".".join("".join(c if c.isalnum() else " " for c in plain).split())


def luhn_siret(index: int) -> tuple[str, str]:
    """The ``index``-th fictitious (SIREN, SIRET), see ``fictitious_siret``."""
    from coopess.structures.identifiers import fictitious_siret

    siret = fictitious_siret(index)
    return siret[:9], siret


class Generator:
    def __init__(self, args: argparse.Namespace):
        from coopess.structures.geography import departements

        self.args = args
        self.departements = departements()
        missing = set(self.departements) - set(TOWNS)
        if missing:
            raise SystemExit(f"No town for département(s) {sorted(missing)}")
        from coopess.applications.models import Application

        # The officers' search column (``search_text``), filled like the services do, if the
        # model has it.
        self.has_search_text = any(f.name == "search_text" for f in Application._meta.fields)
        others = [code for code in self.departements if code not in REGION_WEIGHTS]
        self.dep_codes = list(REGION_WEIGHTS) + others
        self.dep_weights = list(REGION_WEIGHTS.values()) + [
            OTHER_DEPARTEMENTS_WEIGHT / len(others)
        ] * len(others)

    # --- Accounts, call ---------------------------------------------------------------------

    def setup(self):
        from allauth.mfa.models import Authenticator
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

        from coopess.accounts.models import (
            Organisation,
            OrganisationKind,
            Role,
            RoleAssignment,
            User,
        )
        from coopess.calls.models import Call
        from coopess.calls.services import call_create_from_data, load_call_data

        operator, _ = Organisation.objects.get_or_create(
            name=OPERATOR_NAME,
            kind=OrganisationKind.DLA_OPERATOR,
            defaults={"short_name": "DLA banc d'essai", "region_code": "52"},
        )
        call = Call.objects.filter(slug=self.args.call_slug).first()
        if call is None:
            data = load_call_data()
            data.update(
                slug=self.args.call_slug,
                title=f"{data['title']} (banc d'essai)",
                receipt_prefix=RECEIPT_PREFIX,
            )
            call = call_create_from_data(operator=operator, data=data)
        officer = User.objects.filter(email=OFFICER_EMAIL).first()
        if officer is None:
            officer = User.objects.create_user(
                OFFICER_EMAIL, None, first_name="Agathe", last_name="Banc-d'Essai"
            )
        # The officer works for the call's operator (the bench one, unless the call was reused).
        for organisation in {operator, call.operator}:
            RoleAssignment.objects.get_or_create(
                user=officer, role=Role.OFFICER, organisation=organisation
            )
        if not Authenticator.objects.filter(user=officer, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(officer, generate_totp_secret())
        reviewers = []
        for i, email in enumerate(REVIEWER_EMAILS):
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(
                    email, None, first_name=FIRST_NAMES[i * 3], last_name=LAST_NAMES[i * 5]
                )
            RoleAssignment.objects.get_or_create(
                user=user, role=Role.REVIEWER, organisation=operator
            )
            reviewers.append(user)
        return operator, call, officer, reviewers

    # --- Applications -----------------------------------------------------------------------

    def run(self) -> dict:
        from django.db import connection, transaction
        from django.db.models import Max

        from coopess.applications.models import (
            Application,
            ApplicationStructure,
        )

        started = time.perf_counter()
        with transaction.atomic():
            operator, call, officer, reviewers = self.setup()
        existing = Application.objects.filter(call=call).exclude(status="draft").count()
        to_create = max(0, self.args.applications - existing)
        rng = random.Random(f"{self.args.seed}-{call.slug}-{existing}")
        stages = list(call.maturity_stages.all())
        kinds = [t.application_kind for t in call.targets.all()] or ["unaffiliated"]

        # Numbers go on after the highest ones already in the database (any call), so that
        # several bench calls can share one database.
        year = call.opens_at.astimezone(dt.UTC).year
        prefix = f"{RECEIPT_PREFIX}-{year}-"
        last = Application.objects.filter(receipt_number__startswith=prefix).aggregate(
            m=Max("receipt_number")
        )["m"]
        next_number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
        # SIRETs: after the ones already drawn (the demo data's 99… ones stay below 100,000).
        next_structure = (
            100_000 + ApplicationStructure.objects.filter(siret__startswith="99").count()
        )

        # Submissions over the window, crowding before the deadline; receipts in that order.
        opens, closes = call.opens_at.timestamp(), call.closes_at.timestamp()
        span = closes - opens
        instants = sorted(
            opens + span * (rng.random() if rng.random() < 0.6 else 1 - rng.random() ** 3 * 0.12)
            for _ in range(to_create)
        )
        counts = {"applications": 0, "structures": 0, "representatives": 0, "users": 0,
                  "accesses": 0, "reviews": 0}  # fmt: skip
        by_status: dict[str, int] = {}
        batch_size = self.args.batch_size
        for start in range(0, to_create, batch_size):
            chunk = instants[start : start + batch_size]
            with transaction.atomic():
                made = self._batch(
                    call, rng, chunk, prefix, next_number + start, next_structure, stages,
                    kinds, reviewers, by_status,
                )  # fmt: skip
            next_structure += made["structures"]
            for key, value in made.items():
                counts[key] += value
            done = start + len(chunk)
            print(
                f"  {done:>7} / {to_create} applications ({time.perf_counter() - started:.0f} s)",
                flush=True,
            )
        if to_create:
            from coopess.applications.models import ReceiptCounter

            counter, _ = ReceiptCounter.objects.get_or_create(prefix=call.receipt_prefix, year=year)
            counter.last = max(counter.last, next_number + to_create - 1)
            counter.save(update_fields=["last"])
        generated = time.perf_counter() - started
        analyzed = None
        if connection.vendor == "postgresql" and not self.args.no_analyze and to_create:
            analyze_started = time.perf_counter()
            tables = [
                "applications_application", "applications_applicationstructure",
                "applications_representative", "applications_applicationaccess",
                "accounts_user", "selection_reviewerassignment",
            ]  # fmt: skip
            with connection.cursor() as cursor:
                for table in tables:
                    cursor.execute(f"VACUUM ANALYZE {table}")
                # A snapshot held meanwhile (autovacuum's ANALYZE of another table) keeps the
                # newest pages from being marked all-visible, and index-only scans then read
                # the heap: vacuum again, as autovacuum would, until every page is visible.
                for _ in range(5):
                    cursor.execute(
                        "SELECT relname FROM pg_class WHERE relname = ANY(%s) "
                        "AND relallvisible < relpages",
                        [tables],
                    )
                    lagging = [row[0] for row in cursor.fetchall()]
                    if not lagging:
                        break
                    time.sleep(1)
                    for table in lagging:
                        cursor.execute(f"VACUUM {table}")
            analyzed = time.perf_counter() - analyze_started
        total_in_call = Application.objects.filter(call=call).exclude(status="draft").count()
        return {
            "call": {"id": call.pk, "slug": call.slug, "operator_id": operator.pk},
            "officer_id": officer.pk,
            "officer_email": officer.email,
            "existing": existing,
            "created": counts,
            "by_status": by_status,
            "applications_in_call": total_in_call,
            "generate_seconds": round(generated, 2),
            "analyze_seconds": round(analyzed, 2) if analyzed is not None else None,
            "database": connection.vendor,
        }

    def _batch(
        self, call, rng, instants, prefix, first_number, first_structure, stages, kinds,
        reviewers, by_status,
    ) -> dict:  # fmt: skip
        from django.utils import timezone

        from coopess.accounts.models import User
        from coopess.applications.models import (
            AccessRole,
            Application,
            ApplicationAccess,
            ApplicationStructure,
            Representative,
        )
        from coopess.selection.models import ReviewerAssignment

        status_names = [s for s, _ in STATUSES]
        status_weights = [w for _, w in STATUSES]
        sizes = [n for n, _ in STRUCTURE_COUNTS]
        size_weights = [w for _, w in STRUCTURE_COUNTS]
        utc = dt.UTC
        now = timezone.now()

        plans = []  # one dict per application: everything but the database ids
        users = []
        for offset, instant in enumerate(instants):
            number = first_number + offset
            submitted_at = dt.datetime.fromtimestamp(instant, tz=utc)
            status = rng.choices(status_names, status_weights)[0]
            by_status[status] = by_status.get(status, 0) + 1
            eligibility, score = self._assessment(rng, status)
            structures = [
                self._structure(rng, number, position)
                for position in range(rng.choices(sizes, size_weights)[0])
            ]
            lead_rep = structures[0]["reps"][0]
            users.append(
                User(
                    email=lead_rep["email"],
                    first_name=lead_rep["first_name"],
                    last_name=lead_rep["last_name"],
                    phone=lead_rep["phone"],
                    password="!" + secrets.token_hex(12),  # unusable: sign-in by code
                    date_joined=submitted_at - dt.timedelta(days=rng.randint(1, 40)),
                )
            )
            plans.append(
                {
                    "number": number,
                    "submitted_at": submitted_at,
                    "status": status,
                    "eligibility": eligibility,
                    "score": score,
                    "structures": structures,
                }
            )
        User.objects.bulk_create(users, batch_size=2000)
        applications = []
        for plan, user in zip(plans, users, strict=True):
            lead = plan["structures"][0]
            domains = rng.sample(["hr", "admin", "premises", "equipment", "it", "communication",
                                  "fundraising", "purchasing", "training", "services"],
                                 rng.randint(1, 4))  # fmt: skip
            applications.append(
                Application(
                    call=call,
                    kind=rng.choice(kinds),
                    status=plan["status"],
                    receipt_number=f"{prefix}{plan['number']:06d}",
                    created_by=user,
                    project_title=f"{rng.choice(PROJECTS)} — {lead['town']}",
                    shared_domains=domains,
                    goals=rng.sample(
                        ["efficiency", "resources", "positioning", "costs"], rng.randint(1, 3)
                    ),
                    maturity_stage=rng.choice(stages) if stages else None,
                    envisaged_forms=[
                        rng.choice(
                            [
                                "not_decided",
                                "partnership",
                                "pooling",
                                "employers_group",
                                "scic",
                                "merger",
                            ]
                        )
                    ],
                    regional_scope=f"Projet porté depuis {lead['town']}, à l'échelle du département.",
                    expectations="Un diagnostic partagé et un appui juridique.",
                    availability="Les mardis et jeudis, hors vacances scolaires.",
                    privacy_notice_accepted_at=plan["submitted_at"] - dt.timedelta(days=3),
                    version=rng.randint(3, 40),
                    lead_name=lead["name"],
                    structure_count=len(plan["structures"]),
                    eligibility=plan["eligibility"],
                    average_score=plan["score"],
                    created_at=plan["submitted_at"] - dt.timedelta(days=rng.randint(1, 30)),
                    submitted_at=plan["submitted_at"],
                )
            )
        if self.has_search_text:
            from coopess.common.text import normalise_search

            # As ``applications.services.refresh_search_text`` writes it.
            for plan, application in zip(plans, applications, strict=True):
                text = " | ".join(
                    [
                        application.project_title,
                        application.receipt_number,
                        *(s["name"] for s in plan["structures"]),
                    ]
                )
                application.search_text = normalise_search(text)
        Application.objects.bulk_create(applications, batch_size=2000)
        structures = []
        for plan, application in zip(plans, applications, strict=True):
            for position, s in enumerate(plan["structures"]):
                _siren, siret = luhn_siret(first_structure + len(structures))
                s["siret"] = siret
                structures.append(
                    ApplicationStructure(
                        application=application,
                        position=position,
                        is_lead=position == 0,
                        invited_email="" if position == 0 else s["reps"][0]["email"],
                        invited_at=None
                        if position == 0
                        else plan["submitted_at"] - dt.timedelta(days=10),
                        confirmed_at=None
                        if position == 0
                        else plan["submitted_at"] - dt.timedelta(days=5),
                        name=s["name"],
                        siret=siret,
                        rna=s["rna"],
                        address=s["address"],
                        postal_code=s["postal_code"],
                        commune=s["town"],
                        departement=s["departement"],
                        legal_form=s["legal_form"],
                        legal_category_code=s["category"],
                        naf_code=s["naf"],
                        esus_approved=s["esus"],
                        network_affiliation=s["network"],
                        employees=s["employees"],
                        fte=s["fte"],
                        volunteers=s["volunteers"],
                        lookup_status="not_found",  # SIREN 99…: in no directory
                        lookup_checked_at=plan["submitted_at"] - dt.timedelta(days=6),
                    )
                )
        ApplicationStructure.objects.bulk_create(structures, batch_size=2000)
        representatives = []
        accesses = []
        index = 0
        for plan, application, user in zip(plans, applications, users, strict=True):
            for position, s in enumerate(plan["structures"]):
                structure = structures[index]
                index += 1
                for rep_position, rep in enumerate(s["reps"], start=1):
                    representatives.append(
                        Representative(structure=structure, position=rep_position, **rep)
                    )
                if position == 0:
                    accesses.append(
                        ApplicationAccess(
                            application=application,
                            user=user,
                            structure=structure,
                            role=AccessRole.LEAD,
                        )
                    )
        Representative.objects.bulk_create(representatives, batch_size=2000)
        ApplicationAccess.objects.bulk_create(accesses, batch_size=2000)
        reviews = []
        for plan, application in zip(plans, applications, strict=True):
            if plan["score"] is None:
                continue
            for reviewer in rng.sample(reviewers, 2):
                weighted = plan["score"] + Decimal(rng.randint(-150, 150)) / 100
                weighted = min(Decimal(20), max(Decimal(0), weighted))
                reviews.append(
                    ReviewerAssignment(
                        application=application,
                        reviewer=reviewer,
                        assigned_at=plan["submitted_at"] + dt.timedelta(days=3),
                        no_conflict_declared_at=plan["submitted_at"] + dt.timedelta(days=4),
                        submitted_at=min(now, plan["submitted_at"] + dt.timedelta(days=12)),
                        overall_comment="Projet cohérent ; à préciser sur la gouvernance.",
                        weighted=weighted.quantize(Decimal("0.01")),
                    )
                )
        ReviewerAssignment.objects.bulk_create(reviews, batch_size=2000)
        return {
            "applications": len(applications),
            "structures": len(structures),
            "representatives": len(representatives),
            "users": len(users),
            "accesses": len(accesses),
            "reviews": len(reviews),
        }

    def _assessment(self, rng, status: str) -> tuple[str, Decimal | None]:
        """(eligibility, average score) consistent with the status."""

        def score(low: float, high: float) -> Decimal:
            return Decimal(str(round(rng.uniform(low, high), 2)))

        if status == "submitted":
            return rng.choices(["pending", "eligible", "to_check"], [70, 20, 10])[0], None
        if status == "under_review":
            eligibility = rng.choices(["eligible", "to_check"], [80, 20])[0]
            return eligibility, score(6, 18) if rng.random() < 0.4 else None
        if status == "selected":
            return "eligible", score(14, 19.5)
        if status == "waitlisted":
            return "eligible", score(11, 16)
        if status == "rejected":
            if rng.random() < 0.45:
                return "ineligible", None
            return "eligible", score(4, 13)
        # withdrawn
        return rng.choices(["pending", "eligible"], [50, 50])[0], None

    def _structure(self, rng, number: int, position: int) -> dict:
        code = rng.choices(self.dep_codes, self.dep_weights)[0]
        town, postal_code = rng.choice(TOWNS[code])
        pattern, legal_form, category, nafs = rng.choice(NAME_PATTERNS)
        name = pattern.format(
            town=town,
            dep=self.departements[code].name,
            activity=rng.choice(ACTIVITIES),
            place=rng.choice(PLACES),
            what=rng.choice(WHATS),
        )
        employees = max(1, int(rng.lognormvariate(1.6, 1.0)))
        fte = Decimal(str(round(employees * rng.uniform(0.55, 0.95), 2)))
        reps = []
        for rep_position in (1, 2):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            reps.append(
                {
                    "first_name": first,
                    "last_name": last,
                    "role": rng.choice(ROLES if rep_position == 1 else SECOND_ROLES),
                    # Unique: the receipt number, the structure and the person's place in it.
                    "email": f"{ascii_slug(first)}.{ascii_slug(last)}.{number}-{position}"
                    f"{rep_position}@example.org",
                    "phone": f"0{rng.randint(1, 5)} {rng.randint(10, 99)} "
                    f"{rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
                }
            )
        rna = ""
        if legal_form in ("association", "network_head"):
            rna = f"W{code.ljust(3, '2')[:3]}{rng.randint(0, 999_999):06d}"
        return {
            "name": name,
            "town": town,
            "postal_code": postal_code,
            "departement": code,
            "address": f"{rng.randint(1, 180)} {rng.choice(['rue', 'avenue', 'boulevard', 'chemin', 'place'])} "
            f"{rng.choice(['de la République', 'Jean Jaurès', 'des Lilas', 'du Port', 'Victor Hugo', 'de la Gare', 'des Écoles', 'Louise Michel'])}",
            "legal_form": legal_form,
            "category": category,
            "naf": rng.choice(nafs),
            "esus": True if legal_form == "esus_company" else rng.random() < 0.2,
            "network": rng.choice(NETWORKS) if legal_form != "network_head" else "—",
            "employees": employees,
            "fte": fte,
            "volunteers": rng.randint(0, 200),
            "rna": rna,
            "reps": reps,
        }


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--applications", type=int, required=True,
        help="submitted applications the call should have (existing ones count)",
    )  # fmt: skip
    parser.add_argument("--call-slug", default="bench-call", help="call to create or top up")
    parser.add_argument("--batch-size", type=int, default=5000, help="applications per batch")
    parser.add_argument("--seed", type=int, default=2023, help="random seed")
    parser.add_argument("--no-analyze", action="store_true", help="no VACUUM ANALYZE afterwards")
    parser.add_argument("--json", action="store_true", help="also print a JSON summary, last line")
    args = parser.parse_args(argv)
    if not 0 <= args.applications <= MAX_APPLICATIONS:
        parser.error(f"--applications must be between 0 and {MAX_APPLICATIONS}")
    if not 100 <= args.batch_size <= 50_000:
        parser.error("--batch-size must be between 100 and 50000")
    from django.utils.text import slugify

    if not args.call_slug or slugify(args.call_slug) != args.call_slug or len(args.call_slug) > 80:
        parser.error("--call-slug must be a slug (a-z, 0-9, -) of at most 80 characters")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    result = Generator(args).run()
    created = result["created"]
    print(
        f"Call « {result['call']['slug']} » (id {result['call']['id']}, {result['database']}): "
        f"{result['applications_in_call']} submitted applications "
        f"({result['existing']} already there)."
    )
    print(
        "Created: " + ", ".join(f"{value} {key}" for key, value in created.items())
        + f" in {result['generate_seconds']:.1f} s"
        + (f" (+ VACUUM ANALYZE {result['analyze_seconds']:.1f} s)" if result["analyze_seconds"] else "")
        + "."
    )  # fmt: skip
    if result["by_status"]:
        print("By status: " + ", ".join(f"{k} {v}" for k, v in result["by_status"].items()))
    print(f"Officer: id {result['officer_id']} ({result['officer_email']}).")
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
