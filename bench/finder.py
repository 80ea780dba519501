"""The partner finder's search at scale: ``python bench/finder.py``.

For each database (SQLite file, then a throwaway PostgreSQL cluster when its binaries are
installed), production settings, an empty migrated database:

1. ``--structures`` consenting structures (default 20,000; one draft application each, one
   account each, every profile showing everything, open to the other structures; needs and
   resources drawn with a fixed seed among the 11 sharing domains, départements among the five
   of Pays de la Loire and five others) are bulk-created;
2. gunicorn (2 workers) serves; one signed-in representative's search page (no filter, then
   filtered by département) is taken in turns with the floor ``/sante/``: ``--warmup`` then
   ``--requests`` timed requests each;
3. SQL queries of the search page are counted (Django test client, second request) with all
   the structures, then after deleting nine tenths of them: the count must not change.

Results in ``bench/results/finder-*.md``; see docs/performance.md. The Django side runs in a
subprocess: ``python bench/finder.py django <action>``.
"""

from __future__ import annotations

import argparse
import json
import random
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
DEPARTEMENTS = ["44", "49", "53", "72", "85", "75", "35", "33", "69", "13"]


step = harness.step


# --- Django side (subprocess) -----------------------------------------------------------------


def _setup(structures: int) -> dict:
    from dateutil.relativedelta import relativedelta
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import transaction
    from django.utils import timezone

    from coopess.accounts.models import Organisation, OrganisationKind, User
    from coopess.applications.choices import SharingDomain
    from coopess.applications.models import (
        AccessRole,
        Application,
        ApplicationAccess,
        ApplicationStructure,
    )
    from coopess.calls.services import call_create_from_data, load_call_data
    from coopess.finder.models import Audience, FinderProfile, Shown

    rng = random.Random(16)
    domains = list(SharingDomain.values)
    started = time.perf_counter()
    now = timezone.now()
    with transaction.atomic():
        operator = Organisation.objects.create(
            name="DLA du banc d'essai", kind=OrganisationKind.DLA_OPERATOR
        )
        call = call_create_from_data(operator=operator, data=load_call_data())
        users = User.objects.bulk_create(
            [User(email=f"rep{i}.bench@example.org") for i in range(structures)], batch_size=2000
        )
        apps = Application.objects.bulk_create(
            [Application(call=call, created_by=u) for u in users], batch_size=2000
        )
        rows = ApplicationStructure.objects.bulk_create(
            [
                ApplicationStructure(
                    application=a,
                    position=0,
                    is_lead=True,
                    name=f"Structure fictive {i:05d}",
                    departement=DEPARTEMENTS[i % len(DEPARTEMENTS)],
                    naf_code=rng.choice(["88.99B", "88.10A", "94.99Z", "85.59A"]),
                    employees=rng.randint(0, 60),
                )
                for i, a in enumerate(apps)
            ],
            batch_size=2000,
        )
        ApplicationAccess.objects.bulk_create(
            [
                ApplicationAccess(
                    application=s.application, user=u, structure=s, role=AccessRole.LEAD
                )
                for s, u in zip(rows, users, strict=True)
            ],
            batch_size=2000,
        )
        profiles = []
        for s, u in zip(rows, users, strict=True):
            picked = rng.sample(domains, rng.randint(1, 4))
            cut = rng.randint(0, len(picked))
            profiles.append(
                FinderProfile(
                    structure=s,
                    operator=operator,
                    granted_by=u,
                    audience=Audience.EVERYONE,
                    shown=list(Shown.values),
                    duration_months=12,
                    granted_at=now,
                    expires_at=now + relativedelta(months=12),
                    name=s.name,
                    needs=picked[:cut],
                    resources=picked[cut:],
                    naf_code=s.naf_code,
                    departement=s.departement,
                    staff_band=rng.choice(["01", "02", "03", "11", "12"]),
                    forms=rng.sample(["pooling", "employers_group", "partnership"], 1),
                )
            )
        profiles[0].needs, profiles[0].resources = ["admin", "it"], ["premises"]
        for profile in profiles:
            profile.derive()
        FinderProfile.objects.bulk_create(profiles, batch_size=2000)
        seeker = FinderProfile.objects.order_by("pk").first()
    session = SessionStore()
    session["_auth_user_id"] = str(seeker.granted_by_id)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = seeker.granted_by.get_session_auth_hash()
    session.create()
    return {
        "built_s": time.perf_counter() - started,
        "session": session.session_key,
        "path": f"/partenaires/structures/{seeker.structure_id}/recherche/",
    }


