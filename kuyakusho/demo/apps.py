from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "kuyakusho.demo"
    label = "demo"
