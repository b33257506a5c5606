from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "kuyakusho.portal"
    label = "portal"

    def ready(self) -> None:
        # in ready(): these modules import models, which cannot be imported while the app registry loads
        from kuyakusho.certificates.services.online import on_online_event
        from kuyakusho.reports import hooks

        from . import reports
        from .online_notices import tell_resident

        on_online_event(tell_resident)  # the resident hears of her online requests in her inbox and by mail
        # Street reports sit below the resident site: they learn who is signed in and send notices to My page's
        # inbox through these hooks.
        hooks.register(resolver=reports.signed_in_account, sign_in_url=reports.sign_in_url, deliver=reports.deliver)
