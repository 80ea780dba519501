"""The Django side of ``bench/diagnostic.py``, run in a subprocess with the bench's settings
(``python bench/diagnostic.py django <action>``, dispatched by ``main``): the sessions on the
demo's 2023 cohort and the fresh cohorts of 5 and 2 structures (``setup``), the anonymous SQL
query counts, the synthesis PDF and DOCX renders, and the database check after the booking
race. Each action prints its result as JSON on its last line.
"""

from __future__ import annotations

import datetime as dt
import json
import time

CALL_SLUG = "bench-diagnostic"
RACE_STRUCTURES = (2, 2, 1)  # a fresh cohort of 3 applications, 5 structures


def main(argv: list[str]) -> None:
    import django

    django.setup()
    action, *rest = argv
    if action == "setup":
        result = _setup(int(rest[0]))
    elif action == "count-queries":
        from bench.selection_django import _count_queries

        result = _count_queries(rest[0], rest[1:])
    elif action == "count-anonymous":
        result = _count_anonymous(rest)
    elif action == "render":
        result = _render(int(rest[0]), int(rest[1]))
    elif action == "race-check":
        result = _race_check(int(rest[0]))
    else:
        raise SystemExit(f"unknown action {action!r}")
    print(json.dumps(result))


def _setup(slots: int) -> dict:
    """Sessions on the demo's 2023 cohort; a fresh cohort of 5 structures with ``slots``
    published slots and a session for its officer and each structure's account."""
    from django.utils import timezone

    from bench.selection_django import _session
    from coopess.accounts.models import User
    from coopess.applications.models import ApplicationAccess
    from coopess.diagnostic.demo import DEMO_OFFICER
    from coopess.diagnostic.models import (
        Mode,
        ReviewVerdict,
        SynthesisStatus,
        SynthesisVersion,
    )
    from coopess.diagnostic.permissions import cohort_structures
    from coopess.diagnostic.services.cohort import diagnostic_start
    from coopess.diagnostic.services.interviews import Place, slots_publish
    from coopess.diagnostic.services.synthesis import (
        synthesis_circulate,
        synthesis_create,
        synthesis_review,
    )
    from coopess.selection.models import Cohort
    from tests.applications.helpers import open_call
    from tests.diagnostic.helpers import make_cohort

    # The demo: the 2023 cohort (the one whose synthesis v2 is validated).
    validated = (
        SynthesisVersion.objects.filter(status=SynthesisStatus.VALIDATED)
        .select_related("cohort")
        .order_by("pk")
        .first()
    )
    if validated is None:
        raise SystemExit("demo_load made no validated synthesis: no 2023 diagnostic to measure")
    cohort = validated.cohort
    structures = list(cohort_structures(cohort))
    accesses = list(
        ApplicationAccess.objects.filter(structure__in=structures)
        .select_related("user")
        .order_by("structure_id", "pk")
    )
    if not accesses:
        raise SystemExit("no account acts for a structure of the demo's 2023 cohort")
    wanted = ("paul.lemoine@example.org", "lea.dubois@example.org")  # as in docs/performance.md
    preferred = sorted(
        (a for a in accesses if a.user.email in wanted), key=lambda a: wanted.index(a.user.email)
    )
    access = (preferred or accesses)[0]
    demo = {
        "cohort_id": cohort.pk,
        "cohort_status": cohort.status,
        "call": cohort.call.slug,
        "structures": len(structures),
        "versions": list(cohort.syntheses.order_by("number").values_list("number", "status")),
        "validated_version_id": validated.pk,
        "officer_session": _session(DEMO_OFFICER)["session"],
        "representative": access.user.email,
        "structure_id": access.structure_id,
        "representative_session": _session(access.user.email)["session"],
    }

    # A fresh cohort of 5 structures, its diagnostic opened and slots published by services.
    call = open_call(slug=CALL_SLUG, receipt_prefix="BDIAG")
    setup = make_cohort(call, applications=RACE_STRUCTURES, seed=91)
    diagnostic_start(cohort=setup.cohort, by=setup.officer)
    published = []
    day = timezone.localdate() + dt.timedelta(days=30)
    slots = max(slots, 3)
    while len(published) < slots:
        count = min(10, slots - len(published))
        published += slots_publish(
            cohort=setup.cohort, officer=setup.officer, day=day, start=dt.time(9, 0),
            place=Place(mode=Mode.IN_PERSON, address="3 rue des Coopératives, Nantes"),
            count=count, minutes=30,
        )  # fmt: skip
        day += dt.timedelta(days=1)
    # A smaller fresh cohort (2 structures, 3 slots): the query counts must be the same.
    small = make_cohort(call, applications=(1, 1), seed=92)
    diagnostic_start(cohort=small.cohort, by=small.officer)
    slots_publish(
        cohort=small.cohort, officer=small.officer, day=day, start=dt.time(9, 0),
        place=Place(mode=Mode.IN_PERSON, address="3 rue des Coopératives, Nantes"),
        count=3, minutes=30,
    )  # fmt: skip
    # Both fresh cohorts get a synthesis v1 circulating, approved by their first structure:
    # the synthesis page then lists reviews and pending structures, whose count differs.
    for one in (setup, small):
        version = synthesis_create(cohort=one.cohort, by=one.officer)
        version = synthesis_circulate(version=version, by=one.officer)
        first = one.structures[0]
        synthesis_review(
            version=version, structure=first, by=one.person(first), verdict=ReviewVerdict.APPROVED
        )
    fresh_cohort = Cohort.objects.get(pk=setup.cohort.pk)
    fresh = {
        "cohort_id": fresh_cohort.pk,
        "cohort_status": fresh_cohort.status,
        "structures": len(setup.structures),
        "officer_session": _session(setup.officer.email)["session"],
        "slots": [s.pk for s in sorted(published, key=lambda s: s.starts_at)],
        "representatives": [
            {
                "structure_id": s.pk,
                "email": setup.person(s).email,
                "session": _session(setup.person(s).email)["session"],
            }
            for s in setup.structures
        ],
    }
    fresh["small"] = {
        "cohort_id": small.cohort.pk,
        "structures": len(small.structures),
        "officer_session": _session(small.officer.email)["session"],
        "structure_id": small.structures[0].pk,
        "representative_session": _session(small.person(small.structures[0]).email)["session"],
    }
    timeline = {
        "demo": _timeline_ids(
            call=cohort.call, cohort=cohort, officer=User.objects.get(email=DEMO_OFFICER),
            structure_id=access.structure_id, representative=access.user,
        ),
        "fresh": _timeline_ids(
            call=setup.call, cohort=setup.cohort, officer=setup.officer,
            structure_id=setup.structures[0].pk, representative=setup.person(setup.structures[0]),
        ),
        "small": _timeline_ids(
            call=small.call, cohort=small.cohort, officer=small.officer,
            structure_id=small.structures[0].pk, representative=small.person(small.structures[0]),
        ),
    }  # fmt: skip
    return {"demo": demo, "fresh": fresh, "timeline": timeline}


