from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "kuyakusho.identity"
    label = "identity"
