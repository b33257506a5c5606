from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "kuyakusho.certificates"
    label = "certificates"

    def ready(self) -> None:
        # in ready(): these modules import models, which cannot be imported while the app registry loads
        from kuyakusho.payments.services import on_payment_event

        from .services.online import payment_event

        on_payment_event(payment_event)  # online requests learn of their fee's payment
