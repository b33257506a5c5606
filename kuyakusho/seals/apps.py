from django.apps import AppConfig


class SealsConfig(AppConfig):
    name = "kuyakusho.seals"
    label = "seals"
