from django.apps import AppConfig


class GuideConfig(AppConfig):
    name = "kuyakusho.guide"
    label = "guide"
    verbose_name = "くらしの案内"
