"""Webhooks: written in the deciding transaction, once per event and endpoint, signed per the
Standard Webhooks convention (checked by an independent receiver), retried with backoff for
24 hours then failed and shown, SSRF refused, secret rotation."""

import datetime as dt
import json

import httpx
import pytest
import respx
import time_machine
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from coopess.api import services
from coopess.api.models import Event, WebhookDelivery
from coopess.api.webhooks import deliver, emit, retry_due_webhooks
from coopess.applications.choices import ApplicationStatus
from coopess.selection.services import cohort_transition, decision_record
from tests.api import receiver
from tests.conftest import sign_in
from tests.factories import OrganisationFactory
from tests.selection.helpers import quick_application

pytestmark = pytest.mark.django_db
URL = "https://recepteur.example.org/hook"


@pytest.fixture(autouse=True)
def _allowed(settings):
    settings.COOPESS_WEBHOOK_ALLOWED_HOSTS = ["recepteur.example.org"]


def endpoint_for(operator, events=None, url=URL, by=None):
    return services.endpoint_create(
        operator=operator, name="CRM", url=url, by=by,
        events=[e.value for e in Event] if events is None else events,
    )  # fmt: skip


def test_decision_queues_one_signed_delivery(setup):
    endpoint = endpoint_for(setup.call.operator, events=[Event.DECISION_TAKEN])
    endpoint_for(setup.call.operator, events=[Event.SESSION_HELD])  # did not choose it
    endpoint_for(OrganisationFactory())  # another DLA
    application = quick_application(setup.call, 500, status=ApplicationStatus.UNDER_REVIEW)
    decision_record(
        application=application, outcome="rejected", by=setup.officer, reasons=["not_eligible"]
    )
    delivery = WebhookDelivery.objects.get()
    assert delivery.endpoint == endpoint and delivery.event == "decision.taken"
    assert delivery.payload["data"] == {
        "application": str(application.public_id),
        "call": str(setup.call.public_id),
        "outcome": "rejected",
        "decided_at": delivery.payload["data"]["decided_at"],
    }
    with respx.mock(assert_all_called=True) as router:
        route = router.post(URL).respond(204)
        assert deliver(str(delivery.pk)) == "delivered"
        request = route.calls.last.request
    receiver.verify(secret=endpoint.secret, headers=dict(request.headers), body=request.content)
    assert request.headers["webhook-id"] == f"msg_{delivery.pk.hex}"
    assert json.loads(request.content)["type"] == "decision.taken"
    # delivered once: a second run (a re-queued task) sends nothing
    with respx.mock(assert_all_called=False) as router:
        route = router.post(URL).respond(204)
        assert deliver(str(delivery.pk)) == "delivered"
        assert not route.called


def test_rolled_back_decision_queues_nothing(setup):
    endpoint_for(setup.call.operator)
    application = quick_application(setup.call, 501, status=ApplicationStatus.UNDER_REVIEW)
    with pytest.raises(RuntimeError), transaction.atomic():
        decision_record(
            application=application, outcome="rejected", by=setup.officer, reasons=["cap"]
        )
        raise RuntimeError("rollback")
    assert not WebhookDelivery.objects.exists()


def test_same_event_is_queued_once_per_endpoint(setup, django_capture_on_commit_callbacks):
    endpoint_for(setup.call.operator)
    with django_capture_on_commit_callbacks() as callbacks:
        for _ in range(3):
            emit(event=Event.SESSION_HELD, operator_id=setup.call.operator_id, key="s1", data={})
    assert WebhookDelivery.objects.count() == 1
    assert len(callbacks) == 1


def test_cohort_formed_when_it_leaves_forming(setup):
    endpoint_for(setup.call.operator, events=[Event.COHORT_FORMED])
    cohort_transition(cohort=setup.cohort, to="diagnostic", by=setup.officer)
    delivery = WebhookDelivery.objects.get()
    assert delivery.payload["data"]["cohort"] == str(setup.cohort.public_id)
    assert len(delivery.payload["data"]["applications"]) == 2


def test_failures_back_off_then_give_up_after_a_day(setup, client):
    endpoint = endpoint_for(setup.call.operator)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        emit(event=Event.SESSION_HELD, operator_id=setup.call.operator_id, key="s", data={})
    delivery = WebhookDelivery.objects.get()
    delays, moment = [], start
    with respx.mock() as router:
        router.post(URL).respond(503, text="Service indisponible")
        for _ in range(30):
            with time_machine.travel(moment, tick=False):
                status = deliver(str(delivery.pk))
            delivery.refresh_from_db()
            if status == "failed":
                break
            delays.append((delivery.next_attempt_at - moment).total_seconds())
            moment = delivery.next_attempt_at
    assert delivery.status == "failed"
    assert delays[:4] == [30, 120, 600, 1800]
    assert moment - start <= dt.timedelta(hours=24)
    assert delivery.last_status_code == 503 and "indisponible" in delivery.last_response
    sign_in(client, setup.officer)
    page = client.get(reverse("api_admin:endpoint_detail", args=[endpoint.public_id]))
    assert "abandonné" in page.content.decode() and "HTTP 503" in page.content.decode()
    home = client.get(reverse("api_admin:home")).content.decode()
    assert "1 envoi abandonné" in home


