from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from coopess.common.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the database and the media files into one .tar.gz archive (data.json, media/, "
        "manifest.json). The database is saved with Django's dumpdata, not pg_dump, so that the "
        "archive is portable between SQLite (the embedded default) and PostgreSQL. Restore it "
        "with `manage.py restore` into an empty database."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            help="Archive to write (default: ./coopess-YYYYmmdd-HHMM.tar.gz, UTC).",
        )

    def handle(self, *args, **options):
        output = options["output"] or timezone.now().strftime("coopess-%Y%m%d-%H%M.tar.gz")
        try:
            manifest = backup(Path(output))
        except BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(manifest["row_counts"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {output}: {rows} rows, {len(manifest['media'])} media files."
            )
        )
