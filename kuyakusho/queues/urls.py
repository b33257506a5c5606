"""Queues serve several audiences; this module is included at the site root, so paths are spelled in full."""

from django.urls import path

from .live import views as live
from .views import console, kiosk, public

app_name = "queues"
urlpatterns = [
    # Residents
    path("congestion", public.congestion, name="congestion"),
    path("congestion/events", live.congestion_events, name="congestion_events"),
    path("congestion/<slug:office>/events", live.office_events, name="office_events"),
    path("congestion/<slug:office>/best-time", public.best_time, name="best_time"),
    path("tickets/<str:token>", public.ticket_status, name="ticket_status"),
    path("tickets/<str:token>/status.json", public.ticket_status_json, name="ticket_status_json"),
    # Lobby display
    path("display/<slug:office>", public.display, name="display"),
    # Ticket machines
    path("kiosk/tickets/", kiosk.ticket_offices, name="ticket_offices"),
    path("kiosk/tickets/<str:token>", kiosk.ticket_issued, name="ticket_issued"),
    path("kiosk/<slug:office>/ticket", kiosk.ticket_machine, name="ticket_machine"),
    # Counter clerks
    path("console/queues/", console.console, name="console"),
    path("console/queues/<slug:office>/<int:counter>", console.counter_screen, name="counter"),
    path("console/queues/<slug:office>/<int:counter>/<slug:action>", console.counter_action, name="counter_action"),
]
