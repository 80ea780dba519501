"""The competition pages next to the floor: ``python bench/competition.py``.

In-process (Django test client, test settings, a fresh SQLite test database; no gunicorn):
a cohort with a consultation of ``--providers`` consulted providers (3, then 30), each having
submitted a proposal and been marked once. Timed, ``--requests`` times each after a warm-up
of 20, taken in turns: the home page (the floor: the cheapest page of the site, same stack),
the officer's consultation page (terms, comparison table, marks, log), the directory of
providers (each consulted provider also has one past engagement of its own, on another cohort,
with a held session, its attendance and the DLA's satisfaction), and a provider's secret-link
page. SQL queries are counted per page; they must not
grow with the providers (the officer's comparison prefetches the marks). Results printed as a
Markdown table; see docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("COOPESS_ENV", "test")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from bench import harness  # noqa: E402


def build(providers: int, call=None):
    from decimal import Decimal

    import time_machine

    from coopess.competition.services import consultation as services
    from coopess.competition.services import proposals as proposal_services
    from tests.competition.helpers import make_consultation, send, submit
    from tests.diagnostic.helpers import make_cohort

    setup = make_cohort(call, seed=providers)
    consultation = send(setup, make_consultation(setup, providers=providers))
    consulted = list(consultation.consulted.all())
    for item in consulted:
        proposal = submit(item)
        proposal_services.score_save(
            proposal=proposal,
            by=setup.officer,
            marks={c["key"]: Decimal(14) for c in consultation.criteria},
            no_conflict=True,
        )
    with time_machine.travel(consultation.deadline, tick=False):
        services.consultation_close(consultation=consultation, by=setup.officer)
    return setup, consulted[0]


def add_history(setup, consulted) -> None:
    """The directory case: one past engagement per consulted provider (matched by the firm's
    name), each with a held session (attendance recorded) and a satisfaction mark."""
    from coopess.competition.services.directory import engagement_review_save
    from tests.diagnostic.helpers import make_cohort
    from tests.support.helpers import held, make_support, plan

    for index, item in enumerate(consulted):
        past = make_cohort(setup.call, seed=1000 + 100 * len(consulted) + index)
        support = make_support(past, consultant_email=f"bench.{past.cohort.pk}@example.org")
        firm = support.engagement.firm
        firm.name = item.provider.name
        firm.save(update_fields=["name"])
        held(plan(support), by=support.officer)
        engagement_review_save(engagement=support.engagement, satisfaction=1 + index % 5)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import reverse

    from tests.conftest import sign_in

    setup_test_environment()
    connection.creation.create_test_db(verbosity=0)
    rows = []
    call = None
    for providers in (3, 30):
        setup, consulted = build(providers, call)
        call = setup.call
        add_history(setup, list(setup.cohort.consultation.consulted.select_related("provider")))
        client = Client()
        sign_in(client, setup.officer)
        anonymous = Client()
        pages = [
            ("accueil (plancher)", anonymous, "/"),
            ("mise en concurrence (officer)", client, reverse("competition:consultation", args=[setup.cohort.pk])),
            ("annuaire des prestataires", client, reverse("competition:providers")),
            ("lien du prestataire", anonymous, reverse("competition:provider_home", args=[consulted.token])),
        ]  # fmt: skip
        samples = {name: [] for name, _, _ in pages}
        for _ in range(20):
            for _, c, path in pages:
                assert c.get(path).status_code == 200
        for _ in range(args.requests):
            for name, c, path in pages:
                start = time.perf_counter()
                c.get(path)
                samples[name].append((time.perf_counter() - start) * 1000)
        for name, c, path in pages:
            with CaptureQueriesContext(connection) as queries:
                c.get(path)
            s = harness.summarize(samples[name])
            rows.append(
                [str(providers), name, f"{s.median:.1f}", f"{s.p95:.1f}", str(len(queries))]
            )
    print(
        harness.markdown_table(
            ["prestataires", "page", "médiane (ms)", "p95 (ms)", "requêtes SQL"], rows
        )
    )


if __name__ == "__main__":
    main()
