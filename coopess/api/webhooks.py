"""Webhooks: the outbox of events, the Standard Webhooks signature, the SSRF guard, delivery.

1. ``emit`` (called by the other apps' services inside the transaction that decided the event)
   writes one ``WebhookDelivery`` per active endpoint of the DLA that chose this event, keyed
   ``<event>:<object>`` (unique per endpoint: an event is queued once, even if the service runs
   twice); once the transaction commits it enqueues ``deliver_webhook``.
2. ``deliver`` locks the row, returns if it is delivered or failed, resolves the host and
   refuses loopback, private, link-local and reserved addresses (``COOPESS_WEBHOOK_ALLOWED_HOSTS``
   lets tests and the demo receiver through), connects to the address it checked (no second
   resolution, so no DNS rebinding), POSTs the signed body, records the answer. A 2xx
   marks it delivered; otherwise the next attempt waits longer (30 s, 2 min, 10 min, 30 min,
   1 h, 2 h, then every 4 h) until 24 hours after the event, when it is marked failed — shown to
   the officer with the last response.
3. a failed attempt enqueues the next one for its moment (the database task backend defers);
   ``retry_due_webhooks`` (``manage.py deliver_webhooks``, every few minutes from cron or
   systemd) enqueues every delivery due and not delivered, whose enqueue a crash lost.

The signature follows the Standard Webhooks specification: headers ``webhook-id``,
``webhook-timestamp`` (Unix seconds) and ``webhook-signature`` = ``v1,<base64 HMAC-SHA256 of
"<id>.<timestamp>.<body>">``, keyed with the base64-decoded part of the ``whsec_`` secret.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import logging
import socket
from urllib.parse import urlsplit

import httpcore
import httpx
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from coopess.api.models import WebhookDelivery, WebhookEndpoint
from coopess.common.jobs import task_named

logger = logging.getLogger("coopess")

RETRY_FOR = dt.timedelta(hours=24)
BACKOFF = [30, 120, 600, 1800, 3600, 7200]  # seconds, then every 4 hours
LATER = 4 * 3600
TIMEOUT_SECONDS = 10
MAX_RESPONSE_KEPT = 2000


class UnsafeAddress(Exception):
    """The endpoint's host resolves to an address CoopESS must not call."""


# --- Signature ---------------------------------------------------------------------------------


def secret_bytes(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix("whsec_"))


