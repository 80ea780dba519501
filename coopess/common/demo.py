"""The demo data that ``make run`` loads, step by step in the order of the process.

Each app owns its demo in ``coopess/<app>/demo.py`` with a ``load(demo: DemoContext)`` function
(idempotent); ``demo_load`` imports them by name, in ``DEMO_STEPS`` order, and hands each the
same ``DemoContext`` (the day, the organisations, the calls), so that this module imports no
app above ``common``. The demo is fictitious people at example.org, the seed call as published
in 2023 (closed, its whole history), its 2025 edition (closed, its history up to the validated
synthesis: the cohort a newcomer runs the competition on) and a copy of it whose calendar is
shifted to open today.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.db import transaction
from django.utils import timezone

from coopess.common.demo_calendar import at_paris, demo_today

DEMO_STAFF_PASSWORD = "demo-coopess-2026"
#: a newcomer always has at least this long to try the open copy before it closes
OPEN_COPY_MIN_LEFT = dt.timedelta(weeks=6)
SEED_SLUG = "cooperation-strategique-2023"
OPEN_COPY_SLUG = "cooperation-strategique-demo"
#: the 2025 edition: fixed dates two years after the seed's, stopped at the validated synthesis
EDITION_2025_SLUG = "cooperation-strategique-2025"

#: each app's demo module, in the order of the process (a new app adds its step here)
DEMO_STEPS = (
    "coopess.accounts.demo",  # people and organisations
    "coopess.calls.demo",  # the 2023 call and its open copy
    "coopess.reporting.demo",  # the DLA's 2023 commentary (needs only the DLA)
    "coopess.applications.demo",
    "coopess.selection.demo",
    # the 2023 cohort's later history, step by step
    "coopess.diagnostic.demo",
    "coopess.support.demo",
    # the consultation that chose the engagement's firm: written after it, so that its chosen
    # proposal repeats the engagement's figures
    "coopess.competition.demo",
    "coopess.followups.demo",
    "coopess.privacy.demo",
    "coopess.finder.demo",
    "coopess.api.demo",
)


@dataclass
class DemoContext:
    """What the steps share: filled by the first steps (accounts, calls), read by the next."""

    today: dt.date
    moment: dt.datetime
    organisations: dict[str, Any] = field(default_factory=dict)
    accounts: list = field(default_factory=list)
    seed_call: Any = None
    open_copy: Any = None
    edition_2025: Any = None


@transaction.atomic
def demo_load(*, today: dt.date | None = None) -> list:
    """Create the demo data if missing; make sure the open copy is open ``today`` and stays open
    at least six weeks more (otherwise its calendar moves to open today again). Returns the
    demo accounts (``coopess.accounts.demo.DemoAccount``)."""
    moment = timezone.now() if today is None else at_paris(today, dt.time(12))
    demo = DemoContext(today=today or demo_today(), moment=moment)
    for step in DEMO_STEPS:
        import_module(step).load(demo)
    return demo.accounts
