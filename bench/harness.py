"""Reusable pieces for CoopESS benchmarks.

Every scenario (see ``bench/run.py``) follows the same path:

1. a fresh database (SQLite file or throwaway PostgreSQL cluster),
2. ``migrate``, ``demo_load`` and ``collectstatic`` with production settings,
3. gunicorn on 127.0.0.1, measured by one sequential HTTP client,
4. an in-process count of SQL queries per URL (Django test client).

Everything is bounded: subprocess timeouts, per-request socket timeouts, a fixed number of
requests. Servers are stopped by context managers, so an exception or Ctrl-C still stops them.
"""

from __future__ import annotations

import contextlib
import http.client
import http.cookies
import json
import math
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

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


# --- HTTP measurement ---------------------------------------------------------------------------


class Client:
    """One sequential HTTP/1.1 client. Keeps the connection alive when the server allows it
    (gunicorn's sync workers close it after each response: http.client then reconnects)."""

    def __init__(self, host: str, port: int, headers: dict[str, str] | None = None):
        self.host, self.port = host, port
        self.headers = dict(REQUEST_HEADERS if headers is None else headers)
        self.connection = http.client.HTTPConnection(host, port, timeout=REQUEST_TIMEOUT)

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            self.connection.request("GET", path, headers=self.headers)
            response = self.connection.getresponse()
            return response.status, response.read()
        except (http.client.HTTPException, ConnectionError):
            # A keep-alive connection the server dropped: retry once on a new one.
            self.connection.close()
            self.connection.request("GET", path, headers=self.headers)
            response = self.connection.getresponse()
            return response.status, response.read()

    def timed_get(self, path: str, *, expect: int = 200) -> float:
        """Milliseconds from sending the request to having read the whole body."""
        start = time.perf_counter()
        status, body = self.get(path)
        elapsed = (time.perf_counter() - start) * 1000
        if status != expect:
            raise BenchError(f"GET {path} answered {status}, expected {expect}: {body[:300]!r}")
        return elapsed

    def close(self) -> None:
        self.connection.close()


def _check_count(n: int) -> None:
    if not 0 <= n <= MAX_REQUESTS:
        raise ValueError(f"request count must be between 0 and {MAX_REQUESTS}, not {n}")


def measure(server: Server, path: str, n: int, *, warmup: int = 0) -> list[float]:
    """``warmup`` unrecorded requests, then ``n`` timed ones (ms), one after the other."""
    _check_count(n)
    _check_count(warmup)
    client = Client(server.host, server.port)
    try:
        for _ in range(warmup):
            client.timed_get(path)
        return [client.timed_get(path) for _ in range(n)]
    finally:
        client.close()


def measure_interleaved(
    server: Server, paths: list[str], n: int, *, warmup: int = 0
) -> dict[str, list[float]]:
    """Like ``measure`` for several URLs, taken in turns (A B C A B C ...), so that a change
    in the machine's load during the run weighs on every URL alike. Still one request at a time.
    """
    _check_count(n)
    _check_count(warmup)
    client = Client(server.host, server.port)
    samples: dict[str, list[float]] = {path: [] for path in paths}
    try:
        for _ in range(warmup):
            for path in paths:
                client.timed_get(path)
        for _ in range(n):
            for path in paths:
                samples[path].append(client.timed_get(path))
        return samples
    finally:
        client.close()


@dataclass
class Summary:
    n: int
    median: float
    p95: float
    minimum: float
    maximum: float
    mean: float = field(default=0.0)


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100): a value that was actually observed."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summarize(samples: list[float]) -> Summary:
    if not samples:
        raise ValueError("no samples")
    return Summary(
        n=len(samples),
        median=statistics.median(samples),
        p95=percentile(samples, 95),
        minimum=min(samples),
        maximum=max(samples),
        mean=statistics.fmean(samples),
    )


# --- SQL queries per page -------------------------------------------------------------------------


def count_queries(env: dict[str, str], paths: list[str], *, timeout: int = 120) -> dict[str, int]:
    """SQL queries each URL runs (second request, anonymous), counted in a subprocess with the
    same settings and the Django test client."""
    env = dict(env)
    hosts = [h for h in env.get("ALLOWED_HOSTS", "").split(",") if h]
    env["ALLOWED_HOSTS"] = ",".join([*hosts, "testserver"])
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    try:
        result = subprocess.run(
            [PYTHON, str(Path(__file__).resolve()), "count-queries", *paths],
            env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise BenchError(f"Counting queries took more than {timeout} s") from None
    if result.returncode != 0:
        raise BenchError(f"Counting queries failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _count_queries_main(paths: list[str]) -> None:
    """Subprocess side of ``count_queries``: prints {path: count} as JSON on the last line."""
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client as TestClient
    from django.test.utils import CaptureQueriesContext

    client = TestClient()
    counts = {}
    for path in paths:
        client.get(path, secure=True)  # first request: caches, connection set-up
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, secure=True)
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}")
        counts[path] = len(captured.captured_queries)
    print(json.dumps(counts))


