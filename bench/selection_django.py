"""The Django side of ``bench/selection.py``, run in a subprocess with the bench's settings
(``python bench/selection.py django <action>``, parsed by ``main``): an officer's session with
the second factor passed (``session``, also used by ``bench/diagnostic.py`` and
``bench/reporting.py``), SQL queries per page with the test client (``count-queries``), the
slowest query of a page EXPLAINed (``explain``) and one SQL statement (``sql``). Each action
prints its result as JSON on its last line.
"""

from __future__ import annotations

import argparse
import json


def main(argv: list[str]) -> None:
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
