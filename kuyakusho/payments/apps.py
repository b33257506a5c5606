from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "kuyakusho.payments"
    label = "payments"
