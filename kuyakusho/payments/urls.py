"""Paths of the payments area, spelled in full (payers: /payments/…, the sandbox provider:
/payments/sandbox/…, providers' notifications: /payments/webhook/<provider>, staff: /console/payments/…)."""

from django.urls import path

from . import views

app_name = "payments"
urlpatterns = [
    path("payments/bills/<str:token>/", views.bill_page, name="bill"),
    path("payments/bills/<str:token>/pay", views.bill_pay, name="bill_pay"),
    path("payments/bills/<str:token>/done", views.bill_done, name="bill_done"),
    path("payments/bills/<str:token>/pdf", views.bill_pdf, name="bill_pdf"),
    path("payments/webhook/<str:provider>", views.webhook, name="webhook"),
    path("payments/sandbox/checkout/<str:checkout_id>/", views.sandbox_checkout, name="sandbox_checkout"),
    path("payments/sandbox/checkout/<str:checkout_id>/confirm", views.sandbox_challenge, name="sandbox_challenge"),
    path("payments/sandbox/checkout/<str:checkout_id>/code", views.sandbox_code, name="sandbox_code"),
    path("payments/sandbox/checkout/<str:checkout_id>/qr.svg", views.sandbox_qr, name="sandbox_qr"),
    path("console/payments/", views.console_bills, name="console_bills"),
    path("console/payments/bills/new", views.console_bill_new, name="console_bill_new"),
    path("console/payments/bills/<int:pk>/", views.console_bill, name="console_bill"),
    path("console/payments/bills/<int:pk>/pdf", views.console_bill_pdf, name="console_bill_pdf"),
    path("console/payments/bills/<int:pk>/counter", views.console_counter_payment, name="console_counter_payment"),
    path("console/payments/payments/<int:pk>/refund", views.console_refund, name="console_refund"),
    path("console/payments/reconciliation/", views.console_reconciliation, name="console_reconciliation"),
    path("console/payments/reconciliation/<int:pk>/", views.console_reconciliation_report,
         name="console_reconciliation_report"),
]
