"""CoopESS latency benchmark: ``python bench/run.py`` (or ``make bench``).

Scenario ``foundation`` (the default): on SQLite then PostgreSQL, a fresh database with the demo
data, production settings, gunicorn with 2 workers on 127.0.0.1; one sequential client times
N requests per page after a warm-up. Every page should stay within 3x the floor (``/sante/``,
a bare Django view) at p95. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness

DATABASES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
RESULTS_DIR = Path(__file__).resolve().parent / "results"
TARGET_RATIO = 3.0

FLOOR = "/sante/"
FOUNDATION_PAGES = [
    ("floor", FLOOR),
    ("call list", "/appels/"),
    ("call page", "/appels/cooperation-strategique-2023/"),
    ("home", "/"),
]


def foundation(args: argparse.Namespace) -> str:
    paths = [path for _, path in FOUNDATION_PAGES]
    labels = {path: label for label, path in FOUNDATION_PAGES}
    rows: list[list[str]] = []
    over: list[str] = []
    skipped: list[str] = []
    for key in args.databases:
        name = DATABASES[key]
        if name == "PostgreSQL" and not harness.postgres_available():
            message = (
                f"PostgreSQL server binaries not found in {harness.PG_BIN} "
                "(install postgresql-15, or set PG_BIN)"
            )
            if args.require_postgres:
                raise harness.BenchError(message)
            print(f"!! Skipping PostgreSQL: {message}.", flush=True)
            skipped.append(f"PostgreSQL skipped: {message}.")
            continue
        workdir = Path(tempfile.mkdtemp(prefix="coopess-bench-"))
        try:
            with harness.database(name, workdir) as db:
                env = harness.production_env(db.url, workdir)
                _step(f"[{name}] migrate, demo_load, collectstatic")
                harness.prepare_database(env)
                _step(f"[{name}] counting SQL queries per page")
                queries = harness.count_queries(env, paths)
                _step(f"[{name}] gunicorn -w {args.workers}")
                with harness.start_gunicorn(env, workdir, workers=args.workers) as server:
                    _step(
                        f"[{name}] {args.warmup} warm-up + {args.requests} timed requests "
                        f"per page on {server.base_url}"
                    )
                    samples = harness.measure_interleaved(
                        server, paths, args.requests, warmup=args.warmup
                    )
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        summaries = {path: harness.summarize(samples[path]) for path in paths}
        floor_p95 = summaries[FLOOR].p95
        for path in paths:
            summary = summaries[path]
            ratio = summary.p95 / floor_p95
            mark = ""
            if ratio > TARGET_RATIO:
                mark = " (over)"
                over.append(f"{name} {path} ({ratio:.2f}x)")
            rows.append(
                [
                    name,
                    f"{labels[path]} `{path}`",
                    f"{summary.median:.2f}",
                    f"{summary.p95:.2f}",
                    f"{ratio:.2f}{mark}",
                    str(queries[path]),
                ]
            )
    if not rows:
        raise harness.BenchError("no database was measured. " + " ".join(skipped))
    table = harness.markdown_table(
        ["database", "page", "median ms", "p95 ms", "ratio p95 / floor p95", "queries"], rows
    )
    verdict = (
        f"Target: each page's p95 within {TARGET_RATIO:g}x the floor's p95 (same database). "
        + (f"Over target: {', '.join(over)}." if over else "All pages within target.")
    )
    return "\n\n".join([table, verdict, *skipped])


SCENARIOS = {"foundation": foundation}


def _step(message: str) -> None:
    print(f"-- {time.strftime('%H:%M:%S')} {message}", flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="foundation")
    parser.add_argument("--requests", type=int, default=300, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=50, help="untimed requests per page first")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--databases",
        default="sqlite,postgresql",
        help="comma-separated, among: " + ", ".join(DATABASES),
    )
    parser.add_argument(
        "--require-postgres",
        action="store_true",
        help="fail instead of skipping PostgreSQL when its binaries are missing",
    )
    parser.add_argument(
        "--timeout", type=int, default=1800, help="overall limit in seconds (then clean up)"
    )
    parser.add_argument("--output", type=Path, help="results file (default: bench/results/)")
    args = parser.parse_args(argv)
    args.databases = [d.strip().lower() for d in args.databases.split(",") if d.strip()]
    unknown = set(args.databases) - set(DATABASES)
    if unknown:
        parser.error(f"unknown database(s): {', '.join(sorted(unknown))}")
    for name in ("requests", "warmup"):
        value = getattr(args, name)
        if not 0 <= value <= harness.MAX_REQUESTS or (name == "requests" and value == 0):
            parser.error(f"--{name} must be between 1 and {harness.MAX_REQUESTS}")
    if not 1 <= args.workers <= 16:
        parser.error("--workers must be between 1 and 16")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    machine = harness.machine_info()
    started = dt.datetime.now().astimezone()
    # SIGTERM and the overall time limit unwind like Ctrl-C: every ``finally`` runs.
    body, failed = harness.run_bounded(lambda: SCENARIOS[args.scenario](args), args.timeout)
    if failed is not None:
        return failed
    elapsed = (dt.datetime.now().astimezone() - started).total_seconds()

    conditions = (
        f"gunicorn `config.wsgi`, {args.workers} sync workers, production settings "
        f"(`COOPESS_ENV=production`, `LOG_LEVEL=WARNING`), demo data; one sequential client "
        f"(http.client) on 127.0.0.1, `X-Forwarded-Proto: https`; per page {args.warmup} "
        f"warm-up then {args.requests} timed requests, pages taken in turns. "
        f"Queries: Django test client, second anonymous request."
    )
    machine_lines = "\n".join(f"- {key}: {value}" for key, value in machine.items())
    report = (
        f"# Benchmark `{args.scenario}` — {started:%Y-%m-%d %H:%M %z}\n\n"
        f"{conditions}\n\nMachine:\n{machine_lines}\n\n{body}\n\n"
        f"Run time: {elapsed:.0f} s.\n"
    )
    print()
    print(report)
    output = args.output or RESULTS_DIR / f"{args.scenario}-{started:%Y-%m-%d}.md"
    with contextlib.suppress(FileExistsError):
        output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(report, encoding="utf-8")
    print(f"Written to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
