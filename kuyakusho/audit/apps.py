from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "kuyakusho.audit"
    label = "audit"
