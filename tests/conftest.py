import datetime as dt
import os

import pytest
import time_machine
from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY,
    AUTHENTICATION_METHODS_SESSION_KEY,
)
from allauth.account.internal.userkit import user_id_to_str

from coopess.accounts.models import Role
from tests.factories import add_totp, make_user

INVALID_MARKER = "INVALID_TEMPLATE_VARIABLE"


def pytest_configure(config):
    """``COOPESS_TEST_TODAY=YYYY-MM-DD`` runs the whole suite as if today were that day (10:00 in
    Paris, the clock ticking from there): how the suite is checked not to depend on the date."""
    day = os.environ.get("COOPESS_TEST_TODAY")
    if day:
        from zoneinfo import ZoneInfo

        start = dt.datetime.combine(
            dt.date.fromisoformat(day), dt.time(10), tzinfo=ZoneInfo("Europe/Paris")
        )
        config._coopess_clock = time_machine.travel(start, tick=True)
        config._coopess_clock.start()


def pytest_report_header(config):
    day = os.environ.get("COOPESS_TEST_TODAY")
    return f"coopess: the clock starts on {day} 10:00 Europe/Paris" if day else None


def sign_in(client, user, *, second_factor: bool = True) -> None:
    """Sign ``user`` in as if they had typed their password and, for staff, a TOTP code."""
    client.force_login(user)
    if second_factor and user.needs_second_factor:
        session = client.session
        session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = user_id_to_str(user)
        session[AUTHENTICATION_METHODS_SESSION_KEY] = [
            {"method": "password", "at": 0, "email": user.email},
            {"method": "mfa", "at": 0, "type": "totp"},
        ]
        session.save()


@pytest.fixture
def role_user(db):
    """Build a signed-in-able user for a role name used by the permission matrix."""

    def build(role: str | None):
        if role in (None, "anonymous"):
            return None
        user = make_user(Role(role))
        if role == Role.APPLICANT:  # representatives have no password: they sign in by code
            user.set_unusable_password()
            user.save()
        if user.needs_second_factor:
            add_totp(user)
        return user

    return build


@pytest.fixture
def assert_no_invalid_variables():
    def check(response):
        content = response.content.decode()
        assert INVALID_MARKER not in content, content[content.find(INVALID_MARKER) - 200 :][:400]

    return check


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and TOTP replay guards live in the cache: start every test clean."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
