from django.apps import AppConfig


class OfficesConfig(AppConfig):
    name = "kuyakusho.offices"
    label = "offices"
