from django.urls import include, path

from config.api import api
from kuyakusho.accounts.urls import webauthn_patterns
from kuyakusho.console.urls import console_patterns
from kuyakusho.core.views import set_language

urlpatterns = [
    path("", include("kuyakusho.portal.urls")),
    # Residents' sign-in (/identity/…) and, where IDENTITY_SANDBOX is on, the sandbox provider (/identity/sandbox/…).
    path("", include("kuyakusho.identity.urls")),
    path("console/", include(console_patterns)),
    path("console/account/passkeys/", include(webauthn_patterns)),
    path("console/residents/", include("kuyakusho.residents.urls")),
    path("console/seals/", include("kuyakusho.seals.urls")),
    path("kiosk/", include("kuyakusho.kiosk.urls")),
    path("offices/", include("kuyakusho.offices.urls")),
    # The resident site's information pages: /offices/<office>/, /certificates/, /procedures/, /news/, /search/ …
    path("", include("kuyakusho.guide.urls")),
    # Certificates and queues serve several audiences; each app's urls.py spells its full paths
    # (/console/certificates/…, /kiosk/certificates/…, /verify/<code>; /congestion, /display/<office>, …).
    path("", include("kuyakusho.certificates.urls")),
    path("", include("kuyakusho.queues.urls")),
    path("", include("kuyakusho.payments.urls")),  # /payments/… (payers, sandbox, webhooks), /console/payments/…
    path("console/planning/", include("kuyakusho.planning.urls")),
    # Open data: /opendata/… (catalogue, downloads, DCAT), /api/3/action/… (CKAN's API), /console/opendata/…
    path("", include("kuyakusho.opendata.urls")),
    path("", include("kuyakusho.facilities.urls")),  # /facilities/… (public, residents), /console/facilities/…
    path("", include("kuyakusho.reports.urls")),  # street reports: /reports/…, /console/reports/…, /open311/…
    path("api/", api.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("", include("kuyakusho.operations.urls")),  # /healthz, /readyz, /metrics
]

handler400 = "kuyakusho.core.views.error_400"
handler403 = "kuyakusho.core.views.error_403"
handler404 = "kuyakusho.core.views.error_404"
handler500 = "kuyakusho.operations.views.error_500"  # 503 when the database is unavailable
