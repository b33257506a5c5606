from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kuyakusho.accounts"
    label = "accounts"
