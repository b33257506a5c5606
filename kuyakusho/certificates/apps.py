from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "kuyakusho.certificates"
    label = "certificates"
