"""A public identifier (UUID) for the API: every existing row gets its own."""

import uuid

from django.db import migrations, models


def populate(apps, schema_editor):
    Model = apps.get_model("selection", "Cohort")
    rows = list(Model.objects.only("pk"))
    for row in rows:
        row.public_id = uuid.uuid4()
    Model.objects.bulk_update(rows, ["public_id"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("selection", "0003_decision_call_structure_count")]

    operations = [
        migrations.AddField(
            model_name="cohort",
            name="public_id",
            field=models.UUIDField(editable=False, null=True, verbose_name="identifiant public"),
        ),
        migrations.RunPython(populate, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="cohort",
            name="public_id",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, unique=True, verbose_name="identifiant public"
            ),
        ),
    ]
