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

This module owns the command line and the ``Generator`` (what is written, in which batches);
``bench/generate_words.py`` holds the word lists, towns, weights and identifiers it draws from.
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
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

OPERATOR_NAME = "DLA de banc d'essai (organisation fictive)"
OFFICER_EMAIL = "agathe.banc-essai@example.org"
REVIEWER_EMAILS = [f"comite.banc{i}@example.org" for i in range(1, 7)]
RECEIPT_PREFIX = "BENCH"
MAX_APPLICATIONS = 1_000_000

from bench.generate_words import (  # noqa: E402
    ACTIVITIES,
    FIRST_NAMES,
    LAST_NAMES,
    NAME_PATTERNS,
    NETWORKS,
    OTHER_DEPARTEMENTS_WEIGHT,
    PLACES,
    PROJECTS,
    REGION_WEIGHTS,
    ROLES,
    SECOND_ROLES,
    STATUSES,
    STRUCTURE_COUNTS,
    TOWNS,
    WHATS,
    ascii_slug,
    luhn_siret,
)


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