def test_retry_command_enqueues_due_deliveries(setup):
    endpoint_for(setup.call.operator)
    emit(event=Event.SESSION_HELD, operator_id=setup.call.operator_id, key="s", data={})
    with respx.mock() as router:
        router.post(URL).mock(side_effect=httpx.ConnectError("refusé"))
        # the immediate test backend runs the task at once
        assert len(retry_due_webhooks()) == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 1 and "ConnectError" in delivery.last_response
    assert retry_due_webhooks() == []  # not due before its backoff


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://[::1]/hook",
        "https://192.168.1.5/",
        "https://169.254.169.254/latest",
    ],
)
def test_internal_addresses_are_never_called(setup, url, settings):
    settings.COOPESS_WEBHOOK_ALLOWED_HOSTS = []
    endpoint = endpoint_for(setup.call.operator, url=url)
    emit(event=Event.SESSION_HELD, operator_id=setup.call.operator_id, key="s", data={})
    delivery = endpoint.deliveries.get()
    with respx.mock(assert_all_called=False) as router:
        route = router.route().respond(200)
        deliver(str(delivery.pk))
        assert not route.called
    delivery.refresh_from_db()
    assert "adresse interne" in delivery.last_response


def test_rotation_signs_with_both_secrets_for_a_day(setup):
    endpoint = endpoint_for(setup.call.operator)
    old = endpoint.secret
    endpoint = services.endpoint_rotate_secret(endpoint=endpoint)
    emit(event=Event.SESSION_HELD, operator_id=setup.call.operator_id, key="s", data={})
    delivery = WebhookDelivery.objects.get()
    with respx.mock() as router:
        route = router.post(URL).respond(200)
        deliver(str(delivery.pk))
        request = route.calls.last.request
    for secret in (old, endpoint.secret):
        receiver.verify(secret=secret, headers=dict(request.headers), body=request.content)
    with pytest.raises(receiver.Refused):
        receiver.verify(
            secret=services.new_webhook_secret(),
            headers=dict(request.headers),
            body=request.content,
        )


def test_receiver_refuses_replays_and_tampering(setup):
    endpoint = endpoint_for(setup.call.operator)
    emit(event=Event.SESSION_HELD, operator_id=setup.call.operator_id, key="s", data={"a": 1})
    delivery = WebhookDelivery.objects.get()
    with respx.mock() as router:
        route = router.post(URL).respond(200)
        deliver(str(delivery.pk))
        request = route.calls.last.request
    headers, body = dict(request.headers), request.content
    receiver.verify(secret=endpoint.secret, headers=headers, body=body)
    with pytest.raises(receiver.Refused, match="tolerance"):
        receiver.verify(
            secret=endpoint.secret, headers=headers, body=body,
            now=int(headers["webhook-timestamp"]) + 3600,
        )  # fmt: skip
    with pytest.raises(receiver.Refused, match="signature"):
        receiver.verify(secret=endpoint.secret, headers=headers, body=body.replace(b"1", b"2"))


def test_a_known_vector_of_the_specification():
    """The example of the Standard Webhooks reference libraries' tests, recomputed."""
    from coopess.api.webhooks import sign

    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    msg_id, timestamp, body = "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}'
    assert sign(secret=secret, msg_id=msg_id, timestamp=timestamp, body=body) == (
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )
    receiver.verify(
        secret=secret,
        headers={"webhook-id": msg_id, "webhook-timestamp": str(timestamp),
                 "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="},
        body=body, now=timestamp,
    )  # fmt: skip


def test_session_held_and_followup_answered_are_emitted(setup):
    from coopess.followups.models import FollowUp, FollowUpStatus
    from coopess.followups.services import answer_submit
    from tests.followups.helpers import in_support
    from tests.support.helpers import held, make_support, plan

    endpoint_for(setup.call.operator, events=[Event.SESSION_HELD, Event.FOLLOWUP_ANSWERED])
    support = make_support(in_support(setup))
    session = held(plan(support), by=setup.officer)
    today = timezone.localdate()
    followup = FollowUp.objects.create(
        cohort=setup.cohort, structure=setup.structures[0], offset_months=6, due_on=today,
        status=FollowUpStatus.SENT, sent_on=today,
    )  # fmt: skip
    answer_submit(followup=followup, answers={"q_needs": ""}, by=setup.person(setup.structures[0]))
    events = dict(WebhookDelivery.objects.values_list("event", "payload"))
    assert events["session.held"]["data"]["session"] == str(session.uid)
    assert events["followup.answered"]["data"]["followup"] == str(followup.public_id)


