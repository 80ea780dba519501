"""The follow-up scheduler at scale: ``python bench/followups.py``.

For each database (SQLite file, then a throwaway PostgreSQL cluster when its binaries are
installed), production settings, an empty migrated database:

1. ``--structures`` structures (default 10,000: 2,000 retained applications of 5 structures,
   two declared representatives and one account each, in cohorts of one application) are
   bulk-created with their cohorts; every cohort's support is closed on 15 September 2030 with
   ``support_close`` (one follow-up per structure at +6 and +12 months);
2. ``manage.py``-equivalent ``run_scheduler(now=…)`` is run in-process on the four days that
   matter for the 6-month follow-ups (sending on 15 March 2031, reminders on the 22nd and
   29th, overdue on 5 April), each day twice (the second run must move and queue nothing);
   time and SQL queries of every run are recorded, with the outbox rows and queued tasks.

No worker runs: the emails stay in the outbox and the database-backed queue, as a cron run
leaves them for ``db_worker``. Results in ``bench/results/followups-*.md``; see
docs/performance.md. The Django side runs in a subprocess: ``python bench/followups.py django``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import harness  # noqa: E402

THIS = Path(__file__).resolve()
RESULTS_DIR = THIS.parent / "results"
DAYS = [
    ("envoi", "2031-03-15"),
    ("relance 1", "2031-03-22"),
    ("relance 2", "2031-03-29"),
    ("en retard", "2031-04-05"),
]


step = harness.step


# --- Django side (subprocess) -----------------------------------------------------------------


def _setup(structures: int) -> dict:
    from django.db import transaction
    from django.utils import timezone

    from coopess.accounts.models import Organisation, OrganisationKind, Role, RoleAssignment, User
    from coopess.applications.models import (
        AccessRole,
        Application,
        ApplicationAccess,
        ApplicationStructure,
        Representative,
    )
    from coopess.calls.services import call_create_from_data, load_call_data
    from coopess.followups.services import support_close
    from coopess.selection.models import Cohort, CohortMember, CohortStatus

    started = time.perf_counter()
    per_application = 5
    applications = structures // per_application
    with transaction.atomic():
        operator = Organisation.objects.create(
            name="DLA du banc d'essai", kind=OrganisationKind.DLA_OPERATOR
        )
        officer = User.objects.create_user("officier.bench@example.org", None)
        RoleAssignment.objects.create(user=officer, role=Role.OFFICER, organisation=operator)
        call = call_create_from_data(operator=operator, data=load_call_data())
        users = User.objects.bulk_create(
            [User(email=f"rep{i}.bench@example.org") for i in range(structures)], batch_size=2000
        )
        apps = Application.objects.bulk_create(
            [
                Application(
                    call=call,
                    status="selected",
                    submitted_at=timezone.now(),
                    receipt_number=f"BENCH-{i:06d}",
                    created_by=users[i * per_application],
                )
                for i in range(applications)
            ],
            batch_size=2000,
        )
        cohorts = Cohort.objects.bulk_create(
            [
                Cohort(call=call, name=f"Cohorte {i}", status=CohortStatus.SUPPORT)
                for i in range(applications)
            ],
            batch_size=2000,
        )
        CohortMember.objects.bulk_create(
            [CohortMember(cohort=c, application=a) for c, a in zip(cohorts, apps, strict=True)],
            batch_size=2000,
        )
        rows = ApplicationStructure.objects.bulk_create(
            [
                ApplicationStructure(
                    application=a,
                    position=p,
                    is_lead=p == 0,
                    name=f"Structure {i}-{p}",
                    departement="44",
                )
                for i, a in enumerate(apps)
                for p in range(per_application)
            ],
            batch_size=2000,
        )
        Representative.objects.bulk_create(
            [
                Representative(
                    structure=s,
                    position=p,
                    first_name="Rep",
                    last_name=str(s.pk),
                    email=f"rep{p}.{s.pk}@example.org",
                )
                for s in rows
                for p in (1, 2)
            ],
            batch_size=2000,
        )
        ApplicationAccess.objects.bulk_create(
            [
                ApplicationAccess(
                    application=s.application,
                    user=users[n],
                    structure=s,
                    role=AccessRole.LEAD if s.is_lead else AccessRole.PARTNER,
                )
                for n, s in enumerate(rows)
            ],
            batch_size=2000,
        )
    built = time.perf_counter() - started
    started = time.perf_counter()
    closed_on = dt.date(2030, 9, 15)
    for cohort in cohorts:
        support_close(cohort=cohort, by=officer, ended_on=closed_on, now=timezone.now())
    return {"built_s": built, "closed_s": time.perf_counter() - started, "cohorts": len(cohorts)}


def _run() -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django_tasks_db.models import DBTaskResult

    from coopess.calls.calendar import PARIS
    from coopess.common.models import OutgoingEmail
    from coopess.followups.scheduler import run_scheduler

    runs = []
    for label, day in DAYS:
        date = dt.date.fromisoformat(day)
        now = dt.datetime(date.year, date.month, date.day, 3, 30, tzinfo=PARIS)
        for attempt in (1, 2):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                counts = run_scheduler(now=now)
                elapsed = time.perf_counter() - started
            runs.append(
                {
                    "day": label,
                    "date": day,
                    "attempt": attempt,
                    "seconds": elapsed,
                    "queries": len(queries),
                    "moved": sum(counts.values()),
                    "emails": OutgoingEmail.objects.count(),
                    "tasks": DBTaskResult.objects.count(),
                }
            )
    return {"runs": runs}


def _django_main(argv: list[str]) -> None:
    import django

    django.setup()
    action = argv[0]
    result = _setup(int(argv[1])) if action == "setup" else _run()
    print(json.dumps(result))


# --- Driver -------------------------------------------------------------------------------------


def bench_database(name: str, structures: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="coopess-bench-followups-") as workdir:
        workdir = Path(workdir)
        with harness.database(name, workdir) as db:
            env = harness.production_env(db.url, workdir)
            step(f"{name}: migrate")
            harness.prepare_database(env, demo=False, static=False)
            step(f"{name}: {structures} structures, support closed")
            setup = harness.django_json(env, THIS, "django", "setup", str(structures), timeout=3600)
            step(f"{name}: scheduler")
            runs = harness.django_json(env, THIS, "django", "run", timeout=3600)
            return {"database": name, **setup, **runs}


def report(results: list[dict], structures: int, machine: dict) -> str:
    lines = [
        f"# Follow-up scheduler — {structures} structures ({time.strftime('%Y-%m-%d %H:%M')})",
        "",
        "Machine: " + ", ".join(f"{k}: {v}" for k, v in machine.items()),
        "",
    ]
    for result in results:
        lines += [
            f"## {result['database']}",
            "",
            f"Data built in {result['built_s']:.1f} s; {result['cohorts']} cohorts closed "
            f"(follow-ups scheduled) in {result['closed_s']:.1f} s.",
            "",
            harness.markdown_table(
                [
                    "jour",
                    "date",
                    "passage",
                    "durée (s)",
                    "requêtes",
                    "suivis traités",
                    "courriels en file (cumul)",
                    "tâches en file (cumul)",
                ],
                [
                    [
                        r["day"],
                        r["date"],
                        str(r["attempt"]),
                        f"{r['seconds']:.2f}",
                        str(r["queries"]),
                        str(r["moved"]),
                        str(r["emails"]),
                        str(r["tasks"]),
                    ]
                    for r in result["runs"]
                ],
            ),
            "",
        ]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--structures", type=int, default=10_000)
    parser.add_argument("--databases", nargs="+", default=["SQLite", "PostgreSQL"])
    args = parser.parse_args(argv)
    return harness.each_database_report(
        args.databases,
        lambda name: bench_database(name, args.structures),
        lambda results, machine: report(results, args.structures, machine),
        results_dir=RESULTS_DIR,
        prefix="followups",
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "django":
        _django_main(sys.argv[2:])
    else:
        sys.exit(main())
