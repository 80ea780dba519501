"""Reusable pieces for CoopESS benchmarks (``from bench import harness``).

Every scenario (see ``bench/run.py``) follows the same path:

1. a fresh database (SQLite file or throwaway PostgreSQL cluster),
2. ``migrate``, ``demo_load`` and ``collectstatic`` with production settings,
3. gunicorn on 127.0.0.1, measured by one sequential HTTP client,
4. an in-process count of SQL queries per URL (Django test client).

Everything is bounded: subprocess timeouts, per-request socket timeouts, a fixed number of
requests. Servers are stopped by context managers, so an exception or Ctrl-C still stops them.

This module only gathers the harness's three parts under one name: ``bench/harness_core.py``
(settings, databases, environment, gunicorn), ``bench/harness_measure.py`` (HTTP timings,
query counts, signed-in clients, subprocesses, reports, bounded runs) and
``bench/harness_django.py`` (the Django side of the subprocesses, run as a script).
"""

from __future__ import annotations

from bench.harness_core import (  # noqa: F401
    _SETTINGS_VARIABLES,
    COMMAND_TIMEOUT,
    DATABASES,
    GUNICORN,
    HOST,
    MAX_REQUESTS,
    PG_BIN,
    PG_SCRIPT,
    PYTHON,
    REPO,
    REQUEST_HEADERS,
    REQUEST_TIMEOUT,
    START_TIMEOUT,
    VENV_BIN,
    BenchError,
    Database,
    Server,
    _as_postgres,
    _stop_process_group,
    _tail,
    _wait_until_ready,
    database,
    each_database,
    free_port,
    manage,
    postgres_available,
    postgres_server_start,
    postgres_server_stop,
    prepare_database,
    production_env,
    start_gunicorn,
    start_postgres,
    stop_postgres,
)
from bench.harness_measure import (  # noqa: F401
    CSRF_COOKIE,
    DJANGO_SIDE,
    SESSION_COOKIE,
    Client,
    Interrupted,
    Response,
    SessionClient,
    Summary,
    Supervised,
    _check_count,
    background_process,
    count_queries,
    django_json,
    each_database_report,
    integrity,
    machine_info,
    markdown_table,
    measure,
    measure_interleaved,
    officer_session,
    percentile,
    raise_interrupted,
    run_bounded,
    step,
    summarize,
    supervised_process,
    tail,
)
