"""The one time zone of CoopESS: deadlines, dates and hours are those of Paris (Europe/Paris),
whatever the server's clock. Every app reads ``PARIS`` from here (``coopess.calls.calendar``
re-exports it for the pages that show a call's calendar)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
