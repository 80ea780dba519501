"""Each decision keeps its application's call and number of structures (copied on creation), so
the funders' indicators count decisions without joining the call's applications."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_from_applications(apps, schema_editor):
    Decision = apps.get_model("selection", "Decision")
    Application = apps.get_model("applications", "Application")
    application = Application.objects.filter(pk=OuterRef("application_id"))
    Decision.objects.update(
        call_id=Subquery(application.values("call_id")[:1]),
        structure_count=Subquery(application.values("structure_count")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0007_receipt_counter_per_prefix"),
        ("calls", "0003_call_retention"),
        ("selection", "0002_cohorttransition"),
    ]

    operations = [
        migrations.AddField(
            model_name="decision",
            name="call",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="calls.call",
            ),
        ),
        migrations.AddField(
            model_name="decision",
            name="structure_count",
            field=models.PositiveSmallIntegerField(
                default=1, editable=False, verbose_name="nombre de structures"
            ),
        ),
        migrations.RunPython(copy_from_applications, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="decision",
            name="call",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="calls.call",
            ),
        ),
    ]
