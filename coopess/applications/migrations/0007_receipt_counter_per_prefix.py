"""Receipt counters are keyed on the receipt prefix, not the call: two calls sharing a prefix in
the same year would otherwise hand out the same number. Existing counters are merged (the
highest last number of a prefix and year wins)."""

from django.db import migrations, models


def counters_by_prefix(apps, schema_editor):
    ReceiptCounter = apps.get_model("applications", "ReceiptCounter")
    kept: dict[tuple[str, int], object] = {}
    for counter in ReceiptCounter.objects.select_related("call").order_by("pk"):
        key = (counter.call.receipt_prefix, counter.year)
        if key in kept:
            first = kept[key]
            first.last = max(first.last, counter.last)
            first.save(update_fields=["last"])
            counter.delete()
        else:
            counter.prefix = key[0]
            counter.save(update_fields=["prefix"])
            kept[key] = counter


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0006_reporting_covering_index"),
        ("calls", "0004_call_follow_up_offsets"),
    ]

    operations = [
        migrations.AddField(
            model_name="receiptcounter",
            name="prefix",
            field=models.CharField(default="", max_length=20),
            preserve_default=False,
        ),
        migrations.RunPython(counters_by_prefix, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="receiptcounter", name="one_counter_per_call_year"),
        migrations.RemoveField(model_name="receiptcounter", name="call"),
        migrations.AddConstraint(
            model_name="receiptcounter",
            constraint=models.UniqueConstraint(
                fields=("prefix", "year"), name="one_counter_per_prefix_year"
            ),
        ),
    ]
