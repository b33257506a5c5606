from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "kuyakusho.portal"
    label = "portal"

    def ready(self) -> None:
        # in ready(): these modules import models, which cannot be imported while the app registry loads
        from kuyakusho.certificates.services.online import on_online_event

        from .online_notices import tell_resident

        on_online_event(tell_resident)  # the resident hears of her online requests in her inbox and by mail
