from django.apps import AppConfig
from django.db.backends.signals import connection_created


class AuditConfig(AppConfig):
    name = "kuyakusho.audit"
    label = "audit"

    def ready(self) -> None:
        # in ready(): the guard reads the models, which cannot be imported while the app registry loads
        from .guard import on_connection_created

        connection_created.connect(on_connection_created, dispatch_uid="audit.guard")
