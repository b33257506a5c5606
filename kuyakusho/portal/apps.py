from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "kuyakusho.portal"
    label = "portal"

    def ready(self) -> None:
        # Street reports sit below the resident site: they learn who is signed in and send notices to My page's
        # inbox through these hooks (imported here, once the app registry is loaded: they import models).
        from kuyakusho.reports import hooks

        from . import reports

        hooks.register(resolver=reports.signed_in_account, sign_in_url=reports.sign_in_url, deliver=reports.deliver)
