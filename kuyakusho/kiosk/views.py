from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from kuyakusho.core.access import public

KIOSK_SERVICES = [
    ("certificates:kiosk", _("証明書の発行"), _("区民カードまたはマイナンバーカードで")),
    ("queues:ticket_offices", _("窓口の番号札"), _("区民事務所の受付番号を発券")),
]


@public
def home(request: HttpRequest) -> HttpResponse:
    services = []
    for url_name, title, text in KIOSK_SERVICES:
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            url = None
        services.append({"url": url, "title": title, "text": text})
    return render(request, "kiosk/home.html", {"services": services})
