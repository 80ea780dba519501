"""The officer's table and exports at scale: ``python bench/selection.py``.

For each database (PostgreSQL, then SQLite) and each size (1,000 then 100,000 submitted
applications, the same call topped up by ``bench/generate.py``): production settings,
gunicorn with 2 sync workers on 127.0.0.1, one signed-in officer (session created server-side,
second factor recorded as passed), one sequential client. Timed in turns: the table's first
page, a filtered page (status + département), a search (``q=`` a town), and the floor
``/sante/``. SQL queries per page are counted in-process (Django test client,
``CaptureQueriesContext``) and must not depend on the size.

Then the exports, each on a fresh gunicorn so that the worker's peak memory (``VmHWM``) is
its own: XLSX of a 10,000-application call (time, peak RSS of the worker; target < 10 s and
< 300 MB), CSV of the same 10,000 and of the largest call, streamed (time to first byte,
total time, worker's ``VmHWM`` before and after: flat if the largest costs no more memory than
the 10,000 one, give or take 25 MB).

Target for the table: p95 < 150 ms at 100,000 on PostgreSQL, queries constant. A page over
target at the largest size gets its slowest SQL query ``EXPLAIN ANALYZE``d (``EXPLAIN QUERY PLAN`` on SQLite), in
the results file. See docs/performance.md.

The Django side runs in subprocesses with the same settings: ``python bench/selection.py
django <action>`` (``bench/selection_django.py``). This module owns the command line, one
database's run and the report; ``bench/selection_client.py`` the signed-in requests, the
exports and the workers' memory.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote, urlencode

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import harness  # noqa: E402
from bench.selection_client import (  # noqa: E402
    EXPORT_TIMEOUT,
    check_pages,
    measure_export,
    measure_pages,
    table_path,
)

THIS = Path(__file__).resolve()
GENERATE = THIS.parent / "generate.py"
DATABASES = harness.DATABASES
RESULTS_DIR = THIS.parent / "results"
FLOOR = "/sante/"
CALL_SLUG = "bench-call"
EXPORT_SLUG = "bench-export-10k"
EXPORT_ROWS = 10_000
TARGET_TABLE_P95_MS = 150.0
TARGET_XLSX_SECONDS = 10.0
TARGET_XLSX_MB = 300.0
PRODUCTION_WORKER_TIMEOUT = 30  # gunicorn's default, as docs/configuration.md deploys it
CSV_FLAT_MB = 25.0  # the largest CSV may cost this much more memory than the 10,000 one

# The pages, in the order they are taken in turns. The search word is a town of the generator's
# lists (Maine-et-Loire), found in structure names and project titles.
PAGES = [
    ("first page", ""),
    ("filtered (status + département)", "status=under_review&departement=49"),
    ("search (q=town)", "q=Cholet"),
    ("floor", None),
]


step = harness.step


def page_paths(slug: str) -> list[tuple[str, str]]:
    return [(label, FLOOR if q is None else table_path(slug, q)) for label, q in PAGES]


def with_pg_options(url: str, options: list[str]) -> str:
    """``postgres://…`` with ``?options=-c a=b -c c=d`` (libpq run-time settings)."""
    if not options:
        return url
    value = " ".join(f"-c {option}" for option in options)
    return f"{url}{'&' if '?' in url else '?'}{urlencode({'options': value}, quote_via=quote)}"


# --- The benchmark ----------------------------------------------------------------------------


def generate(env: dict[str, str], slug: str, applications: int) -> dict:
    timeout = 300 + applications // 100  # 100,000: 21 min at most
    return harness.django_json(
        env, GENERATE, "--applications", str(applications), "--call-slug", slug, "--json",
        timeout=timeout,
    )  # fmt: skip


def django(env: dict[str, str], *args: str, timeout: int = 600) -> object:
    test_env = {**env, "ALLOWED_HOSTS": f"{harness.HOST},testserver"}
    return harness.django_json(test_env, THIS, "django", *args, timeout=timeout)


