from django.apps import AppConfig


class FacilitiesConfig(AppConfig):
    name = "kuyakusho.facilities"
    label = "facilities"

    def ready(self) -> None:
        # in ready(): these modules import models, which cannot be imported while the app registry loads
        from kuyakusho.opendata import sources
        from kuyakusho.opendata.generators import STANDARD_FACILITIES
        from kuyakusho.payments.services import on_payment_event

        from .booking import payment_listener
        from .selectors import open_data_rows

        on_payment_event(payment_listener)
        # the facilities join the offices in the open-data catalogue's 公共施設一覧
        sources.contribute(STANDARD_FACILITIES, open_data_rows)
