"""Pages of the payments area: the payer's bill page, the sandbox provider's hosted page, the webhook
endpoint, and the console's bills and reconciliation."""

from __future__ import annotations

import io

import segno
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from kuyakusho.accounts.actors import StaffRequest
from kuyakusho.accounts.capabilities import Capability
from kuyakusho.audit.context import audit_context
from kuyakusho.core.access import public, staff
from kuyakusho.core.actions import Done, add_refusal, post_action
from kuyakusho.core.errors import ApplicationError, ErrorCode

from . import codes, reconcile, selectors, services
from .forms import BillForm, CardForm, ReconciliationForm, RefundForm
from .models import Bill, Payment, Reconciliation, SandboxCheckout
from .pdf import BillDocument
from .pdf import render as render_pdf
from .providers import sandbox

C = Capability


# --- The payer's page ---------------------------------------------------------------------------------------

def _bill_or_404(token: str) -> Bill:
    bill = selectors.bill_from_token(token)
    if bill is None:
        raise Http404
    return bill


@public
def bill_page(request: HttpRequest, token: str) -> HttpResponse:
    """The bill as its payer sees it (reached by the signed link the area that raised it gives)."""
    bill = _bill_or_404(token)
    return render(request, "payments/bill.html", {"bill": bill, "token": token, "payments": bill.payments.all()})


@public
@post_action(lambda token: reverse("payments:bill", args=[token]))
def bill_pay(request: HttpRequest, token: str) -> Done:
    bill = _bill_or_404(token)
    return_url = request.build_absolute_uri(reverse("payments:bill_done", args=[token]))
    payment = services.start_checkout(actor=None, bill=bill, return_url=return_url)
    return Done(to=payment.redirect_url)  # the provider's page


@public
def bill_done(request: HttpRequest, token: str) -> HttpResponse:
    bill = _bill_or_404(token)
    return render(request, "payments/bill_done.html", {"bill": bill, "token": token})


@public
def bill_pdf(request: HttpRequest, token: str) -> HttpResponse:
    return _pdf_response(_bill_or_404(token))


