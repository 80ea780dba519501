"""An officer's live interviews never overlap, enforced by the database itself.

PostgreSQL: an exclusion constraint on (officer, [starts_at, ends_at)) with btree_gist.
SQLite: two triggers that abort an insert or update creating an overlap. Both raise an
IntegrityError that the booking services turn into a French message.
"""

from django.db import migrations

PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """ALTER TABLE diagnostic_interview ADD CONSTRAINT officer_never_double_booked
       EXCLUDE USING gist (officer_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
       WHERE (status <> 'cancelled')""",
]
PG_BACKWARD = ["ALTER TABLE diagnostic_interview DROP CONSTRAINT officer_never_double_booked"]

SQLITE_CHECK = """
    SELECT RAISE(ABORT, 'officer_never_double_booked')
    WHERE NEW.status <> 'cancelled' AND EXISTS (
        SELECT 1 FROM diagnostic_interview other
        WHERE other.officer_id = NEW.officer_id AND other.id <> NEW.id
          AND other.status <> 'cancelled'
          AND other.starts_at < NEW.ends_at AND NEW.starts_at < other.ends_at
    );
"""
SQLITE_FORWARD = [
    f"""CREATE TRIGGER officer_never_double_booked_insert BEFORE INSERT ON diagnostic_interview
        BEGIN {SQLITE_CHECK} END""",
    f"""CREATE TRIGGER officer_never_double_booked_update BEFORE UPDATE ON diagnostic_interview
        BEGIN {SQLITE_CHECK} END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER officer_never_double_booked_insert",
    "DROP TRIGGER officer_never_double_booked_update",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("diagnostic", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
