"""Street reports serve three audiences; the paths are spelled in full here: the resident site (/reports/…),
the console (/console/reports/…) and Open311 GeoReport v2 (/open311/v2/…)."""

from django.urls import path

from . import console_views, open311, views

app_name = "reports"
urlpatterns = [
    path("reports/", views.index, name="index"),
    path("reports/new", views.new, name="new"),
    path("reports/new/details", views.details, name="details"),
    path("reports/mine", views.mine, name="mine"),
    path("reports/map.json", views.map_data, name="map_data"),
    path("reports/stats", console_views.stats, name="stats"),
    path("reports/stats.csv", console_views.stats_csv, name="stats_csv"),
    path("reports/<int:pk>", views.report, name="report"),
    path("reports/<int:pk>/me-too", views.me_too, name="me_too"),
    path("reports/<int:pk>/follow", views.follow, name="follow"),
    path("reports/<int:pk>/reopen", views.reopen, name="reopen"),
    path("reports/<int:pk>/photos/<int:photo_id>/<str:size>.jpg", views.photo, name="photo"),
    path("console/reports/", console_views.queue, name="console_queue"),
    path("console/reports/<int:pk>", console_views.detail, name="console_report"),
    path("console/reports/<int:pk>/act", console_views.act, name="console_act"),
    path("console/reports/photos/<int:photo_id>.jpg", console_views.photo, name="console_photo"),
    path("open311/discovery.<str:fmt>", open311.discovery, name="open311_discovery"),
    path("open311/v2/services.<str:fmt>", open311.services_list, name="open311_services"),
    path("open311/v2/services/<str:code>.<str:fmt>", open311.service_definition, name="open311_service"),
    path("open311/v2/requests.<str:fmt>", open311.requests_view, name="open311_requests"),
    path("open311/v2/requests/<str:request_id>.<str:fmt>", open311.request_view, name="open311_request"),
    path("open311/v2/tokens/<str:token>.<str:fmt>", open311.token_view, name="open311_token"),
]
