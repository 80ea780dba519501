"""The client side of ``bench/diagnostic.py``: the pages and timelines it times, their
measurement in turns with the floor, the check that each page answers 200, the load-average
watcher, the call of the Django side (``python bench/diagnostic.py django …``, a subprocess) and
the booking race over HTTP (threads released by a barrier, messages read back). It owns no
report and no command line: ``bench/diagnostic.py`` drives it.
"""

from __future__ import annotations

import html
import http.client
import os
import re
import statistics
import threading
from pathlib import Path

from bench import harness

SCRIPT = Path(__file__).resolve().parent / "diagnostic.py"
SUCCESS = "Votre entretien est réservé"
TAKEN = "plus disponible"
MESSAGE = re.compile(r'<p class="message message-(\w+)">(.*?)</p>', re.S)


step = harness.step


class LoadWatch:
    """The machine's 1-minute load average, sampled every 5 s in a thread."""

    def __init__(self):
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append(os.getloadavg()[0])
            self._stop.wait(5)

    def __enter__(self) -> LoadWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=2)

    def describe(self) -> str:
        if not self.samples:
            return "n/a"
        return (
            f"{min(self.samples):.1f} to {max(self.samples):.1f} "
            f"(median {statistics.median(self.samples):.1f}, {len(self.samples)} samples)"
        )


def django(env: dict[str, str], *args: str, timeout: int = 600) -> dict:
    test_env = {**env, "ALLOWED_HOSTS": f"{harness.HOST},testserver"}
    return harness.django_json(test_env, SCRIPT, "django", *args, timeout=timeout)


# --- Pages ------------------------------------------------------------------------------------


def officer_pages(cohort_id: int) -> list[tuple[str, str]]:
    base = f"/diagnostic/cohortes/{cohort_id}/"
    return [
        ("page de la cohorte", base),
        ("créneaux d'entretien", base + "entretiens/"),
        ("carte des synergies", base + "synergies/"),
        ("carte des synergies, SVG", base + "synergies.svg"),
        ("aide à la décision", base + "aide-a-la-decision/"),
        ("synthèse", base + "synthese/"),
    ]


def structure_page(structure_id: int) -> str:
    return f"/diagnostic/structures/{structure_id}/"


# Timelines and the private calendar feed (``notifications`` app).
TIMELINE_LABELS = {
    "call": "frise de l'appel (chargée)",
    "cohort": "frise de la cohorte (chargée)",
    "structure": "frise de la structure (représentant·e)",
    "feed": "agenda iCalendar de la chargée (sans session)",
}


def timeline_paths(ids: dict) -> dict[str, str]:
    """``ids``: call_id, cohort_id, structure_id and feed_token (``_setup``'s ``timeline``)."""
    return {
        "call": f"/calendrier/appels/{ids['call_id']}/",
        "cohort": f"/calendrier/cohortes/{ids['cohort_id']}/",
        "structure": f"/calendrier/structures/{ids['structure_id']}/",
        "feed": f"/calendrier/flux/{ids['feed_token']}.ics",
    }


def timeline_counts(env, ids: dict) -> dict[str, int]:
    """SQL queries of the three timelines (officer, representative) and of the feed."""
    paths = timeline_paths(ids)
    counts = django(env, "count-queries", ids["officer_session"], paths["call"], paths["cohort"])
    counts.update(django(env, "count-queries", ids["representative_session"], paths["structure"]))
    counts.update(django(env, "count-anonymous", paths["feed"]))
    return {kind: counts[path] for kind, path in paths.items()}


def shown_path(path: str) -> str:
    """Ids and the feed's secret out of a path, for the report."""
    path = re.sub(r"/flux/[^/]+\.ics$", "/flux/<secret>.ics", path)
    return re.sub(r"/(cohortes|structures|appels)/\d+/", r"/\1/<id>/", path)


def measure_pages(server, pages, n: int, warmup: int, timeout: float) -> dict[str, list[float]]:
    """``pages``: (path, session key); one request each in turns, ``warmup`` rounds untimed.
    One client (connection) per session, one request at a time."""
    clients: dict[str, harness.Client] = {}
    for _, key in pages:
        if key not in clients:
            headers = dict(harness.REQUEST_HEADERS)
            if key:  # no key: an anonymous client (the calendar feed)
                headers["Cookie"] = f"{harness.SESSION_COOKIE}={key}"
            clients[key] = harness.Client(server.host, server.port, headers=headers)
            clients[key].connection.timeout = timeout
    samples: dict[str, list[float]] = {path: [] for path, _ in pages}
    try:
        for i in range(warmup + n):
            for path, key in pages:
                ms = clients[key].timed_get(path)
                if i >= warmup:
                    samples[path].append(ms)
        return samples
    finally:
        for client in clients.values():
            client.close()


