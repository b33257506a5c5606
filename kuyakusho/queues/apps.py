from django.apps import AppConfig


class QueuesConfig(AppConfig):
    name = "kuyakusho.queues"
    label = "queues"
