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
django <action>``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlencode

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import harness  # noqa: E402

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
EXPORT_TIMEOUT = 600  # seconds: client socket and gunicorn worker timeout for the exports
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


def step(message: str) -> None:
    print(f"-- {time.strftime('%H:%M:%S')} {message}", flush=True)


def table_path(slug: str, query: str = "") -> str:
    return f"/instruction/appels/{slug}/" + (f"?{query}" if query else "")


def page_paths(slug: str) -> list[tuple[str, str]]:
    return [(label, FLOOR if q is None else table_path(slug, q)) for label, q in PAGES]


def with_pg_options(url: str, options: list[str]) -> str:
    """``postgres://…`` with ``?options=-c a=b -c c=d`` (libpq run-time settings)."""
    if not options:
        return url
    value = " ".join(f"-c {option}" for option in options)
    return f"{url}{'&' if '?' in url else '?'}{urlencode({'options': value}, quote_via=quote)}"


# --- gunicorn workers' memory ------------------------------------------------------------------


def _proc_status(pid: int) -> dict[str, int]:
    """VmRSS, VmHWM (kB) of a process, {} if it is gone."""
    values = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
    except (OSError, ValueError, IndexError):
        return {}
    return values


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, ValueError, IndexError):
        return 0


def gunicorn_workers(server: harness.Server) -> list[int]:
    """PIDs of the workers of the gunicorn bound to ``server``'s port (found in /proc): the
    processes with that command line whose parent has it too."""
    bind = f"{server.host}:{server.port}".encode()
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if bind in argv and any(b"gunicorn" in a for a in argv[:2]):
            found.add(int(entry.name))
    workers = sorted(pid for pid in found if _ppid(pid) in found)
    if not workers:
        raise harness.BenchError(f"no gunicorn worker bound to {bind.decode()} in /proc")
    return workers