def _pdf_response(bill: Bill) -> HttpResponse:
    barcode = None
    if bill.amount <= codes.MAX_BARCODE_AMOUNT:
        barcode = codes.konbini_barcode(company_code=settings.PAYMENTS_KONBINI_COMPANY_CODE, bill_number=bill.number,
                                        amount=bill.amount, due_on=bill.due_on, reissue=bill.reissue)
    doc = BillDocument(
        ward_name=settings.WARD["name_ja"], number=bill.number, purpose=bill.purpose, amount=bill.amount,
        due_on=bill.due_on, barcode=barcode, elqr=bill.accepts_elqr,
        payeasy=codes.PayEasy(settings.PAYMENTS_PAYEASY_BILLER_NUMBER, bill.payeasy_customer_number,
                              bill.payeasy_confirmation_number, bill.payeasy_kind))
    response = HttpResponse(render_pdf(doc), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="bill-{bill.number}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


# --- The provider's notifications ----------------------------------------------------------------------------

@public
@csrf_exempt
@require_POST
def webhook(request: HttpRequest, provider: str) -> HttpResponse:
    """A provider's signed notification: 200 once applied (or already applied), 400 when refused."""
    with audit_context(channel="system", via=f"payments:webhook:{provider[:32]}"):
        try:
            outcome = services.receive_webhook(provider_name=provider, body=request.body, headers=request.headers)
        except ApplicationError as e:
            return JsonResponse(e.as_dict(), status=e.http_status)
    return JsonResponse({"result": outcome})


# --- The sandbox provider's hosted page ------------------------------------------------------------------------

def _sandbox_checkout(checkout_id: str, *, lock: bool = False) -> SandboxCheckout:
    qs = SandboxCheckout.objects.select_for_update() if lock else SandboxCheckout.objects
    checkout = qs.filter(checkout_id=checkout_id).first()
    if checkout is None:
        raise Http404
    if checkout.status == SandboxCheckout.Status.OPEN and checkout.expires_at <= timezone.now():
        checkout.status = SandboxCheckout.Status.EXPIRED
        checkout.save(update_fields=["status"])
        sandbox.send_event("payment.expired", checkout)
    return checkout


def _paid(checkout: SandboxCheckout, method: str, last4: str = "") -> None:
    checkout.status, checkout.method, checkout.card_last4 = SandboxCheckout.Status.PAID, method, last4
    checkout.save(update_fields=["status", "method", "card_last4"])
    sandbox.send_event("payment.captured", checkout)


@public
def sandbox_checkout(request: HttpRequest, checkout_id: str) -> HttpResponse:
    """The hosted payment page: a card form and a code-payment option."""
    with transaction.atomic():
        checkout = _sandbox_checkout(checkout_id, lock=request.method == "POST")
        form = CardForm(request.POST or None)
        declined = False
        if request.method == "POST" and checkout.status == SandboxCheckout.Status.OPEN and form.is_valid():
            number = form.cleaned_data["card_number"]
            if number == sandbox.CARD_DECLINED:
                declined = True
            elif number == sandbox.CARD_CHALLENGE:
                checkout.status, checkout.method, checkout.card_last4 = (SandboxCheckout.Status.CHALLENGE, "card",
                                                                         number[-4:])
                checkout.save(update_fields=["status", "method", "card_last4"])
                return redirect("payments:sandbox_challenge", checkout_id=checkout_id)
            elif number == sandbox.CARD_SUCCESS:
                _paid(checkout, "card", number[-4:])
                return redirect(checkout.return_url)
            else:
                declined = True
    status = 400 if request.method == "POST" else 200
    return render(request, "payments/sandbox_checkout.html",
                  {"checkout": checkout, "form": form, "declined": declined, "cards": {
                      "success": sandbox.CARD_SUCCESS, "declined": sandbox.CARD_DECLINED,
                      "challenge": sandbox.CARD_CHALLENGE}, "code_url": request.build_absolute_uri(
                      reverse("payments:sandbox_code", args=[checkout_id]))}, status=status)


@public
def sandbox_challenge(request: HttpRequest, checkout_id: str) -> HttpResponse:
    """The card issuer's confirmation step (3-D Secure-like): approve or refuse."""
    with transaction.atomic():
        checkout = _sandbox_checkout(checkout_id, lock=request.method == "POST")
        if checkout.status != SandboxCheckout.Status.CHALLENGE:
            return redirect("payments:sandbox_checkout", checkout_id=checkout_id)
        if request.method == "POST":
            if request.POST.get("decision") == "approve":
                _paid(checkout, "card", checkout.card_last4)
            else:
                checkout.status = SandboxCheckout.Status.DECLINED
                checkout.save(update_fields=["status"])
                sandbox.send_event("payment.failed", checkout)
            return redirect(checkout.return_url)
    return render(request, "payments/sandbox_challenge.html", {"checkout": checkout})


@public
@require_POST
def sandbox_code(request: HttpRequest, checkout_id: str) -> HttpResponse:
    """The code-payment app approved the payment (in the demo, the button under the QR code)."""
    with transaction.atomic():
        checkout = _sandbox_checkout(checkout_id, lock=True)
        if checkout.status != SandboxCheckout.Status.OPEN:
            return HttpResponseBadRequest(_("この支払はすでに終了しています。"))
        _paid(checkout, "code")
    return redirect(checkout.return_url)


@public
def sandbox_qr(request: HttpRequest, checkout_id: str) -> HttpResponse:
    """The QR code a code-payment app scans (SVG)."""
    checkout = _sandbox_checkout(checkout_id)
    out = io.BytesIO()
    segno.make(request.build_absolute_uri(reverse("payments:sandbox_checkout", args=[checkout.checkout_id])),
               error="m").save(out, kind="svg", scale=4, border=2)
    return HttpResponse(out.getvalue(), content_type="image/svg+xml")


# --- Console ----------------------------------------------------------------------------------------------------

@staff(C.VIEW_PAYMENTS)
def console_bills(request: StaffRequest) -> HttpResponse:
    number = request.GET.get("number", "")[:21]
    status = request.GET.get("status", "")
    if status not in Bill.Status.values:
        status = ""
    page = Paginator(selectors.bills(status=status, number=number), 50).get_page(request.GET.get("page"))
    return render(request, "payments/console_bills.html", {"page": page, "number": number, "status": status,
                                                           "statuses": Bill.Status.choices})


@staff(C.MANAGE_PAYMENTS)
def console_bill_new(request: StaffRequest) -> HttpResponse:
    form = BillForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            bill = services.create_bill(actor=request.user, purpose=d["purpose"], amount=d["amount"],
                                        payer_ref=d["payer_ref"], due_on=d["due_on"], source="console",
                                        source_ref=f"{request.user.pk}-{timezone.now().strftime('%Y%m%d%H%M%S%f')}")
        except ApplicationError as e:
            add_refusal(form, e)
        else:
            messages.success(request, _("請求を登録しました。"))
            return redirect("payments:console_bill", pk=bill.pk)
    return render(request, "payments/console_bill_new.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


@staff(C.VIEW_PAYMENTS)
def console_bill(request: StaffRequest, pk: int) -> HttpResponse:
    try:
        bill = selectors.bill_detail(pk)
    except Bill.DoesNotExist:
        raise Http404 from None
    barcode = None
    if bill.amount <= codes.MAX_BARCODE_AMOUNT:
        barcode = codes.konbini_barcode(company_code=settings.PAYMENTS_KONBINI_COMPANY_CODE, bill_number=bill.number,
                                        amount=bill.amount, due_on=bill.due_on, reissue=bill.reissue)
    return render(request, "payments/console_bill.html", {
        "bill": bill, "barcode": barcode, "refund_form": RefundForm(), "link": reverse(
            "payments:bill", args=[selectors.bill_link_token(bill)]),
        "can_manage": request.user.has_capability(C.MANAGE_PAYMENTS),
        "biller_number": settings.PAYMENTS_PAYEASY_BILLER_NUMBER})


@staff(C.VIEW_PAYMENTS)
def console_bill_pdf(request: StaffRequest, pk: int) -> HttpResponse:
    return _pdf_response(get_object_or_404(Bill, pk=pk))


def _bill_of_payment(pk: int) -> str:
    return reverse("payments:console_bill", args=[get_object_or_404(Payment, pk=pk).bill_id])


@staff(C.MANAGE_PAYMENTS)
@post_action(_bill_of_payment)
def console_refund(request: StaffRequest, pk: int) -> str:
    payment = get_object_or_404(Payment, pk=pk)
    form = RefundForm(request.POST)
    if not form.is_valid():
        raise ApplicationError(ErrorCode.INVALID_INPUT, _("返金の理由を入力してください。"), field="reason")
    services.refund_payment(actor=request.user, payment=payment, reason=form.cleaned_data["reason"])
    return _("返金しました。")


@staff(C.MANAGE_PAYMENTS)
@post_action(lambda pk: reverse("payments:console_bill", args=[pk]))
def console_counter_payment(request: StaffRequest, pk: int) -> str:
    bill = get_object_or_404(Bill, pk=pk)
    services.record_counter_payment(actor=request.user, bill=bill)
    return _("窓口での納付を記録しました。")


@staff(C.MANAGE_PAYMENTS)
def console_reconciliation(request: StaffRequest) -> HttpResponse:
    form = ReconciliationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > 20 * 1024 * 1024:
            form.add_error("file", _("ファイルが大きすぎます（20MBまで）。"))
        else:
            try:
                rec = reconcile.import_file(actor=request.user, kind=form.cleaned_data["kind"], name=upload.name,
                                            data=upload.read())
            except ApplicationError as e:
                add_refusal(form, e)
            else:
                messages.success(request, _("取り込みました。"))
                return redirect("payments:console_reconciliation_report", pk=rec.pk)
    page = Paginator(selectors.reconciliations(), 30).get_page(request.GET.get("page"))
    return render(request, "payments/console_reconciliation.html", {"form": form, "page": page},
                  status=400 if request.method == "POST" else 200)


@staff(C.VIEW_PAYMENTS)
def console_reconciliation_report(request: StaffRequest, pk: int) -> HttpResponse:
    rec = get_object_or_404(Reconciliation, pk=pk)
    return render(request, "payments/console_reconciliation_report.html", selectors.reconciliation_report(rec))