# --- Machine and report -----------------------------------------------------------------------


def machine_info() -> dict[str, str]:
    info = {
        "CPU": str(os.cpu_count()),
        "Python": platform.python_version(),
        "Kernel (uname -r)": platform.release(),
    }
    with contextlib.suppress(OSError):
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                info["OS"] = line.split("=", 1)[1].strip('"')
    with contextlib.suppress(OSError):
        info["Load average (1, 5, 15 min)"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return info


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


# --- Signed-in clients, Django scripts, background processes ------------------------------------

# Production settings name their cookies with the ``__Secure-`` prefix and mark them Secure: a
# client speaking plain HTTP to gunicorn (behind the pretend proxy header) keeps them itself.
SESSION_COOKIE = "__Secure-sessionid"
CSRF_COOKIE = "__Secure-csrftoken"


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    elapsed_ms: float  # from sending the request to having read the whole body
    sent_at: float  # time.time() when the request was sent

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class SessionClient:
    """A signed-in person's browser, reduced to what production settings check: its cookies
    (session, CSRF, messages), ``X-CSRFToken`` and a same-origin ``Referer`` on unsafe methods,
    ``X-Forwarded-Proto: https``. One new connection per request, as gunicorn's sync workers
    close it after each response. Not thread-safe: one client per thread."""

    def __init__(self, server: Server, session_key: str | None = None):
        self.host, self.port = server.host, server.port
        # The Host header carries the port, like a browser's, so that Django's HTTPS Referer
        # check (same host and port) accepts ``https://127.0.0.1:<port>/``.
        self.origin = f"https://{self.host}:{self.port}"
        self.cookies: dict[str, str] = {}
        if session_key:
            self.cookies[SESSION_COOKIE] = session_key

    def request(
        self,
        method: str,
        path: str,
        *,
        form: dict | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        all_headers = {**REQUEST_HEADERS, "Host": f"{self.host}:{self.port}"}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if method not in ("GET", "HEAD"):
            all_headers["Referer"] = f"{self.origin}/"
            if CSRF_COOKIE in self.cookies:
                all_headers["X-CSRFToken"] = self.cookies[CSRF_COOKIE]
        if form is not None:
            body = urlencode(form, doseq=True).encode()
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        all_headers.update(headers or {})
        connection = http.client.HTTPConnection(self.host, self.port, timeout=REQUEST_TIMEOUT)
        try:
            sent_at = time.time()
            start = time.perf_counter()
            connection.request(method, path, body=body, headers=all_headers)
            response = connection.getresponse()
            content = response.read()
            elapsed = (time.perf_counter() - start) * 1000
        finally:
            connection.close()
        self._remember_cookies(response.headers)
        return Response(response.status, response.headers, content, elapsed, sent_at)

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, form: dict | None = None, **kwargs) -> Response:
        return self.request("POST", path, form=form or {}, **kwargs)

    def _remember_cookies(self, headers: http.client.HTTPMessage) -> None:
        for header in headers.get_all("Set-Cookie") or []:
            jar = http.cookies.SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.coded_value  # as sent, quotes included


def django_json(
    env: dict[str, str],
    script: Path | str,
    *args: str,
    stdin: str | None = None,
    timeout: int = COMMAND_TIMEOUT,
) -> object:
    """Run ``python <script> <args>`` with the settings of ``env`` (``DJANGO_SETTINGS_MODULE``
    set); the script prints one JSON document on its last stdout line, which is returned."""
    env = {**env, "DJANGO_SETTINGS_MODULE": "config.settings"}
    label = f"{Path(script).name} {' '.join(args)}"
    try:
        result = subprocess.run(
            [PYTHON, str(script), *args], env=env, cwd=REPO, input=stdin,
            capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise BenchError(f"{label} took more than {timeout} s") from None
    if result.returncode != 0:
        raise BenchError(f"{label} failed ({result.returncode}):\n{result.stderr[-4000:]}")
    lines = result.stdout.strip().splitlines()
    if not lines:
        raise BenchError(f"{label} printed nothing:\n{result.stderr[-2000:]}")
    return json.loads(lines[-1])


@contextlib.contextmanager
def background_process(
    command: list[str], env: dict[str, str], log: Path, *, discard_stdout: bool = False
) -> Iterator[subprocess.Popen]:
    """Any long-running process (e.g. ``manage.py db_worker``) in a session of its own,
    output to ``log`` (only stderr with ``discard_stdout``); SIGTERM then SIGKILL to its group
    on exit."""
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            command, env=env, cwd=REPO, stdin=subprocess.DEVNULL, start_new_session=True,
            stdout=subprocess.DEVNULL if discard_stdout else log_file,
            stderr=log_file if discard_stdout else subprocess.STDOUT,
        )  # fmt: skip
    try:
        yield process
    finally:
        _stop_process_group(process)


def tail(path: Path, lines: int = 40) -> str:
    """The end of a log file, for error messages."""
    return _tail(path, lines)


class Supervised:
    """A long-running process kept alive as systemd's ``Restart=on-failure`` does: when it
    exits with an error (or a signal), ``pre`` runs (``ExecStartPre=``, failure ignored) and
    the process starts again ``restart_delay`` seconds later. ``kill()`` sends SIGKILL to the
    current process (to test what survives). Every start and exit is recorded in ``events``.
    Use through ``supervised_process``."""

    def __init__(self, command, env, log: Path, *, pre=None, restart_delay: float = 5.0):
        import threading

        self.command, self.env, self.log, self.pre = command, env, log, pre
        self.restart_delay = restart_delay
        self.events: list[tuple[float, str]] = []
        self.process: subprocess.Popen | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _start(self) -> None:
        if self.pre:
            with self.log.open("ab") as log_file:
                subprocess.run(
                    self.pre, env=self.env, cwd=REPO, stdout=log_file, stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL, timeout=COMMAND_TIMEOUT, check=False,
                )  # fmt: skip
        with self.log.open("ab") as log_file:
            process = subprocess.Popen(
                self.command, env=self.env, cwd=REPO, stdin=subprocess.DEVNULL,
                stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        with self._lock:
            self.process = process
        self.events.append((time.time(), f"started (pid {process.pid})"))

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._start()
            code = self.process.wait()
            if self._stopping.is_set():
                break
            self.events.append((time.time(), f"exited ({code})"))
            if code == 0:
                break  # Restart=on-failure: a clean exit stays stopped
            self._stopping.wait(self.restart_delay)

    @property
    def restarts(self) -> int:
        return max(0, sum(1 for _, e in self.events if e.startswith("started")) - 1)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> int:
        """SIGKILL the running process (and its group); returns its pid."""
        with self._lock:
            process = self.process
        if process is None or process.poll() is not None:
            raise BenchError("the supervised process is not running")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        self.events.append((time.time(), f"killed (pid {process.pid}, SIGKILL)"))
        return process.pid

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            process = self.process
        if process is not None:
            _stop_process_group(process)
        self._thread.join(timeout=30)


@contextlib.contextmanager
def supervised_process(
    command: list[str], env: dict[str, str], log: Path, *, pre=None, restart_delay: float = 5.0
) -> Iterator[Supervised]:
    """``Supervised`` started, and stopped (SIGTERM then SIGKILL to its group) on exit."""
    supervised = Supervised(command, env, log, pre=pre, restart_delay=restart_delay)
    supervised._thread.start()
    deadline = time.monotonic() + 10
    while supervised.process is None and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield supervised
    finally:
        supervised.stop()


def integrity(env: dict[str, str], call_id: int, *, wait_drained: float = 0) -> dict:
    """What the database holds after a run, once the task queue is drained (no READY nor
    RUNNING task) or ``wait_drained`` seconds have passed: applications of call ``call_id``
    and their receipts, tasks, outbox emails, and every broken invariant (``violations``):
    a half-submitted application, a transition or task missing or doubled, a receipt number
    skipped or given twice, an email sent twice. See ``_django_integrity``."""
    return django_json(
        env, Path(__file__).resolve(), "django", "integrity", str(call_id), str(wait_drained),
        timeout=int(wait_drained) + COMMAND_TIMEOUT,
    )  # fmt: skip


def _django_integrity(call_id: int, wait_drained: float) -> dict:
    from collections import Counter

    from django.db.models import Count, Q
    from django_tasks_db.models import DBTaskResult

    from coopess.applications.models import (
        Application,
        ApplicationTransition,
        Attachment,
        ReceiptCounter,
    )
    from coopess.applications.receipts import recipients_of
    from coopess.common.models import DemoEmail, OutgoingEmail

    deadline = time.monotonic() + wait_drained
    while True:
        pending = DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).count()
        if pending == 0 or time.monotonic() >= deadline:
            break
        time.sleep(0.5)
    violations: list[str] = []
    applications = Application.objects.filter(call_id=call_id)
    statuses = dict(applications.values_list("status").annotate(n=Count("id")))
    half = applications.filter(
        (Q(status="draft") & (Q(receipt_number__isnull=False) | Q(submitted_at__isnull=False)))
        | (Q(status="submitted") & (Q(receipt_number__isnull=True) | Q(submitted_at__isnull=True)))
    )
    violations += [f"half-submitted application {a.public_id} ({a.status})" for a in half]
    submitted = list(
        applications.filter(submitted_at__isnull=False).prefetch_related(
            "structures__representatives", "accesses__user"
        )
    )
    transitions = Counter(
        ApplicationTransition.objects.filter(
            application__call_id=call_id, to_status="submitted"
        ).values_list("application_id", flat=True)
    )
    for application in submitted:
        if transitions[application.pk] != 1:
            violations.append(
                f"{application.receipt_number}: {transitions[application.pk]} transitions to "
                "submitted (expected 1)"
            )
    drafts_with_transition = applications.filter(status="draft", pk__in=list(transitions))
    violations += [
        f"draft {a.public_id} has a submission transition" for a in drafts_with_transition
    ]
    numbers = [a.receipt_number for a in submitted]
    if len(set(numbers)) != len(numbers):
        violations.append("a receipt number was given twice")
    sequence = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    if sequence != list(range(1, len(sequence) + 1)):
        violations.append(f"receipt numbers not consecutive: {sequence[:5]}…{sequence[-5:]}")
    # the counters of this call's prefix (shared by calls with the same prefix)
    from coopess.calls.models import Call

    prefix = Call.objects.values_list("receipt_prefix", flat=True).get(pk=call_id)
    counters = sum(ReceiptCounter.objects.filter(prefix=prefix).values_list("last", flat=True))
    if counters != len(submitted):
        violations.append(f"receipt counter at {counters} for {len(submitted)} submissions")

    # Tasks: one receipt and one screening per submission, each run once.
    tasks = Counter(
        (t.task_path.rsplit(".", 1)[-1], t.status)
        for t in DBTaskResult.objects.only("task_path", "status")
    )
    per_application: dict[str, Counter] = {}
    reruns: Counter = Counter()
    receipt_returns: dict[int, object] = {}
    for t in DBTaskResult.objects.filter(
        task_path__in=[
            "coopess.applications.tasks.send_receipt",
            "coopess.selection.tasks.screen_application",
        ]
    ):
        name = t.task_path.rsplit(".", 1)[-1]
        application_id = (t.args_kwargs.get("args") or [None])[0]
        per_application.setdefault(name, Counter())[application_id] += 1
        if len(t.worker_ids) > 1:
            reruns[name] += 1
        if name == "send_receipt":
            receipt_returns[application_id] = t.return_value
    receipts = Counter(
        Attachment.objects.filter(application__call_id=call_id, is_receipt=True).values_list(
            "application_id", flat=True
        )
    )
    demo_subjects = Counter(DemoEmail.objects.values_list("subject", flat=True))
    outbox_subjects = Counter(OutgoingEmail.objects.values_list("subject", flat=True))
    receipt_emails = {"demo_mailbox": 0, "outbox": 0, "returned": 0, "expected": 0}
    for application in submitted:
        label = application.receipt_number
        for name in ("send_receipt", "screen_application"):
            n = per_application.get(name, Counter())[application.pk]
            if n != 1:
                violations.append(f"{label}: {n} {name} task(s) (expected 1)")
        if receipts[application.pk] != 1:
            violations.append(f"{label}: {receipts[application.pk]} receipt PDF(s) (expected 1)")
        expected = len(recipients_of(application))
        subject = f"[CoopESS] Récépissé de votre candidature {label}"
        receipt_emails["expected"] += expected
        receipt_emails["demo_mailbox"] += demo_subjects[subject]
        receipt_emails["outbox"] += outbox_subjects[subject]
        returned = receipt_returns.get(application.pk)
        receipt_emails["returned"] += returned if isinstance(returned, int) else 0
        # The receipt's emails: through the outbox (one row per recipient) or sent by the task
        # itself (its return value); in the demo mailbox, one per recipient either way.
        if outbox_subjects[subject] not in (0, expected):
            violations.append(f"{label}: {outbox_subjects[subject]} receipt emails in the outbox")
        if demo_subjects and demo_subjects[subject] != expected:
            violations.append(
                f"{label}: {demo_subjects[subject]} receipt emails delivered (expected {expected})"
            )
    # Every outbox email delivered once (the demo mailbox keeps what was delivered).
    outbox = dict(OutgoingEmail.objects.values_list("status").annotate(n=Count("id")))
    attempts = Counter(OutgoingEmail.objects.values_list("attempts", flat=True))
    if demo_subjects:
        for subject, n in outbox_subjects.items():
            if demo_subjects[subject] != n:
                violations.append(f"« {subject} »: queued {n}, delivered {demo_subjects[subject]}")
    return {
        "drained": not DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists(),
        "statuses": statuses,
        "submitted": [
            {"public_id": str(a.public_id), "receipt_number": a.receipt_number} for a in submitted
        ],
        "tasks": {f"{name} {status}": n for (name, status), n in sorted(tasks.items())},
        "reruns": dict(reruns),
        "receipts": sum(receipts.values()),
        "receipt_emails": receipt_emails,
        "outbox": outbox,
        "outbox_attempts": {str(k): v for k, v in sorted(attempts.items())},
        "demo_emails": sum(demo_subjects.values()),
        "violations": violations,
        "failed_tasks": [
            f"{t.task_path}: {t.exception_class_path} {t.traceback[-300:]}"
            for t in DBTaskResult.objects.filter(status="FAILED")[:5]
        ],
    }


def officer_session(env: dict[str, str], *, call_id: int, n: int = 1) -> list[str]:
    """``n`` officers of the DLA that runs call ``call_id``, each signed in with their second
    factor (TOTP) passed: their session keys (cookie ``__Secure-sessionid``)."""
    result = django_json(env, Path(__file__).resolve(), "django", "officers", str(call_id), str(n))
    return result["sessions"]


def _django_officers(call_id: int, n: float) -> dict:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.contrib.sessions.backends.db import SessionStore

    from coopess.accounts.models import Role, RoleAssignment, User
    from coopess.calls.models import Call

    call = Call.objects.select_related("operator").get(pk=call_id)
    sessions = []
    for i in range(int(n)):
        email = f"bench-officer-{call_id}-{i}@example.org"
        user = User.objects.filter(email=email).first() or User.objects.create_user(
            email, first_name="Chargée", last_name=f"Banc {i}"
        )
        RoleAssignment.objects.get_or_create(
            user=user, role=Role.OFFICER, organisation=call.operator
        )
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, generate_totp_secret())
        store = SessionStore()
        store["_auth_user_id"] = str(user.pk)
        store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        store["_auth_user_hash"] = user.get_session_auth_hash()
        store["account_authentication_methods"] = [
            {"method": "password", "at": 0},
            {"method": "mfa", "at": 0, "type": "totp"},
        ]
        store["account_authentication_methods_user"] = str(user.pk)
        store.create()
        sessions.append(store.session_key)
    return {"sessions": sessions}


