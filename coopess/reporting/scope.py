"""What a report covers: the calls a reader may see, optionally one call or one cohort, and a
period whose boundaries are midnights in Europe/Paris.

An event is counted in the period where it happened: an application on its submission, a
decision when it was taken, an interview or a workshop when it starts, a synthesis when it was
validated, a structure when its application joined a cohort, a consultancy (its planned
half-days) on the first day of its support period, a support session on its date, a referral
on its creation. A cohort spanning two years is thus counted in the period of each of its events.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.utils.formats import date_format

PARIS = ZoneInfo("Europe/Paris")


def paris_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=PARIS)


@dataclass(frozen=True)
class Period:
    """``[start, end)`` in aware datetimes; an open end is unbounded."""

    start: dt.datetime | None = None
    end: dt.datetime | None = None
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    year: int | None = None

    @classmethod
    def whole(cls) -> Period:
        return cls()

    @classmethod
    def of_year(cls, year: int) -> Period:
        return cls.between(dt.date(year, 1, 1), dt.date(year, 12, 31), year=year)

    @classmethod
    def between(
        cls, first: dt.date | None, last: dt.date | None, *, year: int | None = None
    ) -> Period:
        return cls(
            start=paris_midnight(first) if first else None,
            end=paris_midnight(last + dt.timedelta(days=1)) if last else None,
            first_day=first,
            last_day=last,
            year=year,
        )

    @property
    def is_bounded(self) -> bool:
        return self.start is not None or self.end is not None

    def q(self, path: str) -> Q:
        """The condition « the event at ``path`` happened in this period »."""
        condition = Q()
        if self.start is not None:
            condition &= Q(**{f"{path}__gte": self.start})
        if self.end is not None:
            condition &= Q(**{f"{path}__lt": self.end})
        return condition

    def date_q(self, path: str) -> Q:
        """The same for a calendar day (a ``DateField``, already a Paris day)."""
        condition = Q()
        if self.first_day is not None:
            condition &= Q(**{f"{path}__gte": self.first_day})
        if self.last_day is not None:
            condition &= Q(**{f"{path}__lte": self.last_day})
        return condition

    @property
    def label(self) -> str:
        if self.year:
            return f"année {self.year}"
        if self.first_day and self.last_day:
            return f"du {date_format(self.first_day, 'j F Y')} au {date_format(self.last_day, 'j F Y')}"
        if self.first_day:
            return f"depuis le {date_format(self.first_day, 'j F Y')}"
        if self.last_day:
            return f"jusqu'au {date_format(self.last_day, 'j F Y')}"
        return "toutes périodes"


@dataclass(frozen=True)
class Scope:
    """The calls (a queryset, used as a subquery), one cohort or none, one period."""

    calls: QuerySet
    cohort_id: int | None = None
    period: Period = field(default_factory=Period.whole)
    #: what the reader sees at the top of the page and of each export
    description: tuple[tuple[str, str], ...] = ()
    #: aggregates several indicators read (computed once per report)
    memo: dict = field(default_factory=dict, compare=False, repr=False)

    def remember(self, key: str, compute):
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]

    # Querysets every indicator starts from -------------------------------------------------
    def call_rows(self) -> list[tuple[int, str, str, dt.datetime, str]]:
        """(id, title, edition, closing, theme) of the calls in scope, read once. Their ids are then
        written into the queries as literals, which PostgreSQL estimates far better than a
        subquery (it then picks hash joins over 100,000 applications)."""
        return self.remember(
            "call_rows",
            lambda: list(self.calls.values_list("pk", "title", "edition", "closes_at", "theme")),
        )

    def call_ids(self) -> list[int]:
        return [row[0] for row in self.call_rows()]

    def applications(self) -> QuerySet:
        from coopess.applications.models import Application

        queryset = Application.objects.filter(call_id__in=self.call_ids())
        if self.cohort_id is not None:
            queryset = queryset.filter(cohort_membership__cohort_id=self.cohort_id)
        return queryset

    def decisions(self) -> QuerySet:
        from coopess.selection.models import Decision

        # the decision's own copy of its call: no join with the call's applications
        queryset = Decision.objects.filter(is_current=True, call_id__in=self.call_ids())
        if self.cohort_id is not None:
            queryset = queryset.filter(application__cohort_membership__cohort_id=self.cohort_id)
        return queryset.filter(self.period.q("decided_at"))

    def accompanied_structures(self) -> QuerySet:
        """Structures of applications that joined a cohort within the period."""
        from coopess.applications.models import ApplicationStructure

        # reached through the cohorts (a few thousand), not the call's applications (100,000)
        queryset = ApplicationStructure.objects.filter(
            application__cohort_membership__cohort__call_id__in=self.call_ids()
        )
        if self.cohort_id is not None:
            queryset = queryset.filter(application__cohort_membership__cohort_id=self.cohort_id)
        return queryset.filter(self.period.q("application__cohort_membership__added_at"))

    def cohorts(self) -> QuerySet:
        from coopess.selection.models import Cohort

        queryset = Cohort.objects.filter(call_id__in=self.call_ids())
        if self.cohort_id is not None:
            queryset = queryset.filter(pk=self.cohort_id)
        return queryset
