"""The personal data of notifications, declared to the privacy registry: a person's
notifications and settings are theirs to download; those that name an application go when it
is anonymised; an erased person loses those about the applications concerned."""

from __future__ import annotations

from coopess.notifications.models import Notification, PersonalSettings
from coopess.privacy.registry import PersonalDataSource, register


def anonymise_notifications(applications) -> None:
    Notification.objects.filter(application__in=applications).delete()


def erase_from_notifications(user, applications) -> None:
    Notification.objects.filter(user=user).delete()
    PersonalSettings.objects.filter(user=user).update(feed_token_hash=None, feed_created_at=None)


def notifications_of(user) -> dict:
    rows = [
        {
            "date": n.created_at.isoformat(),
            "type": n.get_kind_display(),
            "intitulé": n.title,
            "lue le": n.read_at.isoformat() if n.read_at else "",
        }
        for n in Notification.objects.filter(user=user).order_by("created_at", "pk")
    ]
    prefs = PersonalSettings.objects.filter(user=user).first()
    settings_rows = (
        [
            {
                "courriels": prefs.get_email_mode_display(),
                "adresse d'agenda active": "oui" if prefs.feed_token_hash else "non",
            }
        ]
        if prefs
        else []
    )
    return {"Notifications": rows, "Réglages des notifications et de l'agenda": settings_rows}


register(
    PersonalDataSource(
        name="notifications",
        anonymise=anonymise_notifications,
        erase_person=erase_from_notifications,
        export_person=notifications_of,
    )
)