def _ppid(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("PPid:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return -1


class MemoryWatch:
    """Polls the workers' RSS every 10 ms in a thread; tells which worker served (CPU time)."""

    def __init__(self, pids: list[int]):
        self.pids = pids
        self.before = {pid: _proc_status(pid) for pid in pids}
        self.ticks_before = {pid: _cpu_ticks(pid) for pid in pids}
        self.peak_rss = {pid: self.before[pid].get("VmRSS", 0) for pid in pids}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        while not self._stop.is_set():
            for pid in self.pids:
                rss = _proc_status(pid).get("VmRSS", 0)
                self.peak_rss[pid] = max(self.peak_rss[pid], rss)
            time.sleep(0.01)

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.after = {pid: _proc_status(pid) for pid in self.pids}
        ticks = {pid: _cpu_ticks(pid) - self.ticks_before[pid] for pid in self.pids}
        self.worker = max(self.pids, key=lambda pid: ticks[pid])

    def report(self) -> dict:
        pid = self.worker
        mb = 1 / 1024
        return {
            "pid": pid,
            "rss_before_mb": self.before[pid].get("VmRSS", 0) * mb,
            "hwm_before_mb": self.before[pid].get("VmHWM", 0) * mb,
            "hwm_after_mb": self.after[pid].get("VmHWM", 0) * mb,
            "rss_after_mb": self.after[pid].get("VmRSS", 0) * mb,
            "peak_rss_polled_mb": self.peak_rss[pid] * mb,
            "worker_alive": bool(self.after[pid]),
        }


# --- Client side ------------------------------------------------------------------------------


def session_headers(session_key: str) -> dict[str, str]:
    return {**harness.REQUEST_HEADERS, "Cookie": f"{harness.SESSION_COOKIE}={session_key}"}


def measure_pages(
    server, session_key: str, paths: list[str], n: int, warmup: int, timeout: float
) -> dict[str, list[float]]:
    """Like ``harness.measure_interleaved``, with the officer's session cookie."""
    client = harness.Client(server.host, server.port, headers=session_headers(session_key))
    client.connection.timeout = timeout
    samples: dict[str, list[float]] = {path: [] for path in paths}
    try:
        for i in range(warmup + n):
            for path in paths:
                ms = client.timed_get(path)
                if i >= warmup:
                    samples[path].append(ms)
        return samples
    finally:
        client.close()


def check_pages(server, session_key: str, slug: str, expected: int) -> None:
    """The officer sees the table itself (no redirect to the second factor), with every row."""
    client = harness.Client(server.host, server.port, headers=session_headers(session_key))
    client.connection.timeout = 120
    try:
        status, body = client.get(table_path(slug))
    finally:
        client.close()
    text = body.decode("utf-8", errors="replace")
    if status != 200 or f"{expected} candidature" not in text:
        raise harness.BenchError(
            f"table of {slug} answered {status}, without « {expected} candidatures »: "
            f"{text[:300]!r}\n{harness.tail(server.log)}"
        )


def download(server, session_key: str, path: str) -> dict:
    """GET ``path`` reading the body in 64 kB pieces: time to the response's first byte
    (status line and headers: a streamed response sends them with its first piece), total
    time, size, lines, the body's first bytes."""
    connection = http.client.HTTPConnection(server.host, server.port, timeout=EXPORT_TIMEOUT)
    try:
        start = time.perf_counter()
        connection.request("GET", path, headers=session_headers(session_key))
        response = connection.getresponse()
        first_byte = time.perf_counter() - start
        size = lines = 0
        head = b""
        truncated = False
        while True:
            try:
                piece = response.read(65536)
            except http.client.IncompleteRead as error:  # the worker died mid-stream
                piece, truncated = error.partial, True
            if not piece:
                break
            if len(head) < 8:
                head += piece[:8]
            size += len(piece)
            lines += piece.count(b"\n")
            if truncated:
                break
        total = time.perf_counter() - start
        return {
            "status": response.status,
            "type": response.getheader("Content-Type", ""),
            "ttfb_s": first_byte,
            "total_s": total,
            "bytes": size,
            "lines": lines,
            "head": head,
            "truncated": truncated,
        }
    finally:
        connection.close()


def warm_workers(server, session_key: str, slug: str, pids: list[int]) -> None:
    """Table pages from as many concurrent clients as there are workers, until every worker
    has served some: the memory "before" is that of a worker in use, not of a fresh one."""
    ticks = {pid: _cpu_ticks(pid) for pid in pids}
    errors: list[BaseException] = []

    def browse() -> None:
        client = harness.Client(server.host, server.port, headers=session_headers(session_key))
        client.connection.timeout = 120
        try:
            for _ in range(8):
                client.timed_get(table_path(slug))
        except BaseException as error:  # reported by the caller
            errors.append(error)
        finally:
            client.close()

    for _ in range(3):
        threads = [threading.Thread(target=browse) for _ in pids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        if errors:
            raise harness.BenchError(f"warm-up failed: {errors[0]!r}")
        if all(_cpu_ticks(pid) - ticks[pid] >= 10 for pid in pids):
            break
    time.sleep(0.5)


def measure_export(env, workdir, session_key, slug, fmt, workers) -> dict:
    """One export on a fresh gunicorn, watching the serving worker's memory."""
    # A long worker timeout: measure the export's whole duration, then compare to the
    # 30 s that gunicorn applies by default.
    extra = ("--timeout", str(EXPORT_TIMEOUT))
    with harness.start_gunicorn(env, workdir, workers=workers, extra_args=extra) as server:
        pids = gunicorn_workers(server)
        warm_workers(server, session_key, slug, pids)
        with MemoryWatch(pids) as watch:
            result = download(server, session_key, f"/instruction/appels/{slug}/export.{fmt}")
        result.update(watch.report())
        if result["status"] != 200:
            raise harness.BenchError(
                f"export.{fmt} answered {result['status']}\n{harness.tail(server.log)}"
            )
    return result


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


# --- Django side (subprocess, DJANGO_SETTINGS_MODULE=config.settings) ---------------------------


def _django_main(argv: list[str]) -> None:
    import django

    django.setup()
    parser = argparse.ArgumentParser(prog="selection.py django")
    sub = parser.add_subparsers(dest="action", required=True)
    session = sub.add_parser("session")
    session.add_argument("--email", default=None)
    count = sub.add_parser("count-queries")
    count.add_argument("session")
    count.add_argument("paths", nargs="+")
    explain = sub.add_parser("explain")
    explain.add_argument("session")
    explain.add_argument("paths", nargs="+")
    sql = sub.add_parser("sql")
    sql.add_argument("statement")
    args = parser.parse_args(argv)
    result = {
        "session": lambda: _session(args.email),
        "count-queries": lambda: _count_queries(args.session, args.paths),
        "explain": lambda: _explain(args.session, args.paths),
        "sql": lambda: _sql(args.statement),
    }[args.action]()
    print(json.dumps(result))


def _session(email: str | None) -> dict:
    """A signed-in officer's session, second factor passed, as allauth records it."""
    from bench.generate import OFFICER_EMAIL
    from bench.harness_django import officer_session_key
    from coopess.accounts.models import User

    user = User.objects.get(email=email or OFFICER_EMAIL)
    return {"session": officer_session_key(user), "officer_id": user.pk}


def _client(session_key: str):
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    return client


def _count_queries(session_key: str, paths: list[str]) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client(session_key)
    counts = {}
    for path in paths:
        client.get(path, secure=True)  # first request: caches, connection set-up
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, secure=True)
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}")
        counts[path] = len(captured.captured_queries)
    return counts


def _explain(session_key: str, paths: list[str]) -> dict:
    """For each page: its slowest query (from ``connection.queries``), EXPLAIN ANALYZEd."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    client = _client(session_key)
    plans = {}
    for path in paths:
        client.get(path, secure=True)
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            client.get(path, secure=True)
        slowest = max(captured.captured_queries, key=lambda q: float(q["time"]))
        sql = slowest["sql"]  # parameters already inlined by the backend
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            else:
                cursor.execute("EXPLAIN QUERY PLAN " + sql)
            plan = "\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall())
        plans[path] = {
            "ms": float(slowest["time"]) * 1000,
            "queries": len(captured.captured_queries),
            "sql": sql,
            "plan": plan,
        }
    return plans


def _sql(statement: str) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement)
    return {"ok": True}


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "django":
        with contextlib.suppress(BrokenPipeError):
            _django_main(sys.argv[2:])
    else:
        sys.exit(main())
