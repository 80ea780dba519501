"""Make sure no email is lost between the outbox and the task queue.

An email is recorded (``OutgoingEmail``, status "queued") in the transaction that decides it;
its ``deliver_email`` task is enqueued once that transaction commits. A crash in between, or a
failed attempt (SMTP server down), leaves an email queued with no task: this command enqueues
one again. Delivery is idempotent (the row is locked, an email already sent is skipped), so
running it often and in parallel is safe. It also forgets sent emails after
``--prune-after-days`` (their recipients are personal data).
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand

from coopess.common.mail import prune_emails, requeue_emails


class Command(BaseCommand):
    help = (
        "Enqueue again the outbox emails still to send that no task will deliver, and prune "
        "old sent ones. Idempotent; see docs/deploy.md."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=float,
            default=300,
            metavar="SECONDS",
            help="Only emails queued or last tried more than this ago (default: 300).",
        )
        parser.add_argument(
            "--prune-after-days",
            type=int,
            default=30,
            metavar="DAYS",
            help="Delete sent (or given-up) emails older than this; 0 keeps them (default: 30).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Only count them.")

    def handle(self, *args, older_than, prune_after_days, dry_run, **options):
        ids = requeue_emails(older_than=dt.timedelta(seconds=older_than), dry_run=dry_run)
        pruned = 0
        if prune_after_days > 0:
            pruned = prune_emails(older_than=dt.timedelta(days=prune_after_days), dry_run=dry_run)
        verb = "would be" if dry_run else "were"
        for email_id in ids:
            self.stdout.write(f"re-queued: {email_id}")
        self.stdout.write(
            f"{len(ids)} email(s) without a task {verb} re-queued, {pruned} old one(s) pruned."
        )
