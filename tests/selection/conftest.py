"""Fixtures shared by the selection tests: an open call and an officer of its DLA."""

import pytest

from tests.applications.helpers import open_call
from tests.conftest import sign_in
from tests.selection.helpers import officer_of


@pytest.fixture
def call(db):
    return open_call()


@pytest.fixture
def officer(call):
    return officer_of(call)


@pytest.fixture
def officer_client(client, officer):
    sign_in(client, officer)
    return client
