from django.apps import AppConfig


class QueuesConfig(AppConfig):
    name = "kuyakusho.queues"
    label = "queues"

    def ready(self) -> None:
        # in ready(): these modules import models, which cannot be imported while the app registry loads
        from kuyakusho.offices.services import on_schedule_changed

        from .live import publish

        def push(office_codes: list[str]) -> None:
            for code in office_codes:
                publish.notify_now(code)

        on_schedule_changed(push)