def bench_database(name: str, args: argparse.Namespace) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="coopess-bench-sel-"))
    out: dict = {"name": name, "sizes": {}, "exports": {}}
    try:
        with harness.database(name, workdir) as db:
            url = db.url
            if name == "PostgreSQL":
                url = with_pg_options(url, args.pg_option)
            env = harness.production_env(url, workdir)
            step(f"[{name}] migrate, collectstatic (no demo data)")
            harness.prepare_database(env, demo=False)
            session_key = None
            for size in args.sizes:
                step(f"[{name}] generate.py: call {CALL_SLUG} up to {size:,} applications")
                generated = generate(env, CALL_SLUG, size)
                step(
                    f"[{name}] generated {generated['created']['applications']:,} in "
                    f"{generated['generate_seconds']:.0f} s"
                    + (f" (+ VACUUM ANALYZE {generated['analyze_seconds']:.0f} s)"
                       if generated["analyze_seconds"] else "")
                )  # fmt: skip
                for statement in args.setup_sql:
                    step(f"[{name}] setup SQL: {statement}")
                    django(env, "sql", statement)
                if session_key is None:
                    session_key = django(env, "session")["session"]
                pages = page_paths(CALL_SLUG)
                paths = [path for _, path in pages]
                step(f"[{name}] counting SQL queries per page (Django test client)")
                queries = django(env, "count-queries", session_key, *paths)
                step(f"[{name}] gunicorn -w {args.workers}")
                with harness.start_gunicorn(env, workdir, workers=args.workers) as server:
                    check_pages(server, session_key, CALL_SLUG, size)
                    step(
                        f"[{name}] {args.warmup} warm-up + {args.requests} timed requests "
                        f"per page, in turns"
                    )
                    samples = measure_pages(
                        server, session_key, paths, args.requests, args.warmup, args.client_timeout
                    )
                summaries = {path: harness.summarize(samples[path]) for path in paths}
                slow = [
                    path for path in paths
                    if path != FLOOR and summaries[path].p95 > TARGET_TABLE_P95_MS
                ]  # fmt: skip
                explains = {}
                if slow and size == max(args.sizes):
                    step(f"[{name}] EXPLAIN of the slowest query of {len(slow)} page(s)")
                    explains = django(env, "explain", session_key, *slow)
                out["sizes"][size] = {
                    "pages": pages,
                    "summaries": summaries,
                    "queries": queries,
                    "generated": generated,
                    "explains": explains,
                }
            if not args.no_exports:
                step(f"[{name}] generate.py: call {EXPORT_SLUG}, {EXPORT_ROWS:,} applications")
                generate(env, EXPORT_SLUG, EXPORT_ROWS)
                step(f"[{name}] XLSX export of {EXPORT_ROWS:,} (fresh gunicorn)")
                xlsx = measure_export(env, workdir, session_key, EXPORT_SLUG, "xlsx", args.workers)
                out["exports"]["xlsx"] = xlsx
                # The same streamed CSV at two sizes: a flat memory profile means the same
                # growth for both.
                out["exports"]["csv"] = []
                for slug, rows in ((EXPORT_SLUG, EXPORT_ROWS), (CALL_SLUG, max(args.sizes))):
                    step(f"[{name}] CSV export of {rows:,}, streamed (fresh gunicorn)")
                    result = measure_export(env, workdir, session_key, slug, "csv", args.workers)
                    result["rows"] = rows
                    result["expected_lines"] = rows + 1
                    out["exports"]["csv"].append(result)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return out


# --- Report -----------------------------------------------------------------------------------


