from django.core.management.base import BaseCommand

from coopess.common.demo import DEMO_STAFF_PASSWORD, demo_load


class Command(BaseCommand):
    help = "Load CoopESS's demo data (idempotent) and print the demo accounts."

    def handle(self, *args, **options) -> None:
        accounts = demo_load()
        out = self.stdout
        out.write("")
        out.write(self.style.SUCCESS("Données de démonstration prêtes."))
        out.write("Comptes de démonstration (personnes fictives) :")
        for account in accounts:
            out.write(f"  {account.role.label:<36} {account.email}")
        out.write("")
        out.write("Connexion : « Recevoir un code par courriel » ; le code s'affiche dans cette")
        out.write("console et sur la page « Courriels de démo » (lien dans le bandeau).")
        out.write(
            f"Les comptes de l'équipe peuvent aussi utiliser le mot de passe : {DEMO_STAFF_PASSWORD}"
        )
        out.write("")
        out.write("À essayer : candidater sur la copie ouverte aujourd'hui ; mettre en concurrence")
        out.write("les prestataires pour la cohorte de l'édition 2025 (Accompagnement → la cohorte")
        out.write("2025). Pas à pas : docs/guide/demonstration.md")
