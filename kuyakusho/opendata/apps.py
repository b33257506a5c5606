from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "kuyakusho.opendata"
    label = "opendata"
    verbose_name = "オープンデータ"

    def ready(self) -> None:
        # The ward's own standard datasets (offices, population, catalogue, counters, certificates, CSV files).
        # Higher or sibling areas add theirs the same way from their own AppConfig.ready().
        from . import generators

        generators.register_builtin()
