"""The synthesis demo: version 1 superseded with a change request, version 2 validated by every
structure with its frozen PDF, the cohort in the collective support."""

from __future__ import annotations

import hashlib

import pytest

from coopess.diagnostic.demo_synthesis import demo_synthesis
from coopess.diagnostic.models import SynthesisStatus
from coopess.selection.models import CohortStatus
from tests.diagnostic.test_synthesis_helpers import full_cohort

pytestmark = pytest.mark.django_db


def test_demo_history():
    setup = full_cohort()
    demo_synthesis(setup.call)
    demo_synthesis(setup.call)  # idempotent
    first, second = setup.cohort.syntheses.order_by("number")
    assert first.status == SynthesisStatus.SUPERSEDED
    change = first.reviews.get(verdict="changes")
    assert change.comments.get().section.key == "context"
    assert second.status == SynthesisStatus.VALIDATED
    assert second.validated_at.year == 2023
    assert second.reviews.filter(verdict="approved").count() == len(setup.structures)
    with second.pdf.open("rb") as stored:
        assert hashlib.sha256(stored.read()).hexdigest() == second.pdf_sha256
    assert "14 salariés" in second.sections.get(key="context").body
    setup.cohort.refresh_from_db()
    assert setup.cohort.status == CohortStatus.SUPPORT
