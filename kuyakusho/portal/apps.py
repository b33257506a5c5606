from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "kuyakusho.portal"
    label = "portal"
