from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "kuyakusho.operations"
    label = "operations"
    verbose_name = "運用"

    def ready(self) -> None:
        # in ready(): the jobs' module imports models, which cannot be imported while the app registry loads;
        # importing it names the periodic jobs to the metrics in every process
        from . import schedule  # noqa: F401
