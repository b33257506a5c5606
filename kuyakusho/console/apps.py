from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "kuyakusho.console"
    label = "console"
