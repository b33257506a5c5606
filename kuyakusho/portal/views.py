from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from kuyakusho.core import recent
from kuyakusho.core.access import public
from kuyakusho.guide.selectors import notices

from .services import home_services

#: How long the home page's rendered content is kept (per process): a notice published shows within this time.
HOME_SECONDS = 60


@public
def home(request: HttpRequest) -> HttpResponse:
    ready, preparing = home_services()
    # the notices are a lazy query, read only when the kept rendering is renewed
    return render(request, "portal/home.html", {"services": ready, "preparing": preparing,
                                                "notices": notices(limit=5), "today": timezone.localdate(),
                                                "home_period": recent.period(HOME_SECONDS)})
