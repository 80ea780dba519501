"""The funders' indicators at scale: ``python bench/reporting.py``.

On a throwaway PostgreSQL cluster (``scripts/pg_throwaway.sh``), production settings, gunicorn
with 2 sync workers on 127.0.0.1 and one signed-in officer (session created server-side, second
factor recorded as passed), for each size (default 1,000 then 100,000 submitted applications,
the same call topped up by ``bench/generate.py``):

1. ``generate.py`` fills the call; then this script decides (retained, waiting list, not
   retained with reasons, after the closing), promotes applications to « retained » until the
   accompanied structures reach ``--structures-per-application`` × the size (20,000 at 100,000),
   groups them into cohorts of two applications, and gives each cohort a diagnostic, one
   interview per structure (held, planned or cancelled), a workshop and, for most, a validated
   synthesis. Everything with ``bulk_create`` (benchmark data only: the services are not used).
2. SQL queries per page counted in-process (Django test client): they must not depend on the
   size.
3. Timed in turns, one sequential client: the indicators page (every year), the same for one
   year (``?annee=2023``) and the floor ``/sante/``.
4. The XLSX export, timed ``--exports`` times.

Targets (issue 7): page p95 < 300 ms and export < 10 s at 100,000 applications and 20,000
accompanied structures. Results in ``bench/results/reporting-*.md``; see docs/performance.md.
The Django side runs in subprocesses: ``python bench/reporting.py django <action>``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import harness  # noqa: E402

THIS = Path(__file__).resolve()
GENERATE = THIS.parent / "generate.py"
RESULTS_DIR = THIS.parent / "results"
CALL_SLUG = "bench-call"
PAGES = [
    ("indicateurs (toutes périodes)", "/rapports/"),
    ("indicateurs (année 2023)", "/rapports/?annee=2023"),
    ("plancher /sante/", "/sante/"),
]
EXPORT_PATH = "/rapports/export.xlsx?annee=2023"
TARGET_PAGE_P95_MS = 300.0
TARGET_EXPORT_S = 10.0


step = harness.step


def django(env: dict[str, str], *args: str, timeout: int = 3600) -> dict:
    env = dict(env)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    hosts = [h for h in env.get("ALLOWED_HOSTS", "").split(",") if h]
    env["ALLOWED_HOSTS"] = ",".join([*hosts, "testserver"])
    result = subprocess.run(
        [harness.PYTHON, str(THIS), "django", *args],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    if result.returncode != 0:
        raise harness.BenchError(f"django {args[0]} failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def generate(env: dict[str, str], size: int) -> float:
    env = dict(env)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    start = time.perf_counter()
    result = subprocess.run(
        [harness.PYTHON, str(GENERATE), "--applications", str(size), "--call-slug", CALL_SLUG],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=3600,
    )  # fmt: skip
    if result.returncode != 0:
        raise harness.BenchError(f"generate.py failed:\n{result.stderr[-4000:]}")
    return time.perf_counter() - start


def download(server, session_key: str, path: str) -> tuple[float, int]:
    from bench.selection_client import session_headers

    client = harness.Client(server.host, server.port, headers=session_headers(session_key))
    client.connection.timeout = 300
    try:
        start = time.perf_counter()
        status, body = client.get(path)
        elapsed = time.perf_counter() - start
    finally:
        client.close()
    if status != 200 or not body.startswith(b"PK"):
        raise harness.BenchError(f"GET {path} answered {status}: {body[:200]!r}")
    return elapsed, len(body)


def bench_size(env, workdir, size: int, args) -> dict:
    from bench.selection_client import measure_pages

    step(f"generating {size:,} applications")
    generated = generate(env, size)
    step(f"deciding, composing cohorts, diagnostics ({generated:.0f} s for the applications)")
    start = time.perf_counter()
    data = django(env, "accompany", "--per-application", str(args.structures_per_application))
    data["accompany_s"] = time.perf_counter() - start
    data["generate_s"] = generated
    step(f"data: {data}")
    session = django(env, "session")["session"]
    paths = [path for _, path in PAGES] + [EXPORT_PATH]
    queries = django(env, "count-queries", session, *paths)
    uncached = django(env, "count-queries", "--no-cache", session, "/rapports/", EXPORT_PATH)
    step(f"queries: {queries}, without the cache: {uncached}")
    with harness.start_gunicorn(env, workdir, workers=2, extra_args=("--timeout", "300")) as server:
        page_paths = [path for _, path in PAGES]
        samples = measure_pages(server, session, page_paths, args.requests, args.warmup, 120)
        # computed afresh: a period nobody asked before (its own cache key) on every request
        cold = [
            measure_pages(server, session, [cold_path("/rapports/", size, i)], 1, 0, 120)
            for i in range(args.requests)
        ]
        exports = [download(server, session, EXPORT_PATH) for _ in range(args.exports)]
        cold_exports = [
            download(server, session, cold_path("/rapports/export.xlsx", size, 1000 + i))
            for i in range(args.exports)
        ]
    pages = {label: harness.summarize(samples[path]) for label, path in PAGES}
    pages[COLD_LABEL] = harness.summarize([next(iter(c.values()))[0] for c in cold])
    return {
        "size": size,
        "data": data,
        "queries": {**queries, COLD_LABEL: uncached["/rapports/"]},
        "uncached_export_queries": uncached[EXPORT_PATH],
        "pages": pages,
        "exports": exports,
        "cold_exports": cold_exports,
    }


COLD_LABEL = "indicateurs recalculés (période jamais demandée)"


def cold_path(path: str, size: int, index: int) -> str:
    """A scope never computed before: all of history up to a different day each time."""
    last = dt.date(2030, 1, 1) + dt.timedelta(days=index + size % 997)
    return f"{path}?du=2000-01-01&au={last:%Y-%m-%d}"


def report(results: list[dict], args, machine: dict, started, elapsed: float) -> str:
    lines = [
        f"# Indicateurs et export XLSX — {started:%Y-%m-%d %H:%M}",
        "",
        f"PostgreSQL 15 (grappe jetable), gunicorn 2 workers synchrones, un client séquentiel ; "
        f"{args.requests} requêtes mesurées par page après {args.warmup} d'échauffement, "
        f"prises à tour de rôle. Durée totale : {elapsed:.0f} s.",
        "",
        harness.markdown_table(list(machine), [list(machine.values())]),
        "",
        "## Données",
        "",
    ]
    rows = []
    for r in results:
        d = r["data"]
        rows.append(
            [
                f"{r['size']:,}".replace(",", " "),
                f"{d['structures']:,}".replace(",", " "),
                f"{d['accompanied']:,}".replace(",", " "),
                f"{d['decisions']:,}".replace(",", " "),
                f"{d['cohorts']:,}".replace(",", " "),
                f"{d['interviews']:,}".replace(",", " "),
                f"{d['generate_s']:.0f} + {d['accompany_s']:.0f}",
            ]
        )
    lines.append(
        harness.markdown_table(
            [
                "candidatures",
                "structures",
                "structures accompagnées",
                "décisions",
                "cohortes",
                "entretiens",
                "génération (s)",
            ],
            rows,
        )
    )
    lines += ["", "## Pages", ""]
    rows = []
    for r in results:
        labelled = [*PAGES, (COLD_LABEL, COLD_LABEL)]
        for (label, path), summary in zip(labelled, r["pages"].values(), strict=True):
            rows.append(
                [
                    f"{r['size']:,}".replace(",", " "),
                    label,
                    f"{summary.median:.1f}",
                    f"{summary.p95:.1f}",
                    f"{summary.maximum:.1f}",
                    str(r["queries"][path]),
                ]
            )
    lines.append(
        harness.markdown_table(
            ["candidatures", "page", "p50 (ms)", "p95 (ms)", "max (ms)", "requêtes SQL"], rows
        )
    )
    lines += ["", "## Export XLSX (`" + EXPORT_PATH + "`)", ""]
    rows = [
        [
            f"{r['size']:,}".replace(",", " "),
            ", ".join(f"{s:.2f}" for s, _ in r["exports"]),
            ", ".join(f"{s:.2f}" for s, _ in r["cold_exports"]),
            f"{r['exports'][0][1] / 1024:.0f}",
            f"{r['queries'][EXPORT_PATH]} ({r['uncached_export_queries']} recalculé)",
        ]
        for r in results
    ]
    lines.append(
        harness.markdown_table(
            ["candidatures", "durées (s)", "recalculé (s)", "taille (Ko)", "requêtes SQL"], rows
        )
    )
    last = results[-1]
    worst_page = max(
        s.p95
        for label, s in last["pages"].items()
        if "plancher" not in label and label != COLD_LABEL
    )
    cold_page = last["pages"][COLD_LABEL].p95
    worst_export = max(s for s, _ in [*last["exports"], *last["cold_exports"]])
    query_sets = {tuple(r["queries"][p] for p in r["queries"]) for r in results}
    lines += [
        "",
        f"Objectif page (p95 < {TARGET_PAGE_P95_MS:.0f} ms) : "
        + ("atteint" if worst_page < TARGET_PAGE_P95_MS else "**non atteint**")
        + f" ({worst_page:.0f} ms ; recalcul complet : p95 {cold_page:.0f} ms). Objectif export (< {TARGET_EXPORT_S:.0f} s) : "
        + ("atteint" if worst_export < TARGET_EXPORT_S else "**non atteint**")
        + f" ({worst_export:.2f} s). Requêtes indépendantes de la taille : "
        + ("oui" if len(query_sets) == 1 else "**non**")
        + ".",
    ]
    return "\n".join(lines) + "\n"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 100_000])
    parser.add_argument("--structures-per-application", type=float, default=0.2)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--exports", type=int, default=3)
    parser.add_argument("--output", type=Path, default=None)
    parser.add_argument(
        "--database-url",
        default=None,
        help="an existing PostgreSQL database (kept): the call is topped up to each size",
    )
    return parser.parse_args(argv)


@contextlib.contextmanager
def _database(url: str | None, workdir: Path):
    if url:
        yield url
        return
    with harness.database("PostgreSQL", workdir) as db:
        yield db.url


def main(argv=None) -> int:
    args = parse_args(argv)
    if not harness.postgres_available():
        print(f"PostgreSQL server binaries not found in {harness.PG_BIN}", file=sys.stderr)
        return 1
    machine = harness.machine_info()
    started = dt.datetime.now().astimezone()
    results = []
    with tempfile.TemporaryDirectory(prefix="coopess-bench-reporting-") as tmp:
        workdir = Path(tmp)
        try:
            with _database(args.database_url, workdir) as url:
                env = harness.production_env(url, workdir)
                step("migrating, collecting static files")
                harness.prepare_database(env, demo=False, static=True)
                for size in sorted(args.sizes):
                    results.append(bench_size(env, workdir, size, args))
        except KeyboardInterrupt:
            print("\nInterrupted: servers stopped.", file=sys.stderr)
            return 130
        except (harness.BenchError, OSError) as error:
            print(f"\nBenchmark failed: {error}", file=sys.stderr)
            if not results:
                return 1
    elapsed = (dt.datetime.now().astimezone() - started).total_seconds()
    machine["Load average at the end (1, 5, 15 min)"] = " ".join(
        f"{x:.2f}" for x in os.getloadavg()
    )
    text = report(results, args, machine, started, elapsed)
    print()
    print(text)
    output = args.output or RESULTS_DIR / f"reporting-{started:%Y-%m-%d-%H%M}.md"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    print(f"Written to {output}")
    return 0


# --- Django side (subprocess, DJANGO_SETTINGS_MODULE=config.settings) ---------------------------


def _django_main(argv: list[str]) -> None:
    import django as django_module

    django_module.setup()
    from bench.selection_django import _count_queries, _session

    parser = argparse.ArgumentParser(prog="reporting.py django")
    sub = parser.add_subparsers(dest="action", required=True)
    accompany = sub.add_parser("accompany")
    accompany.add_argument("--per-application", type=float, default=0.2)
    sub.add_parser("session")
    count = sub.add_parser("count-queries")
    count.add_argument("--no-cache", action="store_true", help="every request computes")
    count.add_argument("session")
    count.add_argument("paths", nargs="+")
    args = parser.parse_args(argv)
    if getattr(args, "no_cache", False):
        from django.conf import settings

        settings.COOPESS_REPORT_CACHE_SECONDS = 0
    result = {
        "accompany": lambda: _accompany(args.per_application),
        "session": lambda: _session(None),
        "count-queries": lambda: _count_queries(args.session, args.paths),
    }[args.action]()
    print(json.dumps(result))


def _accompany(per_application: float) -> dict:
    """Decisions, cohorts and diagnostics for the bench call (idempotent: tops up)."""
    import random

    from django.db import connection, transaction
    from django.db.models import Max, Sum

    from bench.generate import OFFICER_EMAIL
    from coopess.accounts.models import User
    from coopess.applications.models import Application, ApplicationStructure
    from coopess.calls.models import Call
    from coopess.diagnostic.models import (
        Diagnostic,
        Interview,
        SynthesisVersion,
        Workshop,
    )
    from coopess.selection.models import Cohort, CohortMember, Decision

    rng = random.Random(7)
    call = Call.objects.get(slug=CALL_SLUG)
    officer = User.objects.get(email=OFFICER_EMAIL)
    applications = Application.objects.filter(call=call)
    size = applications.count()
    target = int(size * per_application)
    accompanied = (
        applications.filter(status="selected").aggregate(n=Sum("structure_count"))["n"] or 0
    )
    if accompanied < target:
        promote, total = [], accompanied
        candidates = applications.filter(status__in=["under_review", "submitted"]).order_by("pk")
        for pk, count in candidates.values_list("pk", "structure_count").iterator():
            if total >= target:
                break
            promote.append(pk)
            total += count
        for start in range(0, len(promote), 5000):
            applications.filter(pk__in=promote[start : start + 5000]).update(status="selected")
    reasons = ["not_eligible", "outside_region", "not_employer", "cap", "ranking", "maturity",
               "other_support", "other"]  # fmt: skip
    undecided = (
        applications.filter(status__in=["selected", "waitlisted", "rejected"])
        .exclude(decisions__is_current=True)
        .values_list("pk", "status", "structure_count")
    )
    with transaction.atomic():
        batch = []
        for pk, status, structure_count in undecided.iterator():
            batch.append(
                Decision(
                    application_id=pk,
                    call_id=call.pk,
                    structure_count=structure_count,
                    outcome=status,
                    reasons=rng.sample(reasons, rng.choice([1, 1, 2])) if status == "rejected" else [],
                    decided_by=officer,
                    decided_at=call.closes_at + dt.timedelta(days=rng.randint(5, 60), hours=rng.randint(0, 8)),
                )
            )  # fmt: skip
        Decision.objects.bulk_create(batch, batch_size=5000)
    # cohorts of two retained applications
    waiting = list(
        applications.filter(status="selected", cohort_membership__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    decided_at = dict(
        Decision.objects.filter(application_id__in=waiting, is_current=True).values_list(
            "application_id", "decided_at"
        )
    )
    slot = Interview.objects.filter(officer=officer).aggregate(m=Max("ends_at"))["m"]
    slot = (slot or call.closes_at) + dt.timedelta(hours=1)
    with transaction.atomic():
        groups = [waiting[i : i + 2] for i in range(0, len(waiting), 2)]
        cohorts = Cohort.objects.bulk_create(
            [Cohort(call=call, name=f"Cohorte de banc d'essai {i}", status="diagnostic") for i in range(len(groups))],
            batch_size=5000,
        )  # fmt: skip
        members, diagnostics, workshops, syntheses = [], [], [], []
        for cohort, group in zip(cohorts, groups, strict=True):
            joined = max(decided_at[pk] for pk in group) + dt.timedelta(days=3)
            members += [
                CohortMember(cohort=cohort, application_id=pk, added_at=joined) for pk in group
            ]
            started = joined + dt.timedelta(days=rng.randint(1, 10))
            diagnostics.append(Diagnostic(cohort=cohort, started_at=started, started_by=officer))
            workshops.append(
                Workshop(
                    cohort=cohort, starts_at=started + dt.timedelta(days=20),
                    ends_at=started + dt.timedelta(days=20, hours=3), mode="in_person",
                    status="held" if rng.random() < 0.85 else "planned", organiser=officer,
                )
            )  # fmt: skip
            if rng.random() < 0.7:
                syntheses.append(
                    SynthesisVersion(
                        cohort=cohort, number=1, status="validated", pdf_sha256="0" * 64,
                        validated_at=started + dt.timedelta(days=rng.randint(20, 60)),
                    )
                )  # fmt: skip
        CohortMember.objects.bulk_create(members, batch_size=5000)
        Diagnostic.objects.bulk_create(diagnostics, batch_size=5000)
        Workshop.objects.bulk_create(workshops, batch_size=5000)
        SynthesisVersion.objects.bulk_create(syntheses, batch_size=5000)
        interviews = []
        structures = ApplicationStructure.objects.filter(application_id__in=waiting).values_list(
            "pk", "application__cohort_membership__cohort_id"
        )
        for pk, cohort_id in structures.iterator():
            status = rng.choices(["held", "planned", "cancelled"], [8, 1, 1])[0]
            interviews.append(
                Interview(
                    cohort_id=cohort_id, officer=officer, structure_id=pk, booked_at=slot,
                    starts_at=slot, ends_at=slot + dt.timedelta(minutes=90), mode="remote",
                    status=status,
                )
            )  # fmt: skip
            slot += dt.timedelta(hours=2)
        Interview.objects.bulk_create(interviews, batch_size=5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in ("selection_decision", "selection_cohort", "selection_cohortmember",
                          "diagnostic_interview", "diagnostic_workshop", "diagnostic_diagnostic",
                          "diagnostic_synthesisversion", "applications_application",
                          "applications_applicationstructure"):  # fmt: skip
                cursor.execute(f"VACUUM ANALYZE {table}")
    return {
        "applications": size,
        "structures": ApplicationStructure.objects.filter(application__call=call).count(),
        "accompanied": ApplicationStructure.objects.filter(
            application__call=call, application__cohort_membership__isnull=False
        ).count(),
        "decisions": Decision.objects.filter(application__call=call).count(),
        "cohorts": Cohort.objects.filter(call=call).count(),
        "interviews": Interview.objects.filter(cohort__call=call).count(),
    }


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "django":
        with contextlib.suppress(BrokenPipeError):
            _django_main(sys.argv[2:])
    else:
        sys.exit(main())
