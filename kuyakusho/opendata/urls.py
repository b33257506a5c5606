"""Open data: the public catalogue (/opendata/…), the CKAN action API (/api/3/action/…) and the console
(/console/opendata/…). Each path is spelled in full here."""

from django.urls import path, register_converter

from . import views


class _Format:
    regex = "ttl|jsonld|rdf"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(_Format, "rdf")

app_name = "opendata"
urlpatterns = [
    path("opendata/", views.search, name="index"),
    path("opendata/catalog.<rdf:fmt>", views.catalog, name="catalog"),
    path("opendata/dataset/<slug:name>/", views.dataset, name="dataset"),
    path("opendata/dataset/<slug:name>.<rdf:fmt>", views.dataset_dcat, name="dataset_dcat"),
    path("opendata/resource/<uuid:resource_id>/download/<str:file_name>", views.download, name="download"),
    path("api/3/action/<str:name>", views.action, name="action"),
    path("console/opendata/", views.console_index, name="console_index"),
    path("console/opendata/new/", views.console_new, name="console_new"),
    path("console/opendata/<slug:name>/", views.console_edit, name="console_edit"),
    path("console/opendata/<slug:name>/withdraw/", views.console_withdraw, name="console_withdraw"),
    path("console/opendata/<slug:name>/upload/", views.console_upload, name="console_upload"),
    path("console/opendata/regenerate/<slug:key>/", views.console_regenerate, name="console_regenerate"),
]
