"""The on-commit event registry (coopess/common/events.py)."""

import pytest
from django.db import transaction

from coopess.common import events as E


@pytest.fixture
def heard(monkeypatch):
    monkeypatch.setattr(E, "_subscriptions", {})
    heard = []

    @E.subscribe(E.SESSION_HELD)
    def after(session):
        heard.append(("after", session))

    @E.subscribe(E.SESSION_HELD, during_transaction=True)
    def during(session):
        heard.append(("during", session))

    return heard


@pytest.mark.django_db
def test_after_commit_handlers_wait_for_the_commit(heard, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        E.announce(E.SESSION_HELD, session=7)
        assert heard == [("during", 7)]
    assert heard == [("during", 7), ("after", 7)]
    assert len(callbacks) == 1


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_action_announces_nothing_after_commit(heard):
    with pytest.raises(RuntimeError), transaction.atomic():
        E.announce(E.SESSION_HELD, session=8)
        raise RuntimeError("rollback")
    assert heard == [("during", 8)]


def test_unknown_events_are_refused():
    with pytest.raises(ValueError):
        E.subscribe("application.eaten")
    with pytest.raises(ValueError):
        E.announce("application.eaten")


def test_the_later_steps_listen_to_the_earlier_ones():
    assert E.listeners(E.APPLICATION_SUBMITTED) == [
        "coopess.selection.events.screen_submitted_application",
        "coopess.notifications.hooks.application_submitted",
        "coopess.api.events.application_submitted",
    ]
    for event in E.EVENTS:
        assert E.listeners(event), event
