"""PostgreSQL only: a trigram index so that the officers' search (``search_text LIKE '%…%'``)
does not scan every application. Skipped on SQLite, and where the pg_trgm extension cannot be
created (a managed database without the right): the search still works, only slower."""

import logging

from django.db import DatabaseError, migrations, transaction

logger = logging.getLogger("coopess")

INDEX = "application_search_trgm_idx"


def create_index(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {INDEX} ON applications_application "
                "USING gin (search_text gin_trgm_ops)"
            )
    except DatabaseError as error:
        logger.warning("Trigram index for the search not created (%s): the search stays unindexed.", error)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("applications", "0004_structure_departement_index")]

    operations = [migrations.RunPython(create_index, drop_index)]
