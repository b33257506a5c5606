from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "kuyakusho.operations"
    label = "operations"
    verbose_name = "運用"
