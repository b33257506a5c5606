from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kuyakusho.accounts"
    label = "accounts"

    def ready(self) -> None:
        from django.core.checks import register

        # in ready(): throttling reads the models, which cannot be imported while the app registry loads
        from .throttling import check_limits

        register(check_limits)
