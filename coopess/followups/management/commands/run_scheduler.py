"""``manage.py run_scheduler``: the periodic work of the follow-ups (safe to run twice)."""

from django.core.management.base import BaseCommand

from coopess.followups.scheduler import run_scheduler


class Command(BaseCommand):
    help = (
        "Suivis à 6 mois et 1 an : envoie les questionnaires arrivés à échéance, les relances "
        "à 7 et 14 jours, et signale les suivis en retard. Sans effet si on le relance le même jour."
    )

    def handle(self, *args, **options):
        counts = run_scheduler()
        self.stdout.write(
            "Suivis envoyés : {sent} ; premières relances : {reminder_1} ; secondes relances : "
            "{reminder_2} ; passés en retard : {overdue}.".format(**counts)
        )
