"""The resident site's information pages, at the site root."""

from django.urls import path

from . import views

app_name = "guide"
urlpatterns = [
    path("offices/<slug:code>/", views.office, name="office"),
    path("certificates/", views.certificates, name="certificates"),
    path("procedures/", views.procedures, name="procedures"),
    path("procedures/<slug:slug>/", views.procedure, name="procedure"),
    path("news/", views.notices, name="notices"),
    path("news/<int:pk>/", views.notice, name="notice"),
    path("search/", views.search, name="search"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("ward-boundary.geojson", views.boundary, name="boundary"),
]
