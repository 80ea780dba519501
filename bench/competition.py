"""The competition pages next to the floor: ``python bench/competition.py``.

In-process (Django test client, test settings, a fresh test database — SQLite, or PostgreSQL
when ``DATABASE_URL`` names one, e.g. from ``scripts/pg_throwaway.sh start DIR``; no gunicorn):
a cohort with a consultation of ``--providers`` consulted providers (3, then 30), each having
submitted a proposal and been marked once. Timed, ``--requests`` times each after a warm-up
of 20, taken in turns: the home page (the floor: the cheapest page of the site, same stack),
the officer's consultation page (terms and their versions, comparison table, marks, log), a
draft consultation's page offering every provider of the directory (one in three closed), the
directory of providers (each consulted provider also has one past engagement of its own, on another
cohort, with a held session, its attendance and the DLA's satisfaction), and — signed in with the
account that accepted its invitation — a provider's « Mes consultations » list and its
consultation page. SQL queries are counted per page; they must not
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


def add_draft(setup, providers: int):
    """A second cohort of the DLA whose consultation is a draft: its page offers every provider
    of the directory to consult, one in three found closed (shown disabled with the reason)."""
    from coopess.competition.models import LookupStatus, Provider
    from tests.competition.helpers import make_consultation
    from tests.diagnostic.helpers import make_cohort

    draft = make_cohort(setup.call, seed=500 + providers)
    make_consultation(draft, providers=0)
    ids = list(Provider.objects.filter(operator=setup.call.operator).values_list("pk", flat=True))
    Provider.objects.filter(pk__in=ids[::3]).update(lookup_status=LookupStatus.CLOSED)
    return draft


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


def time_pages(pages, requests: int, size: str) -> list[list[str]]:
    """Time ``pages`` ((name, client, path), all expected 200) in turns: 20 warm-up rounds,
    then ``requests`` timed rounds; one table row per page: size, name, median, p95, and the
    SQL queries of one more request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    samples = {name: [] for name, _, _ in pages}
    for _ in range(20):
        for _, c, path in pages:
            assert c.get(path).status_code == 200
    for _ in range(requests):
        for name, c, path in pages:
            start = time.perf_counter()
            c.get(path)
            samples[name].append((time.perf_counter() - start) * 1000)
    rows = []
    for name, c, path in pages:
        with CaptureQueriesContext(connection) as queries:
            c.get(path)
        s = harness.summarize(samples[name])
        rows.append([size, name, f"{s.median:.1f}", f"{s.p95:.1f}", str(len(queries))])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from tests.conftest import sign_in

    setup_test_environment()
    connection.creation.create_test_db(verbosity=0)
    print(f"Base de données : {connection.vendor}")
    rows = []
    call = None
    for providers in (3, 30):
        setup, consulted = build(providers, call)
        call = setup.call
        add_history(setup, list(setup.cohort.consultation.consulted.select_related("provider")))
        draft = add_draft(setup, providers)
        client = Client()
        sign_in(client, setup.officer)
        anonymous = Client()
        provider = Client()
        sign_in(provider, consulted.user)
        pages = [
            ("accueil (plancher)", anonymous, "/"),
            ("mise en concurrence (officer)", client, reverse("competition:consultation", args=[setup.cohort.pk])),
            ("mise en concurrence en brouillon (choix du prestataire)", client, reverse("competition:consultation", args=[draft.cohort.pk])),
            ("annuaire des prestataires", client, reverse("competition:providers")),
            ("mes consultations (prestataire connecté)", provider, reverse("competition:provider_consultations")),
            ("consultation du prestataire (connecté)", provider, reverse("competition:provider_home", args=[consulted.pk])),
        ]  # fmt: skip
        rows += time_pages(pages, args.requests, str(providers))
    print(
        harness.markdown_table(
            ["prestataires", "page", "médiane (ms)", "p95 (ms)", "requêtes SQL"], rows
        )
    )
    print()
    print(committee_bench(args.requests))


def build_committee(providers: int, members: int, call=None):
    """A closed consultation of ``providers`` proposals marked by the officer and by
    ``members`` comité d'appui members (one conflict declared per member)."""
    from decimal import Decimal

    import time_machine

    from coopess.accounts.models import Role
    from coopess.competition.models import CommitteeMember
    from coopess.competition.services import committee as committee_services
    from coopess.competition.services import consultation as services
    from coopess.competition.services import proposals as proposal_services
    from tests.competition.helpers import make_consultation, send, submit
    from tests.diagnostic.helpers import make_cohort
    from tests.factories import add_totp, make_user

    setup = make_cohort(call, seed=1000 + providers)
    consultation = send(setup, make_consultation(setup, providers=providers))
    for item in consultation.consulted.all():
        proposal_services.score_save(
            proposal=submit(item),
            by=setup.officer,
            marks={c["key"]: Decimal(14) for c in consultation.criteria},
            no_conflict=True,
        )
    committee_services.committee_configure(
        consultation=consultation, by=setup.officer, committee_scores=True
    )
    people = []
    for _ in range(members):
        member = make_user(Role.REVIEWER, organisation=setup.call.operator)
        add_totp(member)
        committee_services.committee_member_assign(
            consultation=consultation, member=member, by=setup.officer
        )
        people.append(member)
    with time_machine.travel(consultation.deadline, tick=False):
        consultation = services.consultation_close(consultation=consultation, by=setup.officer)
    proposals = list(consultation.proposals.order_by("pk"))
    marks = {c["key"]: Decimal(13) for c in consultation.criteria}
    for index, member in enumerate(people):
        assigned = CommitteeMember.objects.get(consultation=consultation, member=member)
        for position, proposal in enumerate(proposals):
            conflict = position == index
            committee_services.member_declare(
                assigned=assigned, proposal=proposal, has_conflict=conflict
            )
            if not conflict:
                committee_services.member_score(assigned=assigned, proposal=proposal, marks=marks)
    return setup, consultation, people[0]


def committee_bench(requests: int) -> str:
    """The comité d'appui's pages (helper of issue 14): the member's list and consultation page
    (every proposal declared and marked, the others' marks shown), the officer's comparison
    with every member's marks, next to the floor; 3 then 30 proposals, 3 then 6 members."""

    from django.test import Client
    from django.urls import reverse

    from tests.conftest import sign_in
    from tests.factories import make_seed_call

    call = make_seed_call(slug="banc-comite-appui")  # its own DLA: its own directory
    rows = []
    for providers, members in ((3, 3), (30, 6)):
        setup, consultation, member = build_committee(providers, members, call)
        officer, reviewer, anonymous = Client(), Client(), Client()
        sign_in(officer, setup.officer)
        sign_in(reviewer, member)
        pages = [
            ("accueil (plancher)", anonymous, "/"),
            ("comité d'appui : liste (membre)", reviewer, reverse("competition:committee_home")),
            ("comité d'appui : propositions (membre)", reviewer, reverse("competition:committee_consultation", args=[consultation.pk])),
            ("comparaison avec le comité (officer)", officer, reverse("competition:consultation", args=[setup.cohort.pk])),
        ]  # fmt: skip
        rows += time_pages(pages, requests, f"{providers} / {members}")
    return harness.markdown_table(
        ["propositions / membres", "page", "médiane (ms)", "p95 (ms)", "requêtes SQL"], rows
    )


if __name__ == "__main__":
    main()