def test_application_submitted_is_emitted(db):
    from coopess.applications import services as application_services
    from tests.applications.helpers import complete_application

    application = complete_application()
    endpoint = endpoint_for(application.call.operator, events=[Event.APPLICATION_SUBMITTED])
    application_services.application_submit(application=application, by=application.created_by)
    delivery = endpoint.deliveries.get()
    assert delivery.payload["data"]["application"] == str(application.public_id)
    assert delivery.payload["data"]["complements"] is False


def test_synthesis_validated_is_emitted(setup):
    from coopess.api import events
    from coopess.diagnostic.models import SynthesisVersion

    endpoint_for(setup.call.operator, events=[Event.SYNTHESIS_VALIDATED])
    version = SynthesisVersion.objects.create(
        cohort=setup.cohort, number=2, status="circulating", created_by=setup.officer,
        validated_at=timezone.now(),
    )  # fmt: skip
    events.synthesis_validated(version)
    events.synthesis_validated(version)  # once
    delivery = WebhookDelivery.objects.get()
    assert delivery.payload["data"]["version"] == 2
    assert delivery.key == f"synthesis.validated:{setup.cohort.public_id}:v2"


def test_a_failed_attempt_defers_the_next_with_the_database_backend(
    setup, settings, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    endpoint_for(setup.call.operator)
    emit(event=Event.SESSION_HELD, operator_id=setup.call.operator_id, key="s", data={})
    delivery = WebhookDelivery.objects.get()
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    with respx.mock() as router, django_capture_on_commit_callbacks(execute=True):
        router.post(URL).respond(500)
        deliver(str(delivery.pk))
    delivery.refresh_from_db()
    row = DBTaskResult.objects.get()
    assert row.run_after == delivery.next_attempt_at
    assert row.args_kwargs["args"] == [str(delivery.pk)]


class _LocalReceiver:
    """A real HTTP server on 127.0.0.1 that records the requests it gets."""

    def __init__(self):
        import http.server
        import threading

        received = self.received = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["content-length"])
                received.append((self.headers["host"], self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def local_receiver():
    server = _LocalReceiver()
    yield server
    server.close()


def _resolver(monkeypatch, answers: dict[str, list[str]]):
    """``socket.getaddrinfo`` answering the listed names from their list, one answer per call
    (the last one repeated) — a DNS server under the caller's control; other names as usual."""
    import socket

    real = socket.getaddrinfo
    calls = dict.fromkeys(answers, 0)

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            return real(host, port, *args, **kwargs)
        address = answers[host][min(calls[host], len(answers[host]) - 1)]
        calls[host] += 1
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return calls


def test_dns_rebinding_between_the_check_and_the_connection_is_refused(
    setup, settings, monkeypatch, local_receiver
):
    settings.COOPESS_WEBHOOK_ALLOWED_HOSTS = []
    settings.COOPESS_DEMO = True  # http:// accepted, as in the demo
    # public for the check before sending, then the loopback
    calls = _resolver(monkeypatch, {"rebind.example": ["93.184.215.14", "127.0.0.1"]})
    endpoint = endpoint_for(
        setup.call.operator, url=f"http://rebind.example:{local_receiver.port}/"
    )
    emit(event=Event.SESSION_HELD, operator_id=setup.call.operator_id, key="s", data={})
    delivery = endpoint.deliveries.get()
    assert deliver(str(delivery.pk)) == "queued"
    delivery.refresh_from_db()
    assert calls["rebind.example"] == 2  # the connection resolved again, and was refused
    assert local_receiver.received == []
    assert "adresse interne (127.0.0.1)" in delivery.last_response


def test_the_connection_goes_to_the_checked_address_and_names_the_host(
    setup, settings, monkeypatch, local_receiver
):
    settings.COOPESS_WEBHOOK_ALLOWED_HOSTS = []
    settings.COOPESS_DEMO = True
    from coopess.api import webhooks

    # the local server stands for a public address here
    monkeypatch.setattr(webhooks, "_unsafe", lambda address: False)
    _resolver(monkeypatch, {"crm.example": ["127.0.0.1"]})
    endpoint = endpoint_for(setup.call.operator, url=f"http://crm.example:{local_receiver.port}/h")
    emit(event=Event.SESSION_HELD, operator_id=setup.call.operator_id, key="s", data={"a": 1})
    delivery = endpoint.deliveries.get()
    assert deliver(str(delivery.pk)) == "delivered"
    [(host, body)] = local_receiver.received
    assert host == f"crm.example:{local_receiver.port}"
    assert json.loads(body)["data"] == {"a": 1}
