from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kuyakusho.core"
    label = "core"
