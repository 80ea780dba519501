from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "coopess.accounts"
    label = "accounts"
    verbose_name = "Comptes et rôles"
