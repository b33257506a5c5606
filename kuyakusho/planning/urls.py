from django.urls import path

from . import views

app_name = "planning"

urlpatterns = [
    path("", views.coverage, name="coverage"),
    path("workload/", views.workload_page, name="workload"),
    path("simulations/", views.simulations, name="simulations"),
    path("simulations/<int:pk>/", views.run_detail, name="run"),
    path("recommendations/", views.recommendations, name="recommend"),
    path("report.pdf", views.report, name="report"),
]
