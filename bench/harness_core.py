"""Benchmark harness, part 1 of 3 (re-exported by ``bench/harness.py``): the fixed settings
(paths, host, timeouts), the fresh databases (SQLite file or throwaway PostgreSQL cluster,
``database``), the production environment and its preparation (``production_env``,
``prepare_database``: migrate, demo data, static files) and gunicorn (``start_gunicorn``).
"""

from __future__ import annotations

import contextlib
import http.client
import http.cookies
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = REPO / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
GUNICORN = str(VENV_BIN / "gunicorn")
PG_SCRIPT = REPO / "scripts" / "pg_throwaway.sh"
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))

HOST = "127.0.0.1"
# Production settings redirect plain HTTP to HTTPS; they trust this header from the proxy.
REQUEST_HEADERS = {"X-Forwarded-Proto": "https", "Host": HOST, "Accept": "text/html"}

# Settings variables that could leak from the caller's shell and change what is measured.
_SETTINGS_VARIABLES = (
    "COOPESS_ENV", "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS",
    "COOPESS_DEMO", "COOPESS_REQUIRE_STAFF_MFA", "COOPESS_SITE_NAME", "COOPESS_BASE_URL",
    "DATABASE_URL", "CONN_MAX_AGE", "SESSION_COOKIE_AGE", "STATIC_ROOT", "MEDIA_ROOT",
    "DEFAULT_FROM_EMAIL", "EMAIL_URL", "TASKS_BACKEND", "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS", "LOG_LEVEL", "DJANGO_SETTINGS_MODULE", "WEB_CONCURRENCY",
    "GUNICORN_CMD_ARGS", "CACHE_URL",
)  # fmt: skip

COMMAND_TIMEOUT = 300  # seconds, for each manage.py command
START_TIMEOUT = 60  # seconds for gunicorn to answer its first request
REQUEST_TIMEOUT = 10  # seconds, per HTTP request
MAX_REQUESTS = 100_000  # per URL: a guard against a typo in --requests


class BenchError(RuntimeError):
    """A benchmark step failed; the message says which and why."""


# --- Databases --------------------------------------------------------------------------------


@dataclass
class Database:
    name: str  # "SQLite" or "PostgreSQL"
    url: str
    directory: Path | None = None  # the PostgreSQL cluster's, for ``pause_postgres``


def postgres_available() -> bool:
    """PostgreSQL server binaries (initdb, pg_ctl) are installed where the script expects them."""
    return (PG_BIN / "initdb").is_file() and (PG_BIN / "pg_ctl").is_file()


#: the databases a benchmark may run on, by the key its ``--databases`` option takes
DATABASES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def each_database(keys, bench) -> list:
    """``bench(name)`` on each chosen database, in the order given; PostgreSQL without its
    server binaries stops the run with a clear message."""
    results = []
    for key in keys:
        name = DATABASES[key]
        if name == "PostgreSQL" and not postgres_available():
            raise BenchError(f"PostgreSQL server binaries not found in {PG_BIN}")
        results.append(bench(name))
    return results


def start_postgres(directory: Path, timeout: int = 120) -> str:
    """Start a throwaway cluster in ``directory``; return its DATABASE_URL."""
    result = subprocess.run(
        ["bash", str(PG_SCRIPT), "start", str(directory)],
        capture_output=True, text=True, timeout=timeout, cwd=REPO,
    )  # fmt: skip
    if result.returncode != 0:
        raise BenchError(f"PostgreSQL did not start:\n{result.stderr.strip()}")
    url = result.stdout.strip().splitlines()[-1]
    if not url.startswith("postgres://"):
        raise BenchError(f"Unexpected output from {PG_SCRIPT.name}: {result.stdout!r}")
    return url


def stop_postgres(directory: Path, timeout: int = 120) -> None:
    subprocess.run(
        ["bash", str(PG_SCRIPT), "stop", str(directory)],
        capture_output=True, text=True, timeout=timeout, cwd=REPO, check=False,
    )  # fmt: skip


