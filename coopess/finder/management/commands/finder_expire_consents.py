"""Empty the partner-finder profiles whose consent has expired (run daily; idempotent)."""

from django.core.management.base import BaseCommand

from coopess.finder.services import consents_expire


class Command(BaseCommand):
    help = (
        "Empty what the structures whose consent to the partner finder has expired had chosen "
        "to show (they are already hidden from every search); log it. Idempotent."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"{consents_expire()} consent(s) expired.")
