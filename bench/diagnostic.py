"""The « diagnostic partagé » pages, the synthesis files and the interview booking race:
``python bench/diagnostic.py``.

For each database (SQLite, then PostgreSQL): fresh database, production settings, ``migrate``,
``demo_load`` (its 2023 cohort has a full diagnostic: interviews, self-diagnostics, workshop,
action plan, synthesis v1 superseded and v2 validated), ``collectstatic``; gunicorn with 2 sync
workers on 127.0.0.1. Sessions are created server-side (``bench/selection_django.py`` ``_session``):
the demo officer (second factor recorded as passed) and a demo representative acting for a
structure of the 2023 cohort (found through ``ApplicationAccess``).

1. Pages, one sequential client, in turns with the floor ``/sante/``: the officer's cohort page,
   interview slots, synergy map and its SVG, decision aid, synthesis page; the representative's
   structure page; the timelines (``notifications``: the call's and the cohort's for the
   officer, the structure's for the representative) and the officer's private iCalendar feed
   (no session; its secret made by ``feed_token_regenerate``). Median, p95 and ratio to the
   floor's p95. ``--only-pages``: parts 1 and 2 only (no synthesis files, no race).
2. SQL queries per page (Django test client, second request), on the demo cohort and on two
   fresh cohorts of 5 and 2 structures (test helpers, then the diagnostic services: diagnostic
   opened, slots published, synthesis v1 circulating and approved by one structure): the counts
   must not depend on the number of structures. Same for the timelines and the feed (the call's
   timeline and the feed walk every cohort of the call / of the DLA: they grow per cohort).
3. The synthesis files in-process, in a fresh Django process: PDF (cold first render, then
   the median of ``--renders`` warm renders) and DOCX (median of ``--renders``).
4. PostgreSQL only: a booking race over HTTP. The fresh cohort's officer has published slots;
   ``--clients`` (5) threads, one signed-in representative of a different structure each, book
   the same slot — the latest open one, « the last slot » — at the same instant (a barrier),
   ``--rounds`` (20) times. Each round must give exactly one « Votre entretien est réservé »,
   the others « Ce créneau n'est plus disponible », and no server error; between rounds the
   officer cancels the winner's interview (without reopening the slot) so that every structure
   can race again. Run with gunicorn at 2 workers (as for the pages: at most 2 bookings in the
   database at once), then at 5 (``--race-workers 2,5``: one worker per client, the five
   conditional UPDATEs really overlap). Exit code 2 when a round or a check fails.

Everything is bounded: a fixed number of requests, socket and subprocess timeouts, an overall
``--timeout`` (SIGALRM); gunicorn and PostgreSQL are stopped on exit, error, Ctrl-C or SIGTERM.
Report: ``bench/results/diagnostic-<date>-<time>.md`` (and ``.json``, the raw samples).

This module owns the command line (``main``), one database's run and the report;
``bench/diagnostic_http.py`` the pages, timings and booking race over HTTP,
``bench/diagnostic_django.py`` the Django side (``python bench/diagnostic.py django …``).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import harness  # noqa: E402
from bench.diagnostic_django import RACE_STRUCTURES  # noqa: E402
from bench.diagnostic_http import (  # noqa: E402
    TIMELINE_LABELS,
    LoadWatch,
    check_pages,
    django,
    measure_pages,
    officer_pages,
    race,
    shown_path,
    step,
    structure_page,
    timeline_counts,
    timeline_paths,
)

THIS = Path(__file__).resolve()
RESULTS_DIR = THIS.parent / "results"
DATABASES = harness.DATABASES
FLOOR = "/sante/"


# --- One database -----------------------------------------------------------------------------


def bench_database(name: str, args: argparse.Namespace) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="coopess-bench-diag-"))
    out: dict = {"name": name}
    try:
        with harness.database(name, workdir) as db:
            env = harness.production_env(db.url, workdir)
            step(f"[{name}] migrate, demo_load, collectstatic")
            started = time.monotonic()
            harness.prepare_database(env)
            out["prepare_s"] = time.monotonic() - started
            run_race = name == "PostgreSQL" and not args.only_pages
            slots_needed = args.rounds * len(args.race_workers) if run_race else 0
            step(f"[{name}] sessions; fresh cohort of 5 structures, {slots_needed} slots")
            setup = django(env, "setup", str(slots_needed))
            out["setup"] = setup
            demo, fresh = setup["demo"], setup["fresh"]
            officer_demo = [(label, path, demo["officer_session"])
                            for label, path in officer_pages(demo["cohort_id"])]  # fmt: skip
            rep_demo = ("espace de la structure (représentant·e)",
                        structure_page(demo["structure_id"]), demo["representative_session"])  # fmt: skip
            demo_timelines = timeline_paths(setup["timeline"]["demo"])
            timeline_demo = [
                (TIMELINE_LABELS[kind], demo_timelines[kind], key)
                for kind, key in (
                    ("call", demo["officer_session"]),
                    ("cohort", demo["officer_session"]),
                    ("structure", demo["representative_session"]),
                    ("feed", None),
                )
            ]
            pages = [*officer_demo, rep_demo, *timeline_demo,
                     ("plancher", FLOOR, demo["officer_session"])]  # fmt: skip
            out["pages"] = [(label, path) for label, path, _ in pages]

            step(f"[{name}] SQL queries per page (Django test client), demo and fresh cohort")
            queries = {}
            queries.update(django(env, "count-queries", demo["officer_session"],
                                  *[p for _, p, _ in officer_demo], FLOOR))  # fmt: skip
            queries.update(django(env, "count-queries", demo["representative_session"],
                                  rep_demo[1]))  # fmt: skip
            out["queries"] = queries
            fresh_officer = [p for _, p in officer_pages(fresh["cohort_id"])]
            fresh_rep = structure_page(fresh["representatives"][0]["structure_id"])
            fresh_queries = django(env, "count-queries", fresh["officer_session"], *fresh_officer)
            fresh_queries.update(
                django(env, "count-queries", fresh["representatives"][0]["session"], fresh_rep)
            )
            small = fresh["small"]
            small_officer = [p for _, p in officer_pages(small["cohort_id"])]
            small_queries = django(env, "count-queries", small["officer_session"], *small_officer)
            small_queries.update(
                django(env, "count-queries", small["representative_session"],
                       structure_page(small["structure_id"]))
            )  # fmt: skip
            out["small_queries"] = {
                label: small_queries[path]
                for (label, _), path in zip(
                    [*officer_pages(0), ("rep", "")],
                    [*small_officer, structure_page(small["structure_id"])],
                    strict=True,
                )
            }
            out["fresh_queries"] = {
                label: fresh_queries[path]
                for (label, _), path in zip(
                    [*officer_pages(0), ("rep", "")], [*fresh_officer, fresh_rep], strict=True
                )
            }
            step(f"[{name}] SQL queries of the timelines and the feed: demo, fresh cohorts")
            out["timeline_queries"] = {
                which: timeline_counts(env, ids) for which, ids in setup["timeline"].items()
            }
            out["queries"].update(
                {
                    path: out["timeline_queries"]["demo"][kind]
                    for kind, path in demo_timelines.items()
                }
            )

            if not args.only_pages:
                step(f"[{name}] synthesis PDF and DOCX in a fresh process")
                out["render"] = django(env, "render", str(demo["validated_version_id"]),
                                       str(args.renders), timeout=900)  # fmt: skip

            step(f"[{name}] gunicorn -w {args.workers}: {args.warmup} warm-up + "
                 f"{args.requests} timed requests per page, in turns")  # fmt: skip
            with harness.start_gunicorn(env, workdir, workers=args.workers) as server:
                check_pages(server, [(p, k) for _, p, k in pages])
                samples = measure_pages(
                    server, [(p, k) for _, p, k in pages], args.requests, args.warmup,
                    args.client_timeout,
                )  # fmt: skip
            out["samples"] = samples
            out["summaries"] = {p: harness.summarize(s) for p, s in samples.items()}

            if run_race:
                out["races"] = []
                slots = fresh["slots"]
                for index, workers in enumerate(args.race_workers):
                    mine = slots[index * args.rounds : (index + 1) * args.rounds]
                    step(f"[{name}] booking race: gunicorn -w {workers}, {args.rounds} rounds "
                         f"of {args.clients} clients")  # fmt: skip
                    with harness.start_gunicorn(env, workdir, workers=workers) as server:
                        result = race(server, fresh, mine, args.rounds, args.clients)
                    result["workers"] = workers
                    result["database"] = django(env, "race-check", str(fresh["cohort_id"]))
                    out["races"].append(result)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return out


# --- Report -----------------------------------------------------------------------------------


def fmt(x: float) -> str:
    return f"{x:.1f}"


def report(results, args, machine, load, started, elapsed) -> str:
    rows = []
    query_rows = []
    render_rows = []
    race_rows = []
    timeline_rows = []
    timeline_notes = []
    messages_seen = []
    verdicts = []
    for r in results:
        name = r["name"]
        floor = r["summaries"][FLOOR]
        for label, path in r["pages"]:
            s = r["summaries"][path]
            shown = shown_path(path)
            rows.append([name, f"{label} `{shown}`", fmt(s.median), fmt(s.p95),
                         f"{s.median / floor.median:.1f}", f"{s.p95 / floor.p95:.1f}",
                         str(r["queries"][path])])  # fmt: skip
        demo = r["setup"]["demo"]
        fresh_q = r["fresh_queries"]
        for (label, path), fresh_label in zip(
            [*officer_pages(0), ("espace de la structure", "")],
            [*[lab for lab, _ in officer_pages(0)], "rep"],
            strict=True,
        ):
            demo_path = (
                structure_page(demo["structure_id"]) if fresh_label == "rep"
                else path.replace("/0/", f"/{demo['cohort_id']}/")
            )  # fmt: skip
            query_rows.append(
                [name, label, str(r["queries"][demo_path]), str(fresh_q[fresh_label]),
                 str(r["small_queries"][fresh_label])]
            )  # fmt: skip
        tq = r["timeline_queries"]
        ids = r["setup"]["timeline"]
        for kind, label in TIMELINE_LABELS.items():
            timeline_rows.append(
                [name, label, *(str(tq[w][kind]) for w in ("demo", "fresh", "small"))]
            )
        timeline_notes.append(
            f"- {name}: cohorts in the call — demo {ids['demo']['call_cohorts']}, fresh call "
            f"{ids['fresh']['call_cohorts']}; cohorts in the officer's feed — demo "
            f"{ids['demo']['officer_cohorts']}, fresh {ids['fresh']['officer_cohorts']} / "
            f"{ids['small']['officer_cohorts']}; demo representative {ids['demo']['representative']}."
        )
        same_timelines = all(
            tq["fresh"][kind] == tq["small"][kind] == tq["demo"][kind]
            for kind in ("cohort", "structure")
        )
        verdicts.append(
            f"- {name}: cohort and structure timelines "
            + ("constant" if same_timelines else "NOT CONSTANT")
            + f" (demo, 5 and 2 structures: {tq['demo']['cohort']}/{tq['fresh']['cohort']}/"
            f"{tq['small']['cohort']} and {tq['demo']['structure']}/{tq['fresh']['structure']}/"
            f"{tq['small']['structure']}); call timeline {tq['demo']['call']} queries for "
            f"{ids['demo']['call_cohorts']} cohort(s), {tq['fresh']['call']} for "
            f"{ids['fresh']['call_cohorts']}; feed {tq['demo']['feed']} for "
            f"{ids['demo']['officer_cohorts']}, {tq['fresh']['feed']} for "
            f"{ids['fresh']['officer_cohorts']}."
        )
        x = r.get("render")
        if x is not None:
            render_rows.append([name, "PDF, premier rendu (processus neuf)",
                                fmt(x["pdf_cold_ms"]), f"{x['pdf_bytes'] / 1024:.0f}"])  # fmt: skip
            render_rows.append([name, f"PDF, médiane de {len(x['pdf_warm_ms'])} rendus suivants",
                                fmt(statistics.median(x["pdf_warm_ms"])),
                                f"{x['pdf_bytes'] / 1024:.0f}"])  # fmt: skip
            render_rows.append([name, f"DOCX, médiane de {len(x['docx_ms'])}",
                                fmt(statistics.median(x["docx_ms"])),
                                f"{x['docx_bytes'] / 1024:.0f}"])  # fmt: skip
        for race_result in r.get("races", []):
            rounds = race_result["rounds"]
            ok = sum(1 for x in rounds if x["booked"] == 1 and x["taken"] == args.clients - 1)
            spreads = [x["spread_ms"] for x in rounds if x["spread_ms"] is not None]
            latencies = [ms for x in rounds for ms in x["latencies_ms"] if ms is not None]
            db = race_result["database"]
            race_rows.append([
                name, str(race_result["workers"]), str(len(rounds)),
                f"{ok} / {len(rounds)}",
                str(sum(x["booked"] for x in rounds)), str(sum(x["taken"] for x in rounds)),
                str(sum(x["other"] for x in rounds)),
                f"{race_result['server_errors']} / {race_result['tracebacks']}",
                f"{statistics.median(spreads):.1f} / {max(spreads):.1f}" if spreads else "–",
                f"{statistics.median(latencies):.0f} / {harness.percentile(latencies, 95):.0f}",
                f"{db['booked_then_cancelled']} / {db['live_booked']} / "
                f"{db['max_live_per_structure']}",
            ])  # fmt: skip
            said = Counter(
                m for x in rounds for res in x["results"] for m in res.get("messages", [])
            )
            messages_seen.append(
                f"- {name}, {race_result['workers']} workers: "
                + "; ".join(f"{n} × « {m} »" for m, n in said.most_common())
            )
            verdicts.append(
                f"- {name}, race with {race_result['workers']} workers: {ok}/{len(rounds)} rounds "
                f"with exactly one booking and {args.clients - 1} « plus disponible »; "
                f"{race_result['server_errors']} server errors, {race_result['tracebacks']} "
                f"tracebacks in the log."
                + ("" if not race_result["anomalies"] else
                   " ANOMALIES: " + " | ".join(race_result["anomalies"][:5]))
            )  # fmt: skip
        same = r["fresh_queries"] == r["small_queries"]
        verdicts.append(
            f"- {name}: SQL queries per page "
            + ("identical" if same else "DIFFERENT")
            + f" on fresh cohorts of {r['setup']['fresh']['structures']} and "
            f"{r['setup']['fresh']['small']['structures']} structures; the demo cohort "
            f"({demo['structures']} structures, full history) in the table."
        )
    table = harness.markdown_table(
        ["base", "page", "médiane ms", "p95 ms", "médiane / plancher", "p95 / plancher",
         "requêtes SQL"], rows)  # fmt: skip
    queries_table = harness.markdown_table(
        [
            "base",
            "page",
            "cohorte de démo (5 structures, diagnostic complet)",
            "cohorte neuve, 5 structures ¹",
            "cohorte neuve, 2 structures ¹",
        ],
        query_rows,
    )
    render_table = harness.markdown_table(
        ["base", "rendu", "ms", "Ko"], render_rows
    ) if render_rows else "(not run: --only-pages)"  # fmt: skip
    timeline_table = harness.markdown_table(
        ["base", "page", "démo, cohorte 2023 (5 structures)", "cohorte neuve, 5 structures ¹",
         "cohorte neuve, 2 structures ¹"],
        timeline_rows,
    )  # fmt: skip
    race_table = harness.markdown_table(
        ["base", "workers", "manches", "manches correctes", "réservé", "« plus disponible »",
         "autre", "5xx / traces", "écart des envois ms (médiane / max)",
         "latence POST ms (médiane / p95)", "base : réservés puis annulés / vivants / max par structure"],
        race_rows,
    ) if race_rows else "(race not run)"  # fmt: skip
    machine_lines = "\n".join(f"- {k}: {v}" for k, v in machine.items())
    conditions = (
        f"gunicorn `config.wsgi`, {args.workers} sync workers, production settings, demo data "
        f"(`demo_load`); sessions created server-side (demo officer with the second factor "
        f"recorded; a demo representative of a 2023 cohort structure); one sequential client, "
        f"{args.warmup} warm-up then {args.requests} timed requests per page, pages in turns "
        f"with the floor `/sante/` (sent with the officer's session). Queries: Django test "
        f"client, second request. Renders: `synthesis_pdf` / `synthesis_docx` of the validated "
        f"v2 in a fresh Django process. Race: {args.clients} threads released by a barrier, "
        f"one signed-in representative each, POST `…/entretien/reserver/` for the same (latest "
        f"open) slot, then GET of their page to read the message; {args.rounds} rounds."
        f" Timelines: the demo officer (call, cohort) and representative (structure); the "
        f"officer's calendar feed without a session, its secret made by "
        f"`feed_token_regenerate`."
        + (" `--only-pages`: no synthesis files, no race." if args.only_pages else "")
    )
    return (
        f"# Benchmark `diagnostic` — {started:%Y-%m-%d %H:%M %z}\n\n{conditions}\n\n"
        f"Machine:\n{machine_lines}\n- Load average (1 min) during the run: {load}\n\n"
        f"## Pages\n\n{table}\n\n## SQL queries: demo cohort vs a fresh cohort\n\n"
        f"{queries_table}\n\n¹ diagnostic opened, slots published, synthesis v1 circulating and "
        f"approved by one structure (the demo's: v1 superseded, v2 validated, past interviews)."
        f"\n\n## SQL queries: timelines and calendar feed\n\n{timeline_table}\n\n"
        f"The call timeline and the feed walk every cohort of the call / of the officer's DLA "
        f"(the two fresh cohorts share a call and a DLA):\n"
        + "\n".join(timeline_notes)
        + f"\n\n## Synthesis files (in-process)\n\n{render_table}\n\n"
        f"## Booking race (PostgreSQL)\n\n{race_table}\n\n"
        f"Messages read by the clients after their POST:\n" + "\n".join(messages_seen) + "\n\n"
        "Verdicts:\n" + "\n".join(verdicts) + f"\n\nRun time: {elapsed:.0f} s.\n"
    )


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per page first")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers for the pages")
    parser.add_argument("--renders", type=int, default=5, help="warm PDF and DOCX renders")
    parser.add_argument("--rounds", type=int, default=20, help="booking race rounds")
    parser.add_argument("--clients", type=int, default=5, help="concurrent bookers (≤ 5)")
    parser.add_argument(
        "--race-workers", default="2,5", help="gunicorn workers for the race, comma-separated"
    )
    parser.add_argument("--client-timeout", type=float, default=30)
    parser.add_argument("--timeout", type=int, default=1800, help="overall limit in seconds")
    parser.add_argument("--output", type=Path, help="results file (default: bench/results/)")
    parser.add_argument(
        "--only-pages", action="store_true",
        help="pages, timelines, feed and SQL queries only: no synthesis files, no booking race",
    )  # fmt: skip
    args = parser.parse_args(argv)
    args.databases = [d.strip().lower() for d in args.databases.split(",") if d.strip()]
    if not args.databases or set(args.databases) - set(DATABASES):
        parser.error(f"--databases: choose among {', '.join(DATABASES)}")
    try:
        args.race_workers = [int(w) for w in args.race_workers.split(",") if w.strip()]
    except ValueError:
        parser.error("--race-workers: integers, comma-separated")
    if not args.race_workers or not all(1 <= w <= 16 for w in args.race_workers):
        parser.error("--race-workers must be 1..16")
    if not 1 <= args.requests <= 10_000 or not 0 <= args.warmup <= 10_000:
        parser.error("--requests must be 1..10000, --warmup 0..10000")
    if not 1 <= args.renders <= 50 or not 1 <= args.rounds <= 200:
        parser.error("--renders must be 1..50, --rounds 1..200")
    if not 2 <= args.clients <= sum(RACE_STRUCTURES):
        parser.error(f"--clients must be 2..{sum(RACE_STRUCTURES)}")
    if not 1 <= args.workers <= 16 or not 1 <= args.client_timeout <= 600:
        parser.error("--workers must be 1..16, --client-timeout 1..600")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    machine = harness.machine_info()
    started = dt.datetime.now().astimezone()
    results = []
    load = LoadWatch()

    def work() -> None:
        with load:
            results.extend(
                harness.each_database(args.databases, lambda name: bench_database(name, args))
            )

    _, failed = harness.run_bounded(work, args.timeout)
    if failed is not None:
        return failed
    elapsed = (dt.datetime.now().astimezone() - started).total_seconds()
    machine["Load average at the end (1, 5, 15 min)"] = " ".join(
        f"{x:.2f}" for x in os.getloadavg()
    )
    text = report(results, args, machine, load.describe(), started, elapsed)
    print()
    print(text)
    output = args.output or RESULTS_DIR / f"diagnostic-{started:%Y-%m-%d-%H%M}.md"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    raw = {
        "started": started.isoformat(),
        "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "machine": machine,
        "load_samples": load.samples,
        "results": [
            {k: v for k, v in r.items() if k != "summaries"}
            | {"summaries": {p: vars(s) for p, s in r["summaries"].items()}}
            for r in results
        ],
    }
    output.with_suffix(".json").write_text(json.dumps(raw, indent=1, default=str), "utf-8")
    print(f"Written to {output} (raw samples: {output.with_suffix('.json').name})")
    bad = any(
        race["anomalies"] or race["server_errors"] or race["tracebacks"]
        for r in results
        for race in r.get("races", [])
    )
    return 2 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "django":
        from bench import diagnostic_django

        with contextlib.suppress(BrokenPipeError):
            diagnostic_django.main(sys.argv[2:])
    else:
        sys.exit(main())
