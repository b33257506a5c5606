from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "kuyakusho.reports"
    label = "reports"
