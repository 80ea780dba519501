"""``manage.py send_digests``: the daily email digest of the people who chose it.

Run once a day (the periodic scheduler or cron/systemd). Safe to run twice: a digest covers the
notifications waiting since before today (Paris) and is recorded under the key
``digest:<user>:<day>``.
"""

from django.core.management.base import BaseCommand

from coopess.notifications.services import digests_send


class Command(BaseCommand):
    help = (
        "Envoie le récapitulatif quotidien des notifications (idempotent par personne et par jour)."
    )

    def handle(self, *args, **options):
        count = digests_send()
        self.stdout.write(f"{count} récapitulatif(s) mis en file d'envoi.")
