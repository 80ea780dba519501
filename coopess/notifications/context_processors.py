"""What every page knows of the notifications: the signed-in person's unread count for the
menu, lazy (no query until a template shows it). Listed after ``coopess.common``'s in
``TEMPLATES`` (config/settings.py), so that common never imports this app."""

from coopess.notifications.services import lazy_unread_count


def unread(request) -> dict:
    return {"unread_notifications": lazy_unread_count(getattr(request, "user", None))}
