"""The search ranks in SQL (``services.sql_score``) exactly as the documented scoring does."""

import random

import pytest

from coopess.applications.choices import CooperationForm, SharingDomain
from coopess.applications.models import ApplicationStructure
from coopess.finder import scoring, services
from coopess.finder.models import FinderProfile, Shown
from tests.applications.helpers import open_call
from tests.finder.helpers import applicant_structure, consent

pytestmark = pytest.mark.django_db

NAMES = ["Émeraude", "emeraude", "Alpha", "alpha", "Zèbre", "Œuvre", "Eau vive", "Bêta"]


def test_sql_and_python_rank_alike():
    rng = random.Random(16)
    call = open_call()
    domains = list(SharingDomain.values)
    for _index in range(60):
        structure = applicant_structure(
            call,
            f"{rng.choice(NAMES)} {rng.randint(1, 3)}",
            departement=rng.choice(["44", "49", "75", "13", ""]),
            naf_code=rng.choice(["88.99B", "88.10A", "94.99Z", ""]),
            employees=rng.choice([None, 0, 2, 4, 8, 15, 40]),
        )
        application = structure.application
        application.envisaged_forms = rng.sample(list(CooperationForm.values), rng.randint(0, 3))
        stage = rng.choice([None, *call.maturity_stages.all()])
        application.maturity_stage = stage
        application.save()
        ApplicationStructure.objects.filter(pk=structure.pk)  # refreshed by consent
        picked = rng.sample(domains, rng.randint(0, 5))
        cut = rng.randint(0, len(picked))
        consent(
            structure,
            needs=picked[:cut],
            resources=picked[cut:],
            shown=[s for s in Shown.values if rng.random() < 0.8 or s == Shown.DOMAINS],
        )
    profiles = list(FinderProfile.objects.all())
    pool = [services.to_scoring(p) for p in profiles]
    for seeker in rng.sample(profiles, 15):
        for limit in (5, 20, 100):
            expected = [
                (m.candidate.key, m.score, m.reasons)
                for m in scoring.rank(services.to_scoring(seeker), pool, limit=limit)
            ]
            got = [
                (r.profile.pk, r.match.score, r.match.reasons)
                for r in services.ranked(seeker, FinderProfile.objects.active(), limit=limit)
            ]
            assert got == expected, seeker.name
        domain = rng.choice(domains)
        expected = [
            m.candidate.key
            for m in scoring.rank(
                services.to_scoring(seeker),
                [p for p in pool if domain in p.needs or domain in p.resources],
            )
        ]
        got = [
            r.profile.pk
            for r in services.ranked(
                seeker, FinderProfile.objects.active(), domain=domain, limit=1000
            )
        ]
        assert got == expected
