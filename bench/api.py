"""The API's list endpoints at scale: ``python bench/api.py`` (``--sizes 1000,100000``).

SQLite by default (``--databases SQLite,PostgreSQL`` adds a throwaway PostgreSQL cluster when
its binaries are there), production settings, gunicorn with 2 sync workers on 127.0.0.1. For
each size the bench call is topped up by ``bench/generate.py`` (submitted applications with
1 to 5 structures and two representatives each), then a token of its DLA is created (every
scope, rate limit lifted) and, one sequential client, in turns:

- ``/api/v1/applications?limit=50``: the first page;
- the same from a cursor in the middle of the call (the 50,000th row at 100,000): a cursor
  page costs an index range, never an OFFSET, so it must cost what the first page costs;
- ``?status=selected`` (a filter) and ``/api/v1/calls`` (anonymous), and the floor ``/sante/``.

SQL queries per page are counted in-process (Django test client): they must not depend on the
size. Every API request also writes its row in the export log, as in production. Results in
``bench/results/api-<date>.md``; see docs/performance.md. The Django side runs in subprocesses:
``python bench/api.py django <action>``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
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


step = harness.step


def django(env: dict[str, str], *args: str, timeout: int = 3600) -> dict:
    env = {**env, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env["ALLOWED_HOSTS"] = ",".join([*env.get("ALLOWED_HOSTS", "").split(","), "testserver"])
    result = subprocess.run(
        [harness.PYTHON, str(THIS), "django", *args],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    if result.returncode != 0:
        raise harness.BenchError(f"django {args[0]} failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def generate(env: dict[str, str], size: int) -> float:
    start = time.perf_counter()
    result = subprocess.run(
        [harness.PYTHON, str(GENERATE), "--applications", str(size), "--call-slug", CALL_SLUG],
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        cwd=REPO, capture_output=True, text=True, timeout=7200,
    )  # fmt: skip
    if result.returncode != 0:
        raise harness.BenchError(f"generate.py failed:\n{result.stderr[-4000:]}")
    return time.perf_counter() - start


def measure(server, clear: str, paths: list[str], n: int, warmup: int) -> dict[str, list[float]]:
    headers = {**harness.REQUEST_HEADERS, "Accept": "application/json"}
    samples: dict[str, list[float]] = {p: [] for p in paths}
    with_token = harness.Client(
        server.host, server.port, headers={**headers, "Authorization": f"Bearer {clear}"}
    )
    anonymous = harness.Client(server.host, server.port, headers=headers)
    try:
        for round_ in range(warmup + n):
            for path in paths:
                client = with_token if path.startswith("/api/v1/applications") else anonymous
                elapsed = client.timed_get(path)
                if round_ >= warmup:
                    samples[path].append(elapsed)
    finally:
        with_token.close()
        anonymous.close()
    return samples


def run(database: str, sizes: list[int], n: int, warmup: int, workers: int) -> list[list[str]]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="coopess-bench-api-") as tmp:
        workdir = Path(tmp)
        with harness.database(database, workdir) as db:
            env = harness.production_env(db.url, workdir, COOPESS_API_RATE="1000000000")
            step(f"{database}: migrate")
            harness.prepare_database(env, demo=False)
            for size in sizes:
                step(f"{database}: generate {size} applications")
                seconds = generate(env, size)
                step(f"{database}: generated in {seconds:.0f} s; token and cursor")
                info = django(env, "prepare")
                middle = f"/api/v1/applications?limit=50&cursor={info['cursor']}"
                paths = {
                    "applications, 1re page": "/api/v1/applications?limit=50",
                    "applications, page du milieu (curseur)": middle,
                    "applications, status=selected": "/api/v1/applications?limit=50&status=selected",
                    "appels (anonyme)": "/api/v1/calls",
                    "plancher /sante/": "/sante/",
                }
                queries = django(env, "count-queries", info["clear"], *paths.values())
                with harness.start_gunicorn(env, workdir, workers=workers) as server:
                    step(f"{database}: {n} requests per page, in turns")
                    samples = measure(server, info["clear"], list(paths.values()), n, warmup)
                for label, path in paths.items():
                    summary = harness.summarize(samples[path])
                    rows.append([
                        database, f"{info['applications']:,}".replace(",", " "), label,
                        f"{summary.median:.1f}", f"{summary.p95:.1f}",
                        str(queries.get(path, "—")),
                    ])  # fmt: skip
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--databases", default="SQLite")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    for database in args.databases.split(","):
        if database == "PostgreSQL" and not harness.postgres_available():
            step("PostgreSQL: server binaries missing, skipped")
            continue
        rows += run(database, sizes, args.requests, args.warmup, args.workers)
    table = harness.markdown_table(
        ["base", "candidatures", "page", "médiane (ms)", "p95 (ms)", "requêtes SQL"], rows
    )
    info = harness.machine_info()
    report = (
        f"# API — {dt.date.today():%Y-%m-%d}\n\n{json.dumps(info, ensure_ascii=False)}\n\n{table}\n"
    )
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / f"api-{dt.date.today():%Y%m%d}.md").write_text(report)
    print(report)
    return 0


# --- Django side (subprocess) --------------------------------------------------------------------


def _django_main(argv: list[str]) -> None:
    import django as django_module

    django_module.setup()
    action, *rest = argv
    result = {"prepare": _prepare, "count-queries": lambda: _count_queries(rest[0], rest[1:])}[
        action
    ]()
    print(json.dumps(result))


def _prepare() -> dict:
    from django.utils import timezone

    from coopess.api import services
    from coopess.api.models import Scope
    from coopess.api.rest.pagination import encode_cursor
    from coopess.applications.models import Application
    from coopess.calls.models import Call

    call = Call.objects.get(slug=CALL_SLUG)
    _token, clear = services.token_create(
        operator=call.operator, name="Banc d'essai", scopes=[s.value for s in Scope],
        expires_at=timezone.now() + dt.timedelta(days=1), by=None,
    )  # fmt: skip
    applications = Application.objects.filter(call=call).exclude(status="draft")
    count = applications.count()
    middle = applications.order_by("updated_at", "public_id")[count // 2]
    return {
        "clear": clear,
        "applications": count,
        "cursor": encode_cursor(middle.updated_at, middle.public_id),
    }


def _count_queries(clear: str, paths: list[str]) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Bearer {clear}")
    counts = {}
    for path in paths:
        client.get(path, secure=True)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, secure=True)
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}")
        counts[path] = len(captured.captured_queries)
    return counts


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "django":
        _django_main(sys.argv[2:])
    else:
        sys.exit(main())