def _count(path: str, session: str) -> dict:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from coopess.finder.models import FinderProfile

    def queries(url: str) -> int:
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = session
        client.get(url, secure=True)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, secure=True)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        return len(captured.captured_queries)

    filtered = path + "?departement=44"
    full = {"search": queries(path), "filtered": queries(filtered)}
    total = FinderProfile.objects.count()
    keep = total // 10
    ids = list(FinderProfile.objects.order_by("pk").values_list("pk", flat=True)[keep:])
    for start in range(0, len(ids), 900):
        FinderProfile.objects.filter(pk__in=ids[start : start + 900]).delete()
    tenth = {"search": queries(path), "filtered": queries(filtered)}
    return {"full": full, "tenth": tenth, "total": total, "kept": keep}


def _django_main(argv: list[str]) -> None:
    import django

    django.setup()
    result = _setup(int(argv[1])) if argv[0] == "setup" else _count(argv[1], argv[2])
    print(json.dumps(result))


# --- Driver -------------------------------------------------------------------------------------


def measure(server, session: str, paths: list[str], n: int, warmup: int) -> dict[str, list[float]]:
    client = harness.SessionClient(server, session)
    samples: dict[str, list[float]] = {p: [] for p in paths}
    for i in range(warmup + n):
        for path in paths:
            response = client.request("GET", path)
            if response.status != 200:
                raise harness.BenchError(f"GET {path} answered {response.status}")
            if path != FLOOR and response.text().count("<h3>") != 20:
                raise harness.BenchError(f"GET {path}: no result list\n{response.text()[:500]}")
            if i >= warmup:
                samples[path].append(response.elapsed_ms)
    return samples


def bench_database(name: str, args) -> dict:
    with tempfile.TemporaryDirectory(prefix="coopess-bench-finder-") as workdir:
        workdir = Path(workdir)
        with harness.database(name, workdir) as db:
            env = harness.production_env(db.url, workdir)
            step(f"{name}: migrate")
            harness.prepare_database(env, demo=False, static=True)
            step(f"{name}: {args.structures} consenting structures")
            setup = harness.django_json(
                env, THIS, "django", "setup", str(args.structures), timeout=3600
            )
            paths = [FLOOR, setup["path"], setup["path"] + "?departement=44"]
            step(f"{name}: gunicorn, {args.requests} requests per page")
            with harness.start_gunicorn(env, workdir, workers=2) as server:
                samples = measure(server, setup["session"], paths, args.requests, args.warmup)
            step(f"{name}: queries")
            count_env = dict(env)
            hosts = [h for h in env.get("ALLOWED_HOSTS", "").split(",") if h]
            count_env["ALLOWED_HOSTS"] = ",".join([*hosts, "testserver"])
            counts = harness.django_json(
                count_env, THIS, "django", "count", setup["path"], setup["session"], timeout=3600
            )
            return {
                "database": name,
                "built_s": setup["built_s"],
                "summaries": {p: harness.summarize(s) for p, s in samples.items()},
                "paths": paths,
                "counts": counts,
            }


def report(results: list[dict], args, machine: dict) -> str:
    lines = [
        f"# Partner finder search — {args.structures} consenting structures "
        f"({time.strftime('%Y-%m-%d %H:%M')})",
        "",
        "Machine: " + ", ".join(f"{k}: {v}" for k, v in machine.items()),
        "",
    ]
    labels = ["plancher /sante/", "recherche (sans filtre)", "recherche (département 44)"]
    for result in results:
        floor = result["summaries"][FLOOR]
        rows = []
        for label, path in zip(labels, result["paths"], strict=True):
            s = result["summaries"][path]
            rows.append(
                [
                    label,
                    f"{s.median:.1f}",
                    f"{s.p95:.1f}",
                    f"{s.p95 / floor.p95:.1f}",
                    f"{s.maximum:.1f}",
                ]
            )
        counts = result["counts"]
        lines += [
            f"## {result['database']}",
            "",
            f"Data built in {result['built_s']:.1f} s; {args.requests} timed requests per page "
            f"after {args.warmup} of warm-up, pages in turns.",
            "",
            harness.markdown_table(
                ["page", "médiane (ms)", "p95 (ms)", "p95 / plancher", "max (ms)"], rows
            ),
            "",
            f"SQL queries — search: {counts['full']['search']} with {counts['total']} "
            f"structures, {counts['tenth']['search']} with {counts['kept']}; filtered: "
            f"{counts['full']['filtered']} and {counts['tenth']['filtered']}.",
            "",
        ]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--structures", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--databases", nargs="+", default=["SQLite", "PostgreSQL"])
    args = parser.parse_args(argv)
    return harness.each_database_report(
        args.databases,
        lambda name: bench_database(name, args),
        lambda results, machine: report(results, args, machine),
        results_dir=RESULTS_DIR,
        prefix="finder",
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "django":
        _django_main(sys.argv[2:])
    else:
        sys.exit(main())