def sign(*, secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    content = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_bytes(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signature_header(endpoint: WebhookEndpoint, *, msg_id: str, timestamp: int, body: bytes) -> str:
    """Space-separated signatures: the current secret's, and during a rotation the former's."""
    signatures = [sign(secret=endpoint.secret, msg_id=msg_id, timestamp=timestamp, body=body)]
    if endpoint.previous_secret and (
        endpoint.previous_secret_expires_at and endpoint.previous_secret_expires_at > timezone.now()
    ):
        signatures.append(
            sign(secret=endpoint.previous_secret, msg_id=msg_id, timestamp=timestamp, body=body)
        )
    return " ".join(signatures)


# --- SSRF guard --------------------------------------------------------------------------------


def allowed_hosts() -> set[str]:
    return {h.lower() for h in getattr(settings, "COOPESS_WEBHOOK_ALLOWED_HOSTS", [])}


def https_required() -> bool:
    return not (settings.DEBUG or getattr(settings, "COOPESS_DEMO", False))


def _unsafe(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def safe_addresses(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, if none is internal; raises ``UnsafeAddress``."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafeAddress(f"Le serveur « {host} » est introuvable.") from error
    addresses = [info[4][0] for info in infos]
    for address in addresses:
        if _unsafe(address):
            raise UnsafeAddress(
                f"« {host} » désigne une adresse interne ({address}) : refusée, pour que "
                "CoopESS ne puisse pas servir à atteindre un réseau privé."
            )
    return addresses


def check_url(url: str) -> str:
    """The host of ``url`` if CoopESS may call it; raises ``UnsafeAddress`` (French message)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UnsafeAddress("L'adresse doit commencer par https://.")
    if https_required() and parts.scheme != "https":
        raise UnsafeAddress("L'adresse doit commencer par https:// (chiffrement obligatoire).")
    host = (parts.hostname or "").lower()
    if not host:
        raise UnsafeAddress("L'adresse ne contient pas de nom de serveur.")
    if parts.username or parts.password:
        raise UnsafeAddress("L'adresse ne doit pas contenir d'identifiant ni de mot de passe.")
    if host in allowed_hosts():
        return host
    safe_addresses(host, parts.port or 443)
    return host


class PinnedBackend(httpcore.SyncBackend):
    """Opens the connection to the very address that was checked.

    ``check_url`` resolving the host and the HTTP client resolving it again would leave a gap:
    a name answering a public address to the check and ``127.0.0.1`` a second later (DNS
    rebinding) would pass. Here the resolution, the check and the connection are one step; the
    TLS handshake still names the host (SNI, certificate checked against the name)."""

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        if host.lower() not in allowed_hosts():
            host = safe_addresses(host, port)[0]
        return super().connect_tcp(host, port, timeout, local_address, socket_options)


def pinned_client() -> httpx.Client:
    """An HTTP client that connects only to checked addresses and follows no redirect."""
    transport = httpx.HTTPTransport()
    # httpx has no public setting for the network backend; its pool is httpcore's, which has one
    transport._pool = httpcore.ConnectionPool(
        ssl_context=transport._pool._ssl_context, network_backend=PinnedBackend()
    )
    return httpx.Client(transport=transport, timeout=TIMEOUT_SECONDS, follow_redirects=False)


# --- The outbox --------------------------------------------------------------------------------


def emit(*, event: str, operator_id: int, key: str, data: dict) -> list[WebhookDelivery]:
    """Queue ``event`` for every active endpoint of the DLA that chose it, in the caller's
    transaction. ``key`` identifies the event (e.g. the object's UUID): the same key is queued
    once per endpoint, however many times it is emitted. Never breaks the caller."""
    try:
        endpoints = [
            e
            for e in WebhookEndpoint.objects.filter(operator_id=operator_id, is_active=True)
            if event in e.events
        ]
    except Exception:  # the webhooks must never stop a decision
        logger.exception("Could not read the webhook endpoints for %s", event)
        return []
    deliveries = []
    full_key = f"{event}:{key}"[:200]
    for endpoint in endpoints:
        delivery = WebhookDelivery(endpoint=endpoint, event=event, key=full_key)
        delivery.payload = {
            "type": event,
            "timestamp": timezone.now().isoformat(),
            "data": data,
        }
        try:
            with transaction.atomic():
                delivery.save(force_insert=True)
        except IntegrityError:
            continue  # already queued for this endpoint: exactly once
        deliveries.append(delivery)
        delivery_id = str(delivery.pk)
        transaction.on_commit(lambda delivery_id=delivery_id: enqueue(delivery_id))
    return deliveries


def enqueue(delivery_id: str, *, run_after: dt.datetime | None = None) -> None:
    """Give one delivery to the worker; ``run_after`` (a retry's moment) when the task backend
    can defer (the database backend can), else the retry command enqueues it when due."""
    task = task_named("coopess.api.tasks.deliver_webhook")
    if run_after is not None:
        if not task.get_backend().supports_defer:
            return
        task = task.using(run_after=run_after)
    try:
        task.enqueue(delivery_id)
    except Exception:  # the retry command picks it up
        logger.exception("Could not enqueue webhook delivery %s", delivery_id)


def next_delay(attempts: int) -> int:
    return BACKOFF[attempts - 1] if attempts - 1 < len(BACKOFF) else LATER


def deliver(delivery_id: str, *, client: httpx.Client | None = None) -> str:
    """One attempt at one delivery; returns its status afterwards."""
    Status = WebhookDelivery.Status
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .select_related("endpoint")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status != Status.QUEUED:
            return delivery.status if delivery else "unknown"
        now = timezone.now()
        if delivery.next_attempt_at > now:
            return delivery.status  # not due yet (enqueued twice)
        # count the attempt first: a worker killed mid-call still counts it
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.next_attempt_at = now + dt.timedelta(seconds=next_delay(delivery.attempts))
        delivery.save(update_fields=["attempts", "last_attempt_at", "next_attempt_at"])
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = int(now.timestamp())
    msg_id = f"msg_{delivery.pk.hex}"
    code, text, ok = None, "", False
    try:
        check_url(endpoint.url)
        headers = {
            "content-type": "application/json",
            "user-agent": "CoopESS-Webhooks/1",
            "webhook-id": msg_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature_header(
                endpoint, msg_id=msg_id, timestamp=timestamp, body=body
            ),
        }
        own = client is None
        client = client or pinned_client()
        try:
            response = client.post(endpoint.url, content=body, headers=headers)
        finally:
            if own:
                client.close()
        code = response.status_code
        text = response.text[:MAX_RESPONSE_KEPT]
        ok = 200 <= code < 300
    except UnsafeAddress as error:
        text = f"Envoi refusé : {error}"
    except httpx.HTTPError as error:
        text = f"Échec de la connexion : {type(error).__name__} {error}"[:MAX_RESPONSE_KEPT]
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
        delivery.last_status_code = code
        delivery.last_response = text
        if ok:
            delivery.status = Status.DELIVERED
            delivery.delivered_at = timezone.now()
        elif delivery.next_attempt_at > delivery.created_at + RETRY_FOR:
            delivery.status = Status.FAILED
        delivery.save(update_fields=["last_status_code", "last_response", "status", "delivered_at"])
        if delivery.status == Status.QUEUED:
            retry_at = delivery.next_attempt_at
            transaction.on_commit(lambda: enqueue(delivery_id, run_after=retry_at))
    return delivery.status


def retry_due_webhooks(*, limit: int = 500) -> list[str]:
    """Enqueue the deliveries due now (a failed attempt's next one, a lost enqueue)."""
    ids = [
        str(pk)
        for pk in WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.QUEUED, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    ]
    for delivery_id in ids:
        enqueue(delivery_id)
    return ids


# --- Receiving (the demo receiver; an example for the DLA's own systems) -----------------------

TOLERANCE = dt.timedelta(minutes=5)


def verify_signature(*, secrets: list[str], headers, body: bytes, now=None) -> bool:
    """True if one of the ``v1`` signatures matches one of ``secrets`` and the timestamp is
    within five minutes of now (an older message is a replay)."""
    msg_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    if not msg_id or not timestamp.isdigit():
        return False
    now = now or timezone.now()
    if abs(now.timestamp() - int(timestamp)) > TOLERANCE.total_seconds():
        return False
    expected = {
        sign(secret=s, msg_id=msg_id, timestamp=int(timestamp), body=body) for s in secrets if s
    }
    given = headers.get("webhook-signature", "").split(" ")
    return any(hmac.compare_digest(g, e) for g in given for e in expected)
