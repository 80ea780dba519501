"""Where each app declares the personal data it holds, so that retention, erasure and the
download of one's data reach it without the privacy app knowing every model.

An app registers one ``PersonalDataSource`` (from its ``AppConfig.ready()``)::

    from coopess.privacy.registry import PersonalDataSource, register

    register(PersonalDataSource(
        name="diagnostic",
        anonymise=anonymise_diagnostic,       # (applications) -> None
        erase_person=erase_from_diagnostic,   # (user, applications) -> None
        export_person=diagnostic_of,          # (user) -> {"title": [rows…]}
        cohort_activity=last_meeting,         # (cohort) -> datetime | None
    ))

Every callable runs inside the caller's transaction. ``applications`` is a queryset of the
applications concerned; files to delete go through ``delete_file_on_commit``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.files.storage import default_storage
from django.db import transaction

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from coopess.accounts.models import User
    from coopess.applications.models import Application
    from coopess.selection.models import Cohort

logger = logging.getLogger("coopess")


@dataclass(frozen=True)
class PersonalDataSource:
    name: str
    #: scrub every piece of personal data of these applications, keep aggregate facts
    anonymise: Callable[[QuerySet[Application]], None] | None = None
    #: scrub what identifies ``user`` in these applications (an accepted erasure request)
    erase_person: Callable[[User, QuerySet[Application]], None] | None = None
    #: what this app holds about ``user``: section title -> list of JSON-serialisable dicts
    export_person: Callable[[User], dict[str, list[dict[str, Any]]]] | None = None
    #: the latest dated activity of a cohort, if this app records any
    cohort_activity: Callable[[Cohort], dt.datetime | None] | None = None


_SOURCES: dict[str, PersonalDataSource] = {}


def register(source: PersonalDataSource) -> None:
    """Declare (or replace, by name) a source of personal data."""
    _SOURCES[source.name] = source


def sources() -> list[PersonalDataSource]:
    return list(_SOURCES.values())


def delete_file_on_commit(name: str) -> None:
    """Remove a stored file once the transaction that forgot it has committed."""
    if not name:
        return

    def delete() -> None:
        try:
            default_storage.delete(name)
        except OSError:
            logger.exception("Personal data: could not delete stored file %s", name)

    transaction.on_commit(delete)
