import json

from django.core.management.base import BaseCommand

from coopess.api.schema import openapi_document


class Command(BaseCommand):
    help = "Écrit le schéma OpenAPI 3.1 de l'API (à enregistrer dans docs/openapi.json)."

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(openapi_document(), ensure_ascii=False, indent=2))
