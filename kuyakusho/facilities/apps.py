from django.apps import AppConfig


class FacilitiesConfig(AppConfig):
    name = "kuyakusho.facilities"
    label = "facilities"

    def ready(self) -> None:
        from kuyakusho.payments.services import on_payment_event

        from .booking import payment_listener

        on_payment_event(payment_listener)
