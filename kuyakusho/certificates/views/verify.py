"""The public verification page (/verify/<code>, opened from the QR code) and its JSON twin.

Shows what the document itself shows to anyone holding it, minus every personal item (title, issue date,
number, channel, office, revoked or not), and checks an uploaded PDF: signature, code, recorded digest.
Each address has a request budget (``services.verification.over_rate_limit``).
"""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kuyakusho.certificates.forms import KIND_LABELS
from kuyakusho.certificates.services.verification import (
    MAX_PDF_BYTES,
    check_pdf,
    normalise_code,
    over_rate_limit,
    public_record,
)
from kuyakusho.core.access import public
from kuyakusho.core.net import client_address


class UploadForm(forms.Form):
    pdf = forms.FileField(label=gettext_lazy("証明書のPDFファイル"), error_messages={
        "required": gettext_lazy("PDFファイルを選んでください。"),
        "empty": gettext_lazy("ファイルが空です。"),
    })

    def clean_pdf(self) -> bytes:
        upload = self.cleaned_data["pdf"]
        if upload.size > MAX_PDF_BYTES:
            raise forms.ValidationError(_("ファイルが大きすぎます（5MBまで）。"))
        return upload.read()


class LookupForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("検証コード（12文字）"), max_length=40, error_messages={
        "required": gettext_lazy("証明書に印刷された検証コードを入力してください。")},
        help_text=gettext_lazy("例：ABCD-EFGH-JKLM（ハイフンや空白はあってもなくてもかまいません）"))

    def clean_code(self) -> str:
        code = normalise_code(self.cleaned_data["code"])
        if code is None:
            raise forms.ValidationError(_("検証コードは英字と数字の12文字です。証明書の右下に印刷されています。"))
        return code


@public
@never_cache
@require_GET
def lookup(request: HttpRequest) -> HttpResponse:
    """/verify/: type the code printed on a paper certificate (the QR code opens /verify/<code> directly)."""
    form = LookupForm(request.GET) if "code" in request.GET else LookupForm()
    if form.is_bound and form.is_valid():
        return redirect("certificates:verify", code=form.cleaned_data["code"])
    return render(request, "certificates/verify/lookup.html", {"form": form},
                  status=400 if form.is_bound else 200)


def _address(request) -> str:
    return client_address(request)  # through the trusted proxies only


def _too_many(request, json: bool = False):
    message = _("短時間に多くの照会がありました。しばらくしてからもう一度お試しください。")
    if json:
        return JsonResponse({"code": "rate_limited", "message": message}, status=429)
    return render(request, "certificates/verify/rate_limited.html", {"message": message}, status=429)


@public
@never_cache
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, code: str) -> HttpResponse:
    if over_rate_limit(_address(request)):
        return _too_many(request)
    record = public_record(code)
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    check = None
    if request.method == "POST" and form.is_valid():
        check = check_pdf(record.code if record else code, form.cleaned_data["pdf"])
    status = 200 if record else 404
    if request.method == "POST" and form.errors:
        status = 400
    return render(request, "certificates/verify/page.html", {
        "record": record, "code": normalise_code(code) or code[:40], "form": form, "check": check,
        "record_title": KIND_LABELS.get(record.kind, record.title) if record else "",
    }, status=status)


@public
@never_cache
@require_GET
def verify_status(request: HttpRequest, code: str) -> HttpResponse:
    """``{"found": true, "title": …, "issued_on": …, "revoked": …}`` — nothing personal."""
    if over_rate_limit(_address(request)):
        return _too_many(request, json=True)
    record = public_record(code)
    if record is None:
        return JsonResponse({"found": False, "code": "not_found",
                             "message": _("この検証コードの証明書は見つかりません。")}, status=404)
    return JsonResponse({"found": True, **record.as_dict()})


@public
@csrf_exempt  # a public, stateless check: no session, nothing changes
@never_cache
@require_POST
def verify_check(request: HttpRequest, code: str) -> HttpResponse:
    """POST the PDF (multipart field ``pdf``, or the raw body as application/pdf) → the verdict."""
    if over_rate_limit(_address(request)):
        return _too_many(request, json=True)
    if request.content_type == "application/pdf":
        if len(request.body) > MAX_PDF_BYTES:
            return JsonResponse({"code": "invalid_input", "message": _("ファイルが大きすぎます（5MBまで）。")},
                                status=413)
        pdf = request.body
    else:
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return JsonResponse({"code": "invalid_input", "message": " ".join(str(e) for e in form.errors["pdf"])},
                                status=400)
        pdf = form.cleaned_data["pdf"]
    if not pdf:
        return JsonResponse({"code": "invalid_input", "message": _("ファイルが空です。")}, status=400)
    record = public_record(code)
    result = check_pdf(record.code if record else code, pdf)
    return JsonResponse({"certificate": record.as_dict() if record else None, **result.as_dict()})
