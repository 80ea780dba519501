from django.core.management.base import BaseCommand

from coopess.api.webhooks import retry_due_webhooks


class Command(BaseCommand):
    help = "Remet en file les envois de webhooks dont la tentative suivante est due."

    def handle(self, *args, **options):
        ids = retry_due_webhooks()
        self.stdout.write(f"{len(ids)} envoi(s) de webhooks remis en file.")
