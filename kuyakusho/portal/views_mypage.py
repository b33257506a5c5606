"""My page (マイページ) and the auditors' answers to residents' questions about accesses."""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from kuyakusho.accounts.actors import StaffRequest
from kuyakusho.accounts.capabilities import Capability
from kuyakusho.certificates.services import online
from kuyakusho.core.access import staff
from kuyakusho.core.errors import ApplicationError
from kuyakusho.identity.models import AccountKind
from kuyakusho.identity.sessions import ResidentRequest, needs_card, resident

from . import download_pdf, mypage
from .models import AccessInquiry, InquiryStatus


def _resident_id(request) -> int | None:
    return mypage.linked_resident_id(request.resident_session)


def _needs_link(request):
    account = request.resident_session.account
    if account.kind == AccountKind.CARD:
        return redirect("identity:link")
    return None


@resident
def home(request: ResidentRequest) -> HttpResponse:
    session = request.resident_session
    rid = _resident_id(request)
    context = {"account": session.account, "linked": rid is not None,
               "notices": mypage.notices(account=session.account)[:5]}
    if rid is not None:
        _page, entries = mypage.access_log(resident_id=rid, per_page=5)
        context["recent_access"] = entries
        context["recent_requests"] = list(online.my_requests(account_ref=session.account.actor_label)[:3])
    return render(request, "portal/mypage.html", context)


@resident
def record(request: ResidentRequest) -> HttpResponse:
    rid = _resident_id(request)
    if rid is None:
        return _needs_link(request) or redirect("portal:mypage")
    if needs_card(request.resident_session):
        return redirect(reverse("identity:reauth") + "?" + urlencode({"next": request.get_full_path()}))
    rec = mypage.my_record(session=request.resident_session, resident_id=rid, full=True)
    return render(request, "portal/mypage_record.html", {"record": rec})


@resident
def access(request: ResidentRequest) -> HttpResponse:
    rid = _resident_id(request)
    if rid is None:
        return _needs_link(request) or redirect("portal:mypage")
    page, entries = mypage.access_log(resident_id=rid, page=request.GET.get("page") or 1)
    return render(request, "portal/mypage_access.html", {"page": page, "entries": entries})


@resident
def inquiry(request: ResidentRequest, seq: int) -> HttpResponse:
    rid = _resident_id(request)
    if rid is None:
        return _needs_link(request) or redirect("portal:mypage")
    error = None
    if request.method == "POST":
        try:
            mypage.file_inquiry(session=request.resident_session, resident_id=rid, seq=seq,
                                question=request.POST.get("question", ""))
        except ApplicationError as e:
            error = e
        else:
            return redirect(reverse("portal:mypage_inquiries"))
    return render(request, "portal/mypage_inquiry.html", {"seq": seq, "error": error,
                                                         "question": request.POST.get("question", "")},
                  status=400 if error else 200)


@resident
def inquiries(request: ResidentRequest) -> HttpResponse:
    return render(request, "portal/mypage_inquiries.html",
                  {"inquiries": mypage.my_inquiries(account=request.resident_session.account)})


@resident
def certificates(request: ResidentRequest) -> HttpResponse:
    rid = _resident_id(request)
    if rid is None:
        return _needs_link(request) or redirect("portal:mypage")
    return render(request, "portal/mypage_certificates.html", {"issuances": mypage.issuances_about(rid)})


@resident
def notices(request: ResidentRequest) -> HttpResponse:
    return render(request, "portal/mypage_notices.html",
                  {"notices": mypage.notices(account=request.resident_session.account),
                   "email": request.resident_session.account.notify_email})


@resident
@require_POST
def notify_email(request: ResidentRequest) -> HttpResponse:
    try:
        mypage.set_notify_email(account=request.resident_session.account, email=request.POST.get("email", ""))
    except ApplicationError as e:
        return render(request, "portal/mypage_notices.html",
                      {"notices": mypage.notices(account=request.resident_session.account), "error": e,
                       "email": request.POST.get("email", "")}, status=400)
    return redirect("portal:mypage_notices")


@resident
def download(request: ResidentRequest, fmt: str) -> HttpResponse:
    rid = _resident_id(request)
    if rid is None:
        return _needs_link(request) or redirect("portal:mypage")
    if needs_card(request.resident_session):
        return redirect(reverse("identity:reauth") + "?" + urlencode({"next": request.get_full_path()}))
    data = mypage.my_data(session=request.resident_session, resident_id=rid)
    if fmt == "pdf":
        response = HttpResponse(download_pdf.render(data), content_type="application/pdf")
    else:
        response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2, default=str),
                                content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="my-data-{timezone.localdate():%Y%m%d}.{fmt}"'
    return response


# --- console: the auditors answer -------------------------------------------------------------------------

@staff(Capability.VIEW_AUDIT)
def console_inquiries(request: StaffRequest) -> HttpResponse:
    status = request.GET.get("status") or InquiryStatus.OPEN
    if status not in InquiryStatus.values:
        status = InquiryStatus.OPEN
    return render(request, "portal/console_inquiries.html",
                  {"inquiries": list(mypage.open_inquiries(status)[:200]), "status": status,
                   "statuses": InquiryStatus.choices})


@staff(Capability.VIEW_AUDIT)
def console_inquiry(request: StaffRequest, pk: int) -> HttpResponse:
    inquiry = AccessInquiry.objects.select_related("event", "event__actor").filter(pk=pk).first()
    if inquiry is None:
        return render(request, "portal/console_inquiry.html", {"missing": True}, status=404)
    error = None
    if request.method == "POST":
        try:
            mypage.answer_inquiry(actor=request.user, inquiry_id=pk, answer=request.POST.get("answer", ""))
        except ApplicationError as e:
            error = e
        else:
            return redirect("portal:console_inquiries")
    return render(request, "portal/console_inquiry.html", {"inquiry": inquiry, "error": error,
                                                          "answer": request.POST.get("answer", "")},
                  status=400 if error else 200)
