"""The competition pages next to the floor: ``python bench/competition.py``.

In-process (Django test client, test settings, a fresh SQLite test database; no gunicorn):
a cohort with a consultation of ``--providers`` consulted providers (3, then 30), each having
submitted a proposal and been marked once. Timed, ``--requests`` times each after a warm-up
of 20, taken in turns: the home page (the floor: the cheapest page of the site, same stack),
the officer's consultation page (terms and their versions, comparison table, marks, log), the
directory of providers, and — signed in with the account that accepted its invitation — a
provider's « Mes consultations » list and its consultation page. SQL queries are counted per page; they must not
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
    from tests.competition.helpers import make_consultation, provider_user, send, submit
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
    provider_user(consulted[0])
    return setup, consulted[0]


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
        client = Client()
        sign_in(client, setup.officer)
        anonymous = Client()
        provider = Client()
        sign_in(provider, consulted.user)
        pages = [
            ("accueil (plancher)", anonymous, "/"),
            ("mise en concurrence (officer)", client, reverse("competition:consultation", args=[setup.cohort.pk])),
            ("annuaire des prestataires", client, reverse("competition:providers")),
            ("mes consultations (prestataire connecté)", provider, reverse("competition:provider_consultations")),
            ("consultation du prestataire (connecté)", provider, reverse("competition:provider_home", args=[consulted.pk])),
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
