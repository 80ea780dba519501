"""Anonymise the personal data whose retention period is over (run daily; idempotent)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from coopess.privacy.services import retention_apply


class Command(BaseCommand):
    help = (
        "Anonymise the personal data of applications whose retention period (set per call) is "
        "over, then deactivate and scrub the accounts left with nothing live. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be anonymised, change nothing."
        )

    def handle(self, *args, dry_run: bool = False, **options):
        report = retention_apply(dry_run=dry_run)
        for application, retention in report.expired:
            expires = timezone.localtime(retention.expires_at).date().isoformat()
            self.stdout.write(
                f"{application.receipt_number or f'draft #{application.pk}'}"
                f" ({application.call.slug}): {retention.rule}, expired on {expires}"
            )
        if dry_run:
            self.stdout.write(f"Dry run: {len(report.expired)} application(s) would be anonymised.")
        else:
            self.stdout.write(
                f"{report.anonymised} application(s) anonymised, {report.accounts} account(s) "
                "deactivated and scrubbed."
            )
