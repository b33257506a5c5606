from django.apps import AppConfig


class ResidentsConfig(AppConfig):
    name = "kuyakusho.residents"
    label = "residents"
