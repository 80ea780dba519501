"""Every write of the notifications app: notify, read, email choice, digests, calendar feed."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from coopess.accounts.models import User
from coopess.calls.calendar import PARIS
from coopess.common.mail import queue_email_message
from coopess.notifications.models import (
    EmailMode,
    EmailState,
    Notification,
    NotificationKind,
    PersonalSettings,
)

logger = logging.getLogger(__name__)


def absolute(link: str) -> str:
    if not link or link.startswith(("http://", "https://")):
        return link
    return settings.COOPESS_BASE_URL + link


def email_mode(user: User) -> str:
    """Staff choose between immediate emails and a daily digest; everyone else gets them
    immediately."""
    if not _is_staff(user):
        return EmailMode.IMMEDIATE
    prefs = PersonalSettings.objects.filter(user=user).values_list("email_mode", flat=True)
    return prefs.first() or EmailMode.IMMEDIATE


def _is_staff(user: User) -> bool:
    from coopess.accounts.models import STAFF_ROLES

    return not user.roles.isdisjoint(STAFF_ROLES)


def can_choose_email_mode(user: User) -> bool:
    return _is_staff(user)


@transaction.atomic
def notify(
    users: Iterable[User],
    kind: str,
    title: str,
    link: str = "",
    *,
    email: bool = True,
    body: str = "",
    application=None,
) -> list[Notification]:
    """Tell ``users`` (each once, active ones only) that something happened.

    ``email=False`` when the caller already sends its own email (receipts, invitations,
    letters): the notification is then in-app only. Otherwise a member of the team gets an
    email now or in the next daily digest, as they chose; anyone else gets it now.
    ``link`` is a path of the site (or an absolute URL); ``body`` the email's text;
    ``application``, when the title names an application or its structures, so that the
    notification goes when that application is anonymised.
    """
    if kind not in NotificationKind.values:
        kind = NotificationKind.OTHER
    title = title[:300]
    seen: set[int] = set()
    created = []
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        state = EmailState.NONE
        if email and user.email:
            state = EmailState.DIGEST if email_mode(user) == EmailMode.DIGEST else EmailState.SENT
        notification = Notification.objects.create(
            user=user,
            kind=kind,
            title=title,
            link=link[:500],
            email_state=state,
            application=application,
        )
        if state == EmailState.SENT:
            _send_now(notification, body=body)
        created.append(notification)
    return created


def notify_on_commit(callback, *args, **kwargs) -> None:
    """Run ``callback`` after the current transaction commits; a failure there is logged and
    never undoes nor breaks the business action that triggered it."""

    def run():
        try:
            callback(*args, **kwargs)
        except Exception:
            logger.exception("Notification not created: %s", getattr(callback, "__name__", ""))

    transaction.on_commit(run)


def _send_now(notification: Notification, *, body: str = "") -> None:
    text = render_to_string(
        "notifications/email_notification.txt",
        {
            "notification": notification,
            "body": body,
            "link": absolute(notification.link),
            "settings_link": absolute(reverse("notifications:settings")),
        },
    )
    queue_email_message(
        EmailMessage(
            subject=f"[CoopESS] {notification.title}"[:200],
            body=text,
            to=[notification.user.email],
        ),
        key=f"notification:{notification.pk}",
    )


def mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one of ``user``'s notifications (or all of them) read. Returns how many changed."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())


def unread_count(user: User) -> int:
    if not user or not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def _settings_for(user: User) -> PersonalSettings:
    prefs, _ = PersonalSettings.objects.get_or_create(user=user)
    return prefs


def email_mode_set(*, user: User, mode: str) -> PersonalSettings:
    if mode not in EmailMode.values:
        raise ValueError(mode)
    prefs = _settings_for(user)
    prefs.email_mode = mode
    prefs.save(update_fields=["email_mode"])
    return prefs


# --- Daily digest -----------------------------------------------------------------------------


def digests_send(*, now: dt.datetime | None = None) -> int:
    """Send each person who chose the digest one email with the notifications waiting since
    before today (Paris). Idempotent per person and day: a second run the same day sends
    nothing (the notifications are marked, and the outbox key is ``digest:<user>:<day>``).
    Returns how many digests were queued."""
    now = now or timezone.now()
    day = timezone.localtime(now, PARIS).date()
    day_start = dt.datetime.combine(day, dt.time.min, tzinfo=PARIS)
    waiting = Notification.objects.filter(email_state=EmailState.DIGEST, created_at__lt=day_start)
    user_ids = sorted(set(waiting.values_list("user_id", flat=True)))
    sent = 0
    for user_id in user_ids:
        if _digest_one(user_id=user_id, day=day, day_start=day_start):
            sent += 1
    return sent


@transaction.atomic
def _digest_one(*, user_id: int, day: dt.date, day_start: dt.datetime) -> bool:
    user = User.objects.get(pk=user_id)
    items = list(
        Notification.objects.select_for_update()
        .filter(user_id=user_id, email_state=EmailState.DIGEST, created_at__lt=day_start)
        .order_by("created_at", "pk")
    )
    if not items:
        return False
    Notification.objects.filter(pk__in=[n.pk for n in items]).update(
        email_state=EmailState.DIGESTED, digested_on=day
    )
    if not user.is_active or not user.email:
        return False
    text = render_to_string(
        "notifications/email_digest.txt",
        {
            "user": user,
            "items": [(n, absolute(n.link)) for n in items],
            "day": day,
            "list_link": absolute(reverse("notifications:list")),
            "settings_link": absolute(reverse("notifications:settings")),
        },
    )
    queue_email_message(
        EmailMessage(
            subject=f"[CoopESS] Récapitulatif du jour : {len(items)} notification(s)",
            body=text,
            to=[user.email],
        ),
        key=f"digest:{user.pk}:{day.isoformat()}",
    )
    return True


# --- Private calendar feed --------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def feed_token_regenerate(*, user: User) -> str:
    """A new secret for ``user``'s calendar feed (the previous address stops working).
    Returns the secret: it is stored hashed and cannot be shown again."""
    token = secrets.token_urlsafe(32)
    prefs = _settings_for(user)
    prefs.feed_token_hash = token_hash(token)
    prefs.feed_created_at = timezone.now()
    prefs.save(update_fields=["feed_token_hash", "feed_created_at"])
    return token


def feed_revoke(*, user: User) -> None:
    PersonalSettings.objects.filter(user=user).update(feed_token_hash=None, feed_created_at=None)


def feed_owner(token: str) -> User | None:
    """The active person whose feed ``token`` opens, or None."""
    if not token or len(token) > 100:
        return None
    prefs = (
        PersonalSettings.objects.select_related("user")
        .filter(feed_token_hash=token_hash(token))
        .first()
    )
    if prefs is None or not prefs.user.is_active:
        return None
    return prefs.user


def lazy_unread_count(user):
    """For the menu: a callable the template calls only where it shows the count (no query on
    pages that do not)."""
    return lambda: unread_count(user)
