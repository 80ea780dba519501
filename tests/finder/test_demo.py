"""The partner finder's demo: consenting fictitious 2023 structures, loaded once."""

import pytest

from coopess.common.demo import demo_load
from coopess.finder.demo import demo_finder
from coopess.finder.models import ContactRequest, FinderProfile

pytestmark = pytest.mark.django_db


def test_demo_finder_creates_consenting_structures_once():
    demo_load()
    count = FinderProfile.objects.active().count()
    assert count >= 3
    demo_finder()
    assert FinderProfile.objects.active().count() == count
    assert ContactRequest.objects.count() == 1
    assert all(
        p.structure.representatives.filter(email__endswith="@example.org").exists()
        for p in FinderProfile.objects.all()
    )
