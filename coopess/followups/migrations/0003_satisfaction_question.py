"""The structures' satisfaction with the consultant (a 1–5 scale) and its comment, added to the
follow-up questionnaire of every call that already created its questions (a call that has not
yet gets them from the defaults on first use). Follow-ups answered before keep their answers:
the new questions show « Non demandé » there."""

from django.db import migrations, models

QUESTIONS = [
    {
        "code": "satisfaction",
        "label": "Votre satisfaction sur l'accompagnement collectif apporté par le consultant",
        "kind": "scale",
        "help_text": "De 1 (pas du tout satisfait) à 5 (très satisfait). Le DLA s'en sert pour "
        "choisir ses prochains prestataires : seule la moyenne des structures de la cohorte "
        "apparaît dans son annuaire.",
    },
    {
        "code": "satisfaction_comment",
        "label": "Un commentaire sur l'accompagnement du consultant",
        "kind": "text",
        "help_text": "",
    },
]


def add_questions(apps, schema_editor):
    Question = apps.get_model("followups", "FollowUpQuestion")
    last: dict[int, int] = {}
    codes: dict[int, set[str]] = {}
    for call_id, code, position in Question.objects.values_list("call_id", "code", "position"):
        last[call_id] = max(last.get(call_id, 0), position)
        codes.setdefault(call_id, set()).add(code)
    Question.objects.bulk_create(
        [
            Question(call_id=call_id, position=last[call_id] + 1 + index, required=False, **row)
            for call_id in sorted(last)
            for index, row in enumerate(QUESTIONS)
            if row["code"] not in codes[call_id]
        ]
    )


def remove_questions(apps, schema_editor):
    Question = apps.get_model("followups", "FollowUpQuestion")
    Question.objects.filter(code__in=[row["code"] for row in QUESTIONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("followups", "0002_followup_public_id")]

    operations = [
        migrations.AlterField(
            model_name="followupquestion",
            name="kind",
            field=models.CharField(
                choices=[
                    ("text", "Texte libre"),
                    ("integer", "Nombre entier"),
                    ("decimal", "Nombre décimal"),
                    ("stage", "Stade de la coopération (stades de l'appel)"),
                    ("form", "Forme de coopération retenue"),
                    ("scale", "Satisfaction de 1 (pas du tout satisfait) à 5 (très satisfait)"),
                ],
                max_length=20,
                verbose_name="type de réponse",
            ),
        ),
        migrations.RunPython(add_questions, remove_questions),
    ]