def check_pages(server, pages) -> None:
    """Every page answers 200 itself (no redirect to sign-in or to the second factor)."""
    for path, key in pages:
        client = harness.SessionClient(server, key)
        response = client.get(path)
        if response.status != 200:
            raise harness.BenchError(
                f"GET {path} answered {response.status} {response.location}\n"
                f"{harness.tail(server.log)}"
            )


# --- The booking race -------------------------------------------------------------------------


def _messages(response: harness.Response) -> list[tuple[str, str]]:
    return [
        (tag, " ".join(html.unescape(text).split()))
        for tag, text in MESSAGE.findall(response.text())
    ]


def race(server, fresh: dict, slots: list[int], rounds: int, clients: int) -> dict:
    """``rounds`` rounds; in each, ``clients`` representatives book ``slots``' last one at once."""
    cohort_id = fresh["cohort_id"]
    officer = harness.SessionClient(server, fresh["officer_session"])
    people = fresh["representatives"][:clients]
    if len(people) < clients:
        raise harness.BenchError(f"only {len(people)} structures for {clients} clients")
    browsers = [harness.SessionClient(server, p["session"]) for p in people]
    # A first GET each: the CSRF cookie (and the check that each sees its own page).
    for person, browser in zip(people, browsers, strict=True):
        response = browser.get(structure_page(person["structure_id"]))
        if response.status != 200:
            raise harness.BenchError(f"structure page answered {response.status}")
    response = officer.get(f"/diagnostic/cohortes/{cohort_id}/entretiens/")
    if response.status != 200:
        raise harness.BenchError(f"slots page answered {response.status}")
    remaining = list(slots)
    out = {"rounds": [], "server_errors": 0, "anomalies": []}
    for number in range(1, rounds + 1):
        target = remaining.pop()  # the latest open slot
        barrier = threading.Barrier(clients)
        results: list[dict | None] = [None] * clients

        def attempt(i: int, target=target, barrier=barrier, results=results) -> None:
            person, browser = people[i], browsers[i]
            path = structure_page(person["structure_id"]) + "entretien/reserver/"
            try:
                barrier.wait(timeout=30)
                post = browser.post(path, {"slot": str(target)})
                page = browser.get(structure_page(person["structure_id"]))
            except (OSError, http.client.HTTPException, threading.BrokenBarrierError) as error:
                results[i] = {"outcome": "error", "detail": repr(error)}
                return
            texts = [text for _, text in _messages(page)]
            if post.status != 302:
                outcome = f"HTTP {post.status}"
            elif any(SUCCESS in t for t in texts):
                outcome = "booked"
            elif any(TAKEN in t for t in texts):
                outcome = "taken"
            else:
                outcome = "other"
            results[i] = {
                "outcome": outcome,
                "status": post.status,
                "ms": post.elapsed_ms,
                "sent_at": post.sent_at,
                "messages": texts,
                "structure_id": person["structure_id"],
            }

        threads = [threading.Thread(target=attempt, args=(i,), daemon=True) for i in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=harness.REQUEST_TIMEOUT * 3 + 30)
        done = [r or {"outcome": "error", "detail": "no answer (thread still running)"}
                for r in results]  # fmt: skip
        outcomes = [r["outcome"] for r in done]
        out["server_errors"] += sum(1 for r in done if r.get("status", 0) >= 500)
        sent = [r["sent_at"] for r in done if "sent_at" in r]
        record = {
            "round": number,
            "slot": target,
            "booked": outcomes.count("booked"),
            "taken": outcomes.count("taken"),
            "other": len(outcomes) - outcomes.count("booked") - outcomes.count("taken"),
            "spread_ms": (max(sent) - min(sent)) * 1000 if sent else None,
            "latencies_ms": [r.get("ms") for r in done],
            "results": done,
        }
        if record["booked"] != 1 or record["taken"] != clients - 1:
            out["anomalies"].append(
                f"round {number}: {outcomes} — "
                + "; ".join(f"{r.get('messages') or r.get('detail')}" for r in done)
            )
        out["rounds"].append(record)
        # Free the winner for the next round: the officer cancels its interview (the slot is
        # not published again, so the next round's slot is again the last one).
        if record["booked"] >= 1:
            cancel = officer.post(
                f"/diagnostic/cohortes/{cohort_id}/entretiens/{target}/annuler/", {}
            )
            page = officer.get(f"/diagnostic/cohortes/{cohort_id}/entretiens/")
            texts = [text for _, text in _messages(page)]
            if cancel.status != 302 or not any("Entretien annulé" in t for t in texts):
                raise harness.BenchError(
                    f"round {number}: the officer's cancellation answered {cancel.status} "
                    f"{texts}\n{harness.tail(server.log)}"
                )
    log = server.log.read_text(errors="replace")
    out["tracebacks"] = log.count("Traceback")
    return out
