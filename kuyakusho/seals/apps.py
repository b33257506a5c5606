from django.apps import AppConfig


class SealsConfig(AppConfig):
    name = "kuyakusho.seals"
    label = "seals"

    def ready(self) -> None:
        # in ready(): these modules import models, which cannot be imported while the app registry loads
        from kuyakusho.residents.services.common import on_resident_removed

        from .services import abolish_for_removal

        on_resident_removed(abolish_for_removal)  # a removal from the register ends the seal registration
