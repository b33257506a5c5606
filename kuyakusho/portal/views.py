from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from kuyakusho.core.access import public
from kuyakusho.guide.selectors import notices

from .services import home_services


@public
def home(request: HttpRequest) -> HttpResponse:
    ready, preparing = home_services()
    return render(request, "portal/home.html", {"services": ready, "preparing": preparing,
                                                "notices": notices(limit=5), "today": timezone.localdate()})