# --- Bounded runs -----------------------------------------------------------------------------


class Interrupted(Exception):
    """SIGTERM or the overall time limit: raised in the main thread, so every ``finally`` (and
    every server's context manager) runs, as after Ctrl-C."""


def raise_interrupted(signum, frame):
    # Once only: a second signal must not cut the clean-up short.
    signal.alarm(0)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Interrupted(signal.Signals(signum).name)


def run_bounded(work, timeout: int):
    """``work()`` under SIGTERM and an overall time limit (SIGALRM). Returns ``(result, None)``,
    or ``(None, exit code)`` after saying on stderr why the benchmark stopped (servers are
    stopped by then)."""
    signal.signal(signal.SIGTERM, raise_interrupted)
    signal.signal(signal.SIGALRM, raise_interrupted)
    signal.alarm(timeout)
    try:
        return work(), None
    except KeyboardInterrupt:
        print("\nInterrupted: servers stopped.", file=sys.stderr)
        return None, 130
    except Interrupted as error:
        print(f"\nStopped by {error}: servers stopped.", file=sys.stderr)
        return None, 1
    except (BenchError, OSError, http.client.HTTPException) as error:
        detail = error if isinstance(error, BenchError) else repr(error)
        print(f"\nBenchmark failed: {detail}", file=sys.stderr)
        return None, 1
    finally:
        signal.alarm(0)


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "count-queries":
        _count_queries_main(sys.argv[2:])
    elif sys.argv[1:2] == ["django"] and len(sys.argv) == 5:
        sys.path.insert(0, str(REPO))
        import django

        django.setup()
        action = {"officers": _django_officers, "integrity": _django_integrity}[sys.argv[2]]
        print(json.dumps(action(int(sys.argv[3]), float(sys.argv[4]))))
    else:
        raise SystemExit(
            "usage: harness.py count-queries PATH... | django officers CALL_ID N | "
            "django integrity CALL_ID WAIT_SECONDS"
        )