def _count_anonymous(paths: list[str]) -> dict:
    """``_count_queries`` without a session (the calendar feed is opened by its secret)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    counts = {}
    for path in paths:
        client.get(path, secure=True)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, secure=True)
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}")
        counts[path] = len(captured.captured_queries)
    return counts


def _timeline_ids(*, call, cohort, officer, structure_id, representative) -> dict:
    """What the timelines and the feed need: ids, sessions and a feed secret for ``officer``
    (made by the notifications service, as « Nouvelle adresse » does)."""
    from bench.selection_django import _session
    from coopess.diagnostic.permissions import officer_cohorts
    from coopess.notifications.services import feed_token_regenerate

    return {
        "call_id": call.pk,
        "call_cohorts": call.cohorts.count(),
        "cohort_id": cohort.pk,
        "structure_id": structure_id,
        "officer": officer.email,
        "officer_cohorts": len(list(officer_cohorts(officer))),
        "officer_session": _session(officer.email)["session"],
        "representative": representative.email,
        "representative_session": _session(representative.email)["session"],
        "feed_token": feed_token_regenerate(user=officer),
    }


def _render(version_id: int, n: int) -> dict:
    """Synthesis PDF: first render in this fresh process, then ``n`` more; DOCX ``n`` times."""
    from coopess.diagnostic.models import SynthesisVersion
    from coopess.diagnostic.synthesis_render import synthesis_docx, synthesis_pdf

    def load():
        return SynthesisVersion.objects.select_related("cohort", "cohort__call").get(pk=version_id)

    start = time.perf_counter()
    pdf = synthesis_pdf(load())
    cold = (time.perf_counter() - start) * 1000
    warm = []
    for _ in range(n):
        start = time.perf_counter()
        pdf = synthesis_pdf(load())
        warm.append((time.perf_counter() - start) * 1000)
    docx_ms = []
    for _ in range(n):
        start = time.perf_counter()
        docx = synthesis_docx(load())
        docx_ms.append((time.perf_counter() - start) * 1000)
    if not pdf.startswith(b"%PDF") or not docx.startswith(b"PK"):
        raise SystemExit("the synthesis files are not a PDF and a DOCX")
    return {
        "pdf_cold_ms": cold,
        "pdf_warm_ms": warm,
        "pdf_bytes": len(pdf),
        "docx_ms": docx_ms,
        "docx_bytes": len(docx),
    }


def _race_check(cohort_id: int) -> dict:
    """What the database holds after the race."""
    from django.db.models import Count

    from coopess.diagnostic.models import Interview, MeetingStatus

    interviews = Interview.objects.filter(cohort_id=cohort_id)
    live = interviews.filter(status=MeetingStatus.PLANNED, structure__isnull=False)
    per_structure = live.values("structure_id").annotate(n=Count("id"))
    return {
        "booked_then_cancelled": interviews.filter(
            status=MeetingStatus.CANCELLED, structure__isnull=False
        ).count(),
        "live_booked": live.count(),
        "max_live_per_structure": max((row["n"] for row in per_structure), default=0),
        "open_slots": interviews.filter(
            status=MeetingStatus.PLANNED, structure__isnull=True
        ).count(),
    }
