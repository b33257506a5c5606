from django.apps import AppConfig


class OfficesConfig(AppConfig):
    name = "kuyakusho.offices"
    label = "offices"

    def ready(self) -> None:
        from . import signals  # noqa: F401
