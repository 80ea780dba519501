"""The client side of ``bench/selection.py``: the signed-in officer's requests (session
cookie, the table pages timed in turns, the check that the table shows every row) and the
exports — a download read in 64 kB pieces (time to first byte, total time, size), the gunicorn
workers found in ``/proc``, warmed by concurrent clients, and the serving worker's memory
(VmRSS polled, VmHWM before and after). Also used by ``bench/reporting.py``.
"""

from __future__ import annotations

import http.client
import threading
import time
from pathlib import Path

from bench import harness

EXPORT_TIMEOUT = 600  # seconds: client socket and gunicorn worker timeout for the exports


def table_path(slug: str, query: str = "") -> str:
    return f"/instruction/appels/{slug}/" + (f"?{query}" if query else "")


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