def _as_postgres(command: list[str]) -> list[str]:
    """The cluster belongs to ``postgres`` when we are root (see scripts/pg_throwaway.sh)."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def postgres_server_stop(directory: Path, timeout: int = 60) -> float:
    """Stop a throwaway cluster (``pg_ctl stop -m fast``: sessions cut, like a crash for the
    clients); returns the seconds it took."""
    start = time.monotonic()
    result = subprocess.run(
        _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(directory / "data"), "-m", "fast",
                      "-w", "-t", str(timeout), "stop"]),
        capture_output=True, text=True, timeout=timeout + 10,
    )  # fmt: skip
    if result.returncode != 0:
        raise BenchError(f"pg_ctl stop failed:\n{result.stdout}{result.stderr}")
    return time.monotonic() - start


def postgres_server_start(directory: Path, timeout: int = 60) -> float:
    """Start again a cluster stopped by ``postgres_server_stop``, with the options (port,
    socket directory, settings) of its previous start, read from ``postmaster.opts``."""
    import shlex

    opts = shlex.split((directory / "data" / "postmaster.opts").read_text())
    options = []
    skip = False
    for word in opts[1:]:  # the postgres binary first
        if skip:
            skip = False
        elif word == "-D":
            skip = True  # pg_ctl passes the data directory itself
        else:
            options.append(word)
    start = time.monotonic()
    result = subprocess.run(
        _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(directory / "data"), "-l",
                      str(directory / "server.log"), "-w", "-t", str(timeout),
                      "-o", shlex.join(options), "start"]),
        capture_output=True, text=True, timeout=timeout + 10,
    )  # fmt: skip
    if result.returncode != 0:
        raise BenchError(f"pg_ctl start failed:\n{result.stdout}{result.stderr}")
    return time.monotonic() - start


@contextlib.contextmanager
def database(name: str, workdir: Path) -> Iterator[Database]:
    """A fresh, empty database of kind ``name`` ("SQLite" or "PostgreSQL"), removed on exit."""
    if name == "SQLite":
        yield Database(name, f"sqlite:///{workdir / 'bench.sqlite3'}")
        return
    if name != "PostgreSQL":
        raise ValueError(f"Unknown database {name!r}")
    # A directory of its own: the script chowns it to the postgres user.
    pg_dir = Path(tempfile.mkdtemp(prefix="coopess-bench-pg-"))
    try:
        url = start_postgres(pg_dir)
        yield Database(name, url, pg_dir)
    finally:
        # Also after a failed or interrupted start: stopping a cluster that is not up is a no-op.
        stop_postgres(pg_dir)
        shutil.rmtree(pg_dir, ignore_errors=True)


# --- Environment and preparation ----------------------------------------------------------------


def production_env(database_url: str, workdir: Path, **extra: str) -> dict[str, str]:
    """Environment for production settings on a local database and temporary files."""
    env = {k: v for k, v in os.environ.items() if k not in _SETTINGS_VARIABLES}
    static_root = workdir / "static"
    media_root = workdir / "media"
    static_root.mkdir(exist_ok=True)
    media_root.mkdir(exist_ok=True)
    env.update(
        COOPESS_ENV="production",
        DEBUG="False",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS=HOST,
        DATABASE_URL=database_url,
        STATIC_ROOT=str(static_root),
        MEDIA_ROOT=str(media_root),
        LOG_LEVEL="WARNING",
        PYTHONDONTWRITEBYTECODE="1",
        # Never mail anyone from a benchmark (nor fail on a missing SMTP server on :25).
        EMAIL_URL="consolemail://",
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, timeout: int = COMMAND_TIMEOUT) -> str:
    """Run ``manage.py <args>``; raise with its output if it fails. Returns stdout."""
    command = [PYTHON, "manage.py", *args]
    try:
        result = subprocess.run(
            command, env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        raise BenchError(f"manage.py {' '.join(args)} took more than {timeout} s") from None
    if result.returncode != 0:
        raise BenchError(
            f"manage.py {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
        )
    return result.stdout


def prepare_database(env: dict[str, str], *, demo: bool = True, static: bool = True) -> None:
    """Migrate, load the demo data and collect static files, as a deployment would."""
    manage(env, "migrate", "--noinput")
    if demo:
        manage(env, "demo_load")
    if static:
        manage(env, "collectstatic", "--noinput")


# --- gunicorn ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    host: str
    port: int
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"


@contextlib.contextmanager
def start_gunicorn(
    env: dict[str, str], workdir: Path, *, workers: int = 2, extra_args: tuple[str, ...] = ()
) -> Iterator[Server]:
    """gunicorn serving ``config.wsgi`` on 127.0.0.1; stopped (then killed) on exit."""
    port = free_port()
    log = workdir / f"gunicorn-{port}.log"
    command = [
        GUNICORN, "config.wsgi", "-b", f"{HOST}:{port}", "-w", str(workers),
        "--graceful-timeout", "5", "--timeout", "30", *extra_args,
    ]  # fmt: skip
    with log.open("wb") as log_file:
        # A session of its own: Ctrl-C in the terminal reaches us, and we stop gunicorn.
        process = subprocess.Popen(
            command, env=env, cwd=REPO, stdout=log_file, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
    server = Server(HOST, port, log)
    try:
        _wait_until_ready(server, process)
        yield server
    finally:
        _stop_process_group(process)


def _wait_until_ready(server: Server, process: subprocess.Popen, path: str = "/sante/") -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"gunicorn exited ({process.returncode}):\n{_tail(server.log)}")
        try:
            connection = http.client.HTTPConnection(server.host, server.port, timeout=2)
            connection.request("GET", path, headers=REQUEST_HEADERS)
            response = connection.getresponse()
            response.read()
            connection.close()
            if response.status == 200:
                return
            raise BenchError(f"GET {path} answered {response.status}:\n{_tail(server.log)}")
        except (ConnectionError, OSError):
            time.sleep(0.2)
    raise BenchError(f"gunicorn did not answer within {START_TIMEOUT} s:\n{_tail(server.log)}")


def _stop_process_group(process: subprocess.Popen) -> None:
    """SIGTERM to the gunicorn master and its workers, SIGKILL if they linger."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
