from django.shortcuts import render
from django.utils import timezone

from kuyakusho.core.access import public

from .services import home_services


@public
def home(request):
    return render(request, "portal/home.html", {"services": home_services(), "today": timezone.localdate()})
