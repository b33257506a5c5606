"""Paths of the facilities area, spelled in full: the public guide and vacancy (/facilities/…), the resident's
pages (/facilities/my/…), the permit's verification (/facilities/verify/<code>), the console
(/console/facilities/…)."""

from django.urls import path

from . import views

app_name = "facilities"
urlpatterns = [
    path("facilities/", views.index, name="index"),
    path("facilities/f/<str:code>/", views.facility, name="facility"),
    path("facilities/verify/<str:code>", views.verify, name="verify"),
    path("facilities/lottery/<int:pk>/published.json", views.published, name="published"),
    path("facilities/my/", views.my, name="my"),
    path("facilities/my/register", views.register, name="register"),
    path("facilities/my/slot", views.slot, name="slot"),
    path("facilities/my/entries/<int:pk>/confirm", views.confirm, name="confirm"),
    path("facilities/my/applications/<int:pk>/withdraw", views.withdraw, name="withdraw"),
    path("facilities/my/bookings/<int:pk>/pay", views.pay, name="pay"),
    path("facilities/my/bookings/<int:pk>/permit.pdf", views.permit, name="permit"),
    path("facilities/my/bookings/<int:pk>/cancel", views.cancel, name="cancel"),
    path("facilities/my/bookings/<int:pk>/change", views.change, name="change"),
    path("facilities/my/bookings.ics", views.calendar, name="calendar"),
    path("console/facilities/", views.console_index, name="console_index"),
    path("console/facilities/registrants/<int:pk>/", views.console_registrant, name="console_registrant"),
    path("console/facilities/lottery/", views.console_rounds, name="console_rounds"),
    path("console/facilities/lottery/<int:pk>/", views.console_round, name="console_round"),
    path("console/facilities/f/<str:code>/", views.console_facility, name="console_facility"),
    path("console/facilities/f/<str:code>/day", views.console_day, name="console_day"),
    path("console/facilities/f/<str:code>/edit", views.console_facility_edit, name="console_facility_edit"),
    path("console/facilities/rooms/<int:pk>/", views.console_room, name="console_room"),
    path("console/facilities/report", views.console_report, name="console_report"),
]
