from django.urls import include, path

from . import views

app_name = "console"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]

# Each app's console pages hang under /console/<app>/ (see config/urls.py).
console_patterns = [
    path("", include("kuyakusho.console.urls")),
    path("", include("kuyakusho.accounts.urls")),
    path("audit/", include("kuyakusho.audit.urls")),
]