def report(results: list[dict], args, machine: dict, started, elapsed: float) -> str:
    rows = []
    verdicts = []
    explain_blocks = []
    export_rows = []
    for r in results:
        name = r["name"]
        per_label: dict[str, dict[int, int]] = {}
        for size, data in sorted(r["sizes"].items()):
            floor_p95 = data["summaries"][FLOOR].p95
            for label, path in data["pages"]:
                s = data["summaries"][path]
                q = data["queries"][path]
                per_label.setdefault(label, {})[size] = q
                over = path != FLOOR and s.p95 > TARGET_TABLE_P95_MS
                rows.append(
                    [
                        name,
                        f"{size:,}".replace(",", " "),
                        f"{label} `{path.replace(CALL_SLUG, '<slug>')}`",
                        f"{s.median:.1f}",
                        f"{s.p95:.1f}" + (" (au-delà)" if over else ""),
                        f"{s.p95 / floor_p95:.1f}",
                        str(q),
                    ]
                )
            for path, plan in data["explains"].items():
                explain_blocks.append(
                    f"### {name}, {size:,} — `{path}`\n\nSlowest query ({plan['ms']:.1f} ms "
                    f"in-process, of {plan['queries']} queries):\n\n```sql\n{plan['sql']}\n```\n\n"
                    f"```\n{plan['plan']}\n```"
                )
        constant = all(len(set(v.values())) == 1 for v in per_label.values())
        verdicts.append(
            f"- {name}: queries per page "
            + ("identical at every size" if constant else "DIFFER between sizes")
            + " (" + "; ".join(
                f"{label}: " + ", ".join(f"{n}" for _, n in sorted(v.items()))
                for label, v in per_label.items()
            ) + ")."
        )  # fmt: skip
        biggest = max(r["sizes"]) if r["sizes"] else None
        if biggest is not None:
            data = r["sizes"][biggest]
            over = [
                f"{label} (p95 {data['summaries'][path].p95:.0f} ms)"
                for label, path in data["pages"]
                if path != FLOOR and data["summaries"][path].p95 > TARGET_TABLE_P95_MS
            ]
            verdicts.append(
                f"- {name}, {biggest:,} applications: table p95 < {TARGET_TABLE_P95_MS:g} ms "
                + (f"MISSED by {', '.join(over)}." if over else "met by every page.")
            )
        exports = r["exports"]
        if "xlsx" in exports:
            x = exports["xlsx"]
            peak = max(x["hwm_after_mb"], x["peak_rss_polled_mb"])
            ok = x["total_s"] < TARGET_XLSX_SECONDS and peak < TARGET_XLSX_MB
            export_rows.append(
                [
                    name,
                    f"XLSX, {EXPORT_ROWS:,} candidatures".replace(",", " "),
                    f"{x['ttfb_s']:.2f}",
                    f"{x['total_s']:.2f}",
                    f"{x['bytes'] / 1e6:.1f}",
                    f"{x['rss_before_mb']:.0f}",
                    f"{x['hwm_before_mb']:.0f} → {x['hwm_after_mb']:.0f}",
                    "oui" if ok else "non",
                ]
            )
            verdicts.append(
                f"- {name}: XLSX of {EXPORT_ROWS:,} in {x['total_s']:.1f} s, worker peak "
                f"{peak:.0f} MB (VmHWM) — target < {TARGET_XLSX_SECONDS:g} s and < "
                f"{TARGET_XLSX_MB:g} MB {'met' if ok else 'MISSED'}."
            )
        csv_runs = exports.get("csv", [])
        smallest_growth = None
        for c in csv_runs:
            complete = c["lines"] == c["expected_lines"] and not c["truncated"]
            growth = c["hwm_after_mb"] - c["hwm_before_mb"]
            if smallest_growth is None:
                smallest_growth = growth
            # Flat: the worker's peak does not grow with the number of rows (a 10x larger
            # export costs at most CSV_FLAT_MB more than the small one).
            flat = growth <= smallest_growth + CSV_FLAT_MB
            export_rows.append(
                [
                    name,
                    f"CSV en flux, {c['rows']:,} candidatures".replace(",", " "),
                    f"{c['ttfb_s']:.2f}",
                    f"{c['total_s']:.2f}",
                    f"{c['bytes'] / 1e6:.1f}",
                    f"{c['rss_before_mb']:.0f}",
                    f"{c['hwm_before_mb']:.0f} → {c['hwm_after_mb']:.0f}",
                    "oui" if complete and flat else "non",
                ]
            )
            verdicts.append(
                f"- {name}: CSV of {c['rows']:,}: first byte {c['ttfb_s']:.2f} s, "
                f"total {c['total_s']:.1f} s, {c['lines']:,} lines "
                f"({'complete' if complete else 'INCOMPLETE'}), worker VmHWM "
                f"{c['hwm_before_mb']:.0f} → {c['hwm_after_mb']:.0f} MB (+{growth:.0f} MB"
                + (", flat" if flat else ", NOT flat") + ")"
                + (
                    f"; longer than gunicorn's default {PRODUCTION_WORKER_TIMEOUT} s worker "
                    f"timeout: in production the worker would be killed mid-stream."
                    if c["total_s"] > PRODUCTION_WORKER_TIMEOUT else "."
                )
            )  # fmt: skip
    table = harness.markdown_table(
        ["base", "candidatures", "page", "médiane ms", "p95 ms", "p95 / plancher", "requêtes SQL"],
        rows,
    )
    exports_table = (
        harness.markdown_table(
            [
                "base",
                "export",
                "1er octet s",
                "total s",
                "Mo",
                "RSS avant Mo",
                "VmHWM avant → après Mo",
                "objectif",
            ],
            export_rows,
        )
        if export_rows
        else "(exports not measured)"
    )
    conditions = (
        f"gunicorn `config.wsgi`, {args.workers} sync workers, production settings "
        f"(`COOPESS_ENV=production`, `LOG_LEVEL=WARNING`), no demo data; data from "
        f"`bench/generate.py` (one call topped up to each size; PostgreSQL VACUUM ANALYZEd after "
        f"each load); one officer signed in by a server-side session with the second factor "
        f"recorded; one sequential client on 127.0.0.1 (`X-Forwarded-Proto: https`, cookie "
        f"`{harness.SESSION_COOKIE}`); per page {args.warmup} warm-up then {args.requests} timed "
        f"requests, pages in turns. Queries: Django test client, second request. Exports: fresh "
        f"gunicorn each (worker timeout {EXPORT_TIMEOUT} s), workers warmed by table pages, the "
        f"serving worker's /proc/<pid>/status polled every 10 ms."
        + (f" PostgreSQL options: {', '.join(args.pg_option)}." if args.pg_option else "")
        + (f" Setup SQL: {'; '.join(args.setup_sql)}." if args.setup_sql else "")
    )
    machine_lines = "\n".join(f"- {key}: {value}" for key, value in machine.items())
    text = (
        f"# Benchmark `selection` — {started:%Y-%m-%d %H:%M %z}\n\n{conditions}\n\n"
        f"Machine:\n{machine_lines}\n\n{table}\n\n{exports_table}\n\n"
        f"Targets:\n" + "\n".join(verdicts) + f"\n\nRun time: {elapsed:.0f} s.\n"
    )
    if explain_blocks:
        text += "\n## Slow pages: EXPLAIN\n\n" + "\n\n".join(explain_blocks) + "\n"
    return text


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,100000", help="applications, comma-separated")
    parser.add_argument("--databases", default="postgresql,sqlite")
    parser.add_argument("--requests", type=int, default=100, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests per page first")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--no-exports", action="store_true", help="only the table")
    parser.add_argument(
        "--client-timeout", type=float, default=30, help="seconds per table request"
    )
    parser.add_argument(
        "--pg-option", action="append", default=[], metavar="NAME=VALUE",
        help="PostgreSQL setting for the app's connections, e.g. jit=off (repeatable)",
    )  # fmt: skip
    parser.add_argument(
        "--setup-sql", action="append", default=[], metavar="SQL",
        help="statement run after each data load, e.g. an index to try (repeatable)",
    )  # fmt: skip
    parser.add_argument("--timeout", type=int, default=7200, help="overall limit in seconds")
    parser.add_argument("--output", type=Path, help="results file (default: bench/results/)")
    args = parser.parse_args(argv)
    args.databases = [d.strip().lower() for d in args.databases.split(",") if d.strip()]
    if not args.databases or set(args.databases) - set(DATABASES):
        parser.error(f"--databases: choose among {', '.join(DATABASES)}")
    try:
        args.sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        parser.error("--sizes: integers, comma-separated")
    if not args.sizes or not all(10 <= s <= 200_000 for s in args.sizes):
        parser.error("--sizes must be between 10 and 200000")
    if not 1 <= args.requests <= 10_000 or not 0 <= args.warmup <= 10_000:
        parser.error("--requests must be 1..10000, --warmup 0..10000")
    if not 1 <= args.workers <= 16:
        parser.error("--workers must be 1..16")
    if not 1 <= args.client_timeout <= 600:
        parser.error("--client-timeout must be 1..600")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    machine = harness.machine_info()
    started = dt.datetime.now().astimezone()

    def work() -> list:
        return harness.each_database(args.databases, lambda name: bench_database(name, args))

    results, failed = harness.run_bounded(work, args.timeout)
    if failed is not None:
        return failed
    elapsed = (dt.datetime.now().astimezone() - started).total_seconds()
    machine["Load average at the end (1, 5, 15 min)"] = " ".join(
        f"{x:.2f}" for x in os.getloadavg()
    )
    text = report(results, args, machine, started, elapsed)
    print()
    print(text)
    output = args.output or RESULTS_DIR / f"selection-{started:%Y-%m-%d-%H%M}.md"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    print(f"Written to {output}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "django":
        from bench import selection_django

        with contextlib.suppress(BrokenPipeError):
            selection_django.main(sys.argv[2:])
    else:
        sys.exit(main())
