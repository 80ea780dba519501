"""Fixtures shared by the application tests: an open call, its lead and a complete draft."""

import pytest

from coopess.accounts.models import Role
from tests.applications.helpers import complete_application, open_call
from tests.conftest import sign_in
from tests.factories import make_user


@pytest.fixture
def call(db):
    return open_call()


@pytest.fixture
def lead(db):
    return make_user(Role.APPLICANT)


@pytest.fixture
def application(call, lead):
    return complete_application(call, lead=lead)


@pytest.fixture
def lead_client(client, lead):
    sign_in(client, lead)
    return client
