from django.apps import AppConfig


class KioskConfig(AppConfig):
    name = "kuyakusho.kiosk"
    label = "kiosk"
