"""Benchmark harness, part 2 of 3 (re-exported by ``bench/harness.py``): what a benchmark
measures and how it reports — sequential HTTP clients and timings (``measure``,
``measure_interleaved``, ``summarize``), SQL queries per page (``count_queries``), signed-in
clients (``SessionClient``), Django scripts run in a subprocess (``django_json``,
``integrity``, ``officer_session``; their Django side is ``bench/harness_django.py``),
background and supervised processes, the machine's description and bounded runs
(``run_bounded``).
"""

from __future__ import annotations

import contextlib
import http.client
import http.cookies
import json
import math
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from bench.harness_core import (
    COMMAND_TIMEOUT,
    MAX_REQUESTS,
    PYTHON,
    REPO,
    REQUEST_HEADERS,
    REQUEST_TIMEOUT,
    BenchError,
    Server,
    _stop_process_group,
    _tail,
    postgres_available,
)

#: the script that runs the Django side of ``count_queries``, ``integrity`` and ``officer_session``
DJANGO_SIDE = Path(__file__).resolve().parent / "harness_django.py"


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
            [PYTHON, str(DJANGO_SIDE), "count-queries", *paths],
            env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise BenchError(f"Counting queries took more than {timeout} s") from None
    if result.returncode != 0:
        raise BenchError(f"Counting queries failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


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
    skipped or given twice, an email sent twice. See ``_django_integrity`` in
    ``bench/harness_django.py``."""
    return django_json(
        env, DJANGO_SIDE, "django", "integrity", str(call_id), str(wait_drained),
        timeout=int(wait_drained) + COMMAND_TIMEOUT,
    )  # fmt: skip


def officer_session(env: dict[str, str], *, call_id: int, n: int = 1) -> list[str]:
    """``n`` officers of the DLA that runs call ``call_id``, each signed in with their second
    factor (TOTP) passed: their session keys (cookie ``__Secure-sessionid``)."""
    result = django_json(env, DJANGO_SIDE, "django", "officers", str(call_id), str(n))
    return result["sessions"]


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


def step(message: str) -> None:
    """One line of progress, timestamped."""
    print(f"-- {time.strftime('%H:%M:%S')} {message}", flush=True)


def each_database_report(
    names: list[str], bench_one, render, *, results_dir: Path, prefix: str
) -> int:
    """``bench_one(name)`` for each database named (PostgreSQL skipped, and said so, when its
    binaries are missing), then ``render(results, machine)`` printed and written to
    ``results_dir/<prefix>-<time>.md``; the exit code."""
    results = []
    for name in names:
        if name == "PostgreSQL" and not postgres_available():
            step("PostgreSQL binaries not found: skipped")
            continue
        results.append(bench_one(name))
    text = render(results, machine_info())
    results_dir.mkdir(exist_ok=True)
    path = results_dir / f"{prefix}-{time.strftime('%Y%m%d-%H%M%S')}.md"
    path.write_text(text)
    print(text)
    print(f"\nWritten to {path}")
    return 0
