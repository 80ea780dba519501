"""The live sessions of an engagement never outnumber its planned half-days, enforced by the
database itself (a check across rows, so a trigger on each backend).

- inserting or reviving a session beyond the planned number aborts;
- lowering an engagement's planned half-days below its live sessions aborts.

Both raise an IntegrityError whose message contains ``sessions_within_planned_half_days``; the
services lock the engagement first and turn it into a French message.
"""

from django.db import migrations

NAME = "sessions_within_planned_half_days"

SQLITE_SESSION_CHECK = f"""
    SELECT RAISE(ABORT, '{NAME}')
    WHERE NEW.status <> 'cancelled' AND (
        SELECT COUNT(*) FROM support_session other
        WHERE other.engagement_id = NEW.engagement_id AND other.status <> 'cancelled'
          AND (NEW.id IS NULL OR other.id <> NEW.id)
    ) >= (SELECT planned_half_days FROM support_engagement WHERE id = NEW.engagement_id);
"""
SQLITE_ENGAGEMENT_CHECK = f"""
    SELECT RAISE(ABORT, '{NAME}')
    WHERE (
        SELECT COUNT(*) FROM support_session s
        WHERE s.engagement_id = NEW.id AND s.status <> 'cancelled'
    ) > NEW.planned_half_days;
"""
SQLITE_FORWARD = [
    f"""CREATE TRIGGER {NAME}_insert BEFORE INSERT ON support_session
        BEGIN {SQLITE_SESSION_CHECK} END""",
    f"""CREATE TRIGGER {NAME}_update BEFORE UPDATE OF status, engagement_id ON support_session
        BEGIN {SQLITE_SESSION_CHECK} END""",
    f"""CREATE TRIGGER {NAME}_engagement BEFORE UPDATE OF planned_half_days ON support_engagement
        BEGIN {SQLITE_ENGAGEMENT_CHECK} END""",
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER {NAME}_insert",
    f"DROP TRIGGER {NAME}_update",
    f"DROP TRIGGER {NAME}_engagement",
]

PG_FORWARD = [
    f"""CREATE FUNCTION {NAME}_session() RETURNS trigger AS $$
    BEGIN
        IF NEW.status <> 'cancelled' AND (
            SELECT COUNT(*) FROM support_session other
            WHERE other.engagement_id = NEW.engagement_id AND other.status <> 'cancelled'
              AND other.id <> NEW.id
        ) >= (SELECT planned_half_days FROM support_engagement WHERE id = NEW.engagement_id) THEN
            RAISE EXCEPTION '{NAME}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER {NAME}_session BEFORE INSERT OR UPDATE OF status, engagement_id
        ON support_session FOR EACH ROW EXECUTE FUNCTION {NAME}_session()""",
    f"""CREATE FUNCTION {NAME}_engagement() RETURNS trigger AS $$
    BEGIN
        IF (
            SELECT COUNT(*) FROM support_session s
            WHERE s.engagement_id = NEW.id AND s.status <> 'cancelled'
        ) > NEW.planned_half_days THEN
            RAISE EXCEPTION '{NAME}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER {NAME}_engagement BEFORE UPDATE OF planned_half_days
        ON support_engagement FOR EACH ROW EXECUTE FUNCTION {NAME}_engagement()""",
]
PG_BACKWARD = [
    f"DROP TRIGGER {NAME}_session ON support_session",
    f"DROP FUNCTION {NAME}_session()",
    f"DROP TRIGGER {NAME}_engagement ON support_engagement",
    f"DROP FUNCTION {NAME}_engagement()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("support", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
