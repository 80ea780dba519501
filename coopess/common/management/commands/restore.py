from django.core.management.base import BaseCommand, CommandError

from coopess.common.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore an archive made by `manage.py backup` into an EMPTY database and MEDIA_ROOT. "
        "Runs `migrate` first, refuses a non-empty database, an archive from a newer code "
        "version, unsafe paths and media files that do not match their sha256, then checks the "
        "row counts against the archive's manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="Path to the .tar.gz archive.")

    def handle(self, *args, **options):
        try:
            restore(options["archive"], stdout=self.stdout)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Restored {options['archive']}."))
