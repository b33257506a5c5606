"""Public and self-service pages: /kiosk/certificates/…, /verify/<code>."""

from django.urls import path

from .views import kiosk, verify

urlpatterns = [
    # The certificate kiosk (自動交付機): card → PIN → choose → confirm → receive.
    path("kiosk/certificates/", kiosk.start, name="kiosk"),
    path("kiosk/certificates/enrol/", kiosk.enrol, name="kiosk_enrol"),
    path("kiosk/certificates/pin/", kiosk.pin, name="kiosk_pin"),
    path("kiosk/certificates/choose/", kiosk.choose, name="kiosk_choose"),
    path("kiosk/certificates/confirm/", kiosk.confirm, name="kiosk_confirm"),
    path("kiosk/certificates/receive/", kiosk.receive, name="kiosk_receive"),
    path("kiosk/certificates/receive/certificate.pdf", kiosk.receive_pdf, name="kiosk_pdf"),
    path("kiosk/certificates/finish/", kiosk.finish, name="kiosk_finish"),
    # Public verification (the QR code on every certificate opens the first one).
    path("verify/", verify.lookup, name="verify_lookup"),
    path("verify/<str:code>", verify.verify, name="verify"),
    path("verify/<str:code>/status.json", verify.verify_status, name="verify_status"),
    path("verify/<str:code>/check.json", verify.verify_check, name="verify_check"),
]
