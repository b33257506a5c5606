from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "kuyakusho.planning"
    label = "planning"
    verbose_name = "企画"
