"""The competition's pages behind gunicorn: ``python bench/competition_http.py``.

For each database (SQLite file, then a throwaway PostgreSQL cluster when its binaries are
installed), production settings, the demo data (``demo_load``: the 2023 consultation of three
providers, marked by the officer and two comité members, chosen, letters sent):

1. a stored session for the demo officer (second factor passed) and one for the chosen
   provider's contact (signed in by code: no second factor) are created;
2. gunicorn (2 workers) serves; the officer's consultation page, the directory of providers,
   the provider's « Mes consultations » and its consultation page are taken in turns with the
   floor ``/sante/`` (anonymous), ``--warmup`` then ``--requests`` timed requests each, one at a time; each
   answer must be 200 and show its page's heading;
3. SQL queries per page are counted (Django test client, second request, same sessions).

Results in ``bench/results/competition-http-*.md``; see docs/performance.md. The Django side
runs in a subprocess: ``python bench/competition_http.py django <action>``.
"""

from __future__ import annotations

import argparse
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
FLOOR = "/sante/"


step = harness.step


# --- Django side (subprocess) -----------------------------------------------------------------


def _setup() -> dict:
    """Sessions and the pages: (label, path, who, the heading the page must show)."""
    from django.contrib.sessions.backends.db import SessionStore

    from bench.harness_django import officer_session_key
    from coopess.accounts.models import User
    from coopess.common.demo import SEED_SLUG
    from coopess.competition.models import ConsultedProvider

    officer = User.objects.get(email="claire.morvan@example.org")
    chosen = (
        ConsultedProvider.objects.filter(
            consultation__cohort__call__slug=SEED_SLUG, proposal__chosen=True
        )
        .select_related("user", "consultation")
        .get()
    )
    provider = SessionStore()
    provider["_auth_user_id"] = str(chosen.user.pk)
    provider["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    provider["_auth_user_hash"] = chosen.user.get_session_auth_hash()
    provider["account_authentication_methods"] = [{"method": "code", "at": 0}]
    provider.create()
    cohort_id = chosen.consultation.cohort_id
    return {
        "sessions": {
            "anonymous": "",
            "officer": officer_session_key(officer),
            "provider": provider.session_key,
        },
        "pages": [
            ["plancher (anonyme)", FLOOR, "anonymous", ""],
            [
                "chargée : mise en concurrence (2023, choisie)",
                f"/concurrence/cohorte/{cohort_id}/",
                "officer",
                "Mise en concurrence",
            ],
            ["chargée : annuaire", "/concurrence/prestataires/", "officer", "Annuaire"],
            [
                "prestataire : « Mes consultations »",
                "/concurrence/mes-consultations/",
                "provider",
                "Mes consultations",
            ],
            [
                "prestataire : sa consultation",
                f"/concurrence/mes-consultations/{chosen.pk}/",
                "provider",
                "Consultation",
            ],
        ],
    }


def _count(pages: list, sessions: dict) -> dict:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for _label, path, who, _heading in pages:
        client = Client()
        if sessions[who]:
            client.cookies[settings.SESSION_COOKIE_NAME] = sessions[who]
        client.get(path, secure=True)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, secure=True)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
        counts[path] = len(captured.captured_queries)
    return counts


def _django_main(argv: list[str]) -> None:
    import django

    django.setup()
    if argv[0] == "setup":
        result = _setup()
    else:
        setup = json.loads(sys.stdin.read())
        result = _count(setup["pages"], setup["sessions"])
    print(json.dumps(result))


# --- Driver -------------------------------------------------------------------------------------


def measure(server, setup: dict, n: int, warmup: int) -> dict[str, list[float]]:
    clients = {
        who: harness.SessionClient(server, key or None) for who, key in setup["sessions"].items()
    }
    samples: dict[str, list[float]] = {path: [] for _, path, _, _ in setup["pages"]}
    for i in range(warmup + n):
        for _label, path, who, heading in setup["pages"]:
            response = clients[who].request("GET", path)
            if response.status != 200:
                raise harness.BenchError(f"GET {path} answered {response.status}")
            if heading and heading not in response.text():
                raise harness.BenchError(f"GET {path}: no « {heading} »\n{response.text()[:500]}")
            if i >= warmup:
                samples[path].append(response.elapsed_ms)
    return samples


def bench_database(name: str, args) -> dict:
    with tempfile.TemporaryDirectory(prefix="coopess-bench-competition-") as workdir:
        workdir = Path(workdir)
        with harness.database(name, workdir) as db:
            env = harness.production_env(db.url, workdir)
            step(f"{name}: migrate, demo_load, collectstatic")
            harness.prepare_database(env)
            setup = harness.django_json(env, THIS, "django", "setup")
            step(f"{name}: gunicorn, {args.requests} requests per page")
            with harness.start_gunicorn(env, workdir, workers=2) as server:
                samples = measure(server, setup, args.requests, args.warmup)
            step(f"{name}: queries")
            count_env = dict(env)
            hosts = [h for h in env.get("ALLOWED_HOSTS", "").split(",") if h]
            count_env["ALLOWED_HOSTS"] = ",".join([*hosts, "testserver"])
            counts = harness.django_json(
                count_env, THIS, "django", "count", stdin=json.dumps(setup)
            )
            return {
                "database": name,
                "pages": setup["pages"],
                "summaries": {p: harness.summarize(s) for p, s in samples.items()},
                "counts": counts,
            }


def report(results: list[dict], args, machine: dict) -> str:
    lines = [
        f"# Competition pages behind gunicorn ({time.strftime('%Y-%m-%d %H:%M')})",
        "",
        "Machine: " + ", ".join(f"{k}: {v}" for k, v in machine.items()),
        "",
        f"gunicorn `config.wsgi`, 2 sync workers, production settings, demo data; one client per "
        f"person (session cookie), one request at a time on 127.0.0.1; {args.warmup} warm-up "
        f"then {args.requests} timed requests per page, pages in turns.",
        "",
    ]
    for result in results:
        floor = result["summaries"][FLOOR]
        rows = []
        for label, path, _who, _heading in result["pages"]:
            s = result["summaries"][path]
            rows.append(
                [
                    label,
                    f"{s.median:.1f}",
                    f"{s.p95:.1f}",
                    f"{s.p95 / floor.p95:.1f}",
                    str(result["counts"][path]),
                ]
            )
        lines += [
            f"## {result['database']}",
            "",
            harness.markdown_table(
                ["page", "médiane (ms)", "p95 (ms)", "p95 / plancher", "requêtes SQL"], rows
            ),
            "",
        ]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--databases", nargs="+", default=["SQLite", "PostgreSQL"])
    args = parser.parse_args(argv)
    if not 1 <= args.requests <= harness.MAX_REQUESTS:
        parser.error(f"--requests must be between 1 and {harness.MAX_REQUESTS}")
    return harness.each_database_report(
        args.databases,
        lambda name: bench_database(name, args),
        lambda results, machine: report(results, args, machine),
        results_dir=RESULTS_DIR,
        prefix="competition-http",
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "django":
        _django_main(sys.argv[2:])
    else:
        sys.exit(main())
