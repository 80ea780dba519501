"""Demo history of the 2023 cohort's « diagnostic partagé », in the order it happened:
interviews (September 2023), self-diagnostics and the workshop (September–October), the
synthesis (v1 with a change request, v2 validated in November); then the 2025 edition's, up to
its validated synthesis (``demo_2025``). Each step is idempotent."""

from __future__ import annotations

from coopess.calls.models import Call
from coopess.common.demo import DemoContext
from coopess.diagnostic.demo_2025 import demo_diagnostic_2025
from coopess.diagnostic.demo_base import DEMO_OFFICER
from coopess.diagnostic.demo_interviews import demo_interviews
from coopess.diagnostic.demo_selfdiag import demo_selfdiag
from coopess.diagnostic.demo_synthesis import demo_synthesis

__all__ = ["DEMO_OFFICER", "demo_diagnostic", "load"]


def demo_diagnostic(call_2023: Call, open_copy: Call | None = None) -> None:
    demo_interviews(call_2023, open_copy)
    demo_selfdiag(call_2023)
    demo_synthesis(call_2023)


def load(demo: DemoContext) -> None:
    """This app's step of ``coopess.common.demo.demo_load``."""
    demo_diagnostic(demo.seed_call, demo.open_copy)
    if demo.edition_2025 is not None:
        demo_diagnostic_2025(demo.edition_2025)
