from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_otp.middleware import is_verified

from kuyakusho.core.access import public, staff
from kuyakusho.core.actions import add_refusal, post_action
from kuyakusho.core.errors import ApplicationError

from . import second_factor, services, throttling
from .actors import StaffRequest, as_staff
from .capabilities import Capability
from .forms import CodeForm, LoginForm, NewStaffForm, StaffForm
from .models import Staff


def _step[F: Callable[..., Any]](view: F) -> F:
    """A page that a member of staff may open between the password and the second factor."""
    view.second_factor_step = True  # type: ignore[attr-defined]  # read by SecondFactorMiddleware
    return view


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return candidate
    return resolve_url("console:dashboard")


def _with_next(name: str, next_url: str) -> HttpResponseRedirect:
    response = redirect(name)
    if next_url:
        from urllib.parse import urlencode

        response["Location"] += "?" + urlencode({"next": next_url})
    return response


class _LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]  # the form is ours
        """The password is right: sign in, then the second factor (or its enrolment) before anything else."""
        user = form.get_user()
        auth_login(self.request, user)
        member = as_staff(user)
        if member is None or not second_factor.requires_second_factor(member):
            services.login_succeeded(staff=user)
            return redirect(self.get_success_url())
        target = "accounts:second_factor" if second_factor.has_second_factor(member) else "accounts:enrol"
        return _with_next(target, self.get_redirect_url())


login = public(_LoginView.as_view())
logout = _step(public(auth_views.LogoutView.as_view()))


def login_throttled(request: HttpRequest, original_response: HttpResponse | None = None,
                    credentials: dict[str, Any] | None = None) -> HttpResponse:
    """django-axes' answer to a throttled login: the login page with the message every failure gets."""
    form = LoginForm(request, initial={"username": request.POST.get("username", "")[:150]})  # as typed, unchecked
    return render(request, "accounts/login.html", {
        "form": form, "login_error": LoginForm.error_messages["invalid_login"],
        "next": request.POST.get("next", "")}, status=429)


@_step
@staff(Capability.USE_CONSOLE)
@never_cache
def second_factor_view(request: StaffRequest) -> HttpResponse:
    """The second step of signing in: a code from the authenticator app, a passkey, or a recovery code."""
    next_url = _next_url(request)
    if is_verified(request.user):
        return redirect(next_url)
    if not second_factor.has_second_factor(request.user):
        return _with_next("accounts:enrol", next_url)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if second_factor.verify(request=request, staff=request.user, code=form.cleaned_data["code"]):
            return redirect(next_url)
        form.add_error("code", _("コードが正しくありません。もう一度お試しください。"))
    return render(request, "accounts/second_factor.html", {
        "form": form, "next": next_url, "has_passkey": second_factor.has_passkey(request.user)})


@_step
@staff(Capability.USE_CONSOLE)
@never_cache
def enrol(request: StaffRequest) -> HttpResponse:
    """First login: add an authenticator app (scan the QR code or type the key) and confirm it with one code."""
    next_url = _next_url(request)
    if second_factor.has_second_factor(request.user):
        # Adding a factor needs the ones already there: an attacker with the password alone cannot add their own.
        return redirect("accounts:security") if is_verified(request.user) else _with_next(
            "accounts:second_factor", next_url)
    device = second_factor.pending_totp(staff=request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = second_factor.confirm_totp(request=request, staff=request.user, code=form.cleaned_data["code"])
        except ApplicationError as e:
            form.add_error("code", e.message)
        else:
            request.session["recovery_codes"] = codes
            return _with_next("accounts:recovery_codes", next_url)
    return render(request, "accounts/enrol.html", {
        "form": form, "next": next_url, "secret": second_factor.secret_of(device),
        "qr": second_factor.qr_data_uri(device)})


@staff(Capability.USE_CONSOLE)
@never_cache
def recovery_codes(request: StaffRequest) -> HttpResponse:
    """Recovery codes, shown once: just after enrolment, or after asking for new ones."""
    codes = request.session.pop("recovery_codes", None)
    if not codes:
        return redirect("accounts:security")
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": _next_url(request)})


@staff(Capability.USE_CONSOLE)
@never_cache
def security(request: StaffRequest) -> HttpResponse:
    """The member's own second factors: passkeys to add, recovery codes to renew."""
    if request.method == "POST":
        request.session["recovery_codes"] = second_factor.new_recovery_codes(staff=request.user)
        return redirect("accounts:recovery_codes")
    return render(request, "accounts/security.html", second_factor.summary(request.user))


@staff(Capability.MANAGE_STAFF)
def staff_list(request: StaffRequest) -> HttpResponse:
    members = list(Staff.objects.prefetch_related("offices").order_by("username"))
    return render(request, "accounts/staff_list.html", {
        "members": members, "throttled": throttling.throttled_usernames(m.username for m in members),
        "enrolled": second_factor.enrolled_ids(members)})


def _apply[T](form: forms.Form, request: HttpRequest, run: Callable[[], T]) -> T | None:
    """Call a service; a refusal goes back onto the form so that nothing typed is lost."""
    try:
        return run()
    except ApplicationError as e:
        add_refusal(form, e)
        return None


@staff(Capability.MANAGE_STAFF)
def staff_new(request: StaffRequest) -> HttpResponse:
    form = NewStaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        member = _apply(form, request, lambda: services.create_staff(
            actor=request.user, username=d["username"], display_name=d["display_name"], role=d["role"],
            password=d["password"], offices=d["offices"]))
        if member:
            messages.success(request, _("職員 %(name)s を登録しました。") % {"name": member})
            return redirect("accounts:staff_list")
    return render(request, "accounts/staff_form.html", {"form": form, "member": None})


@staff(Capability.MANAGE_STAFF)
def staff_edit(request: StaffRequest, pk: int) -> HttpResponse:
    member = get_object_or_404(Staff.objects.prefetch_related("offices"), pk=pk)
    initial = {"display_name": member.display_name, "role": member.role, "is_active": member.is_active,
               "offices": list(member.offices.all())}
    form = StaffForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if _apply(form, request, lambda: services.update_staff(
                actor=request.user, staff=member, display_name=d["display_name"], role=d["role"],
                is_active=d["is_active"], offices=d["offices"])):
            messages.success(request, _("職員 %(name)s を更新しました。") % {"name": member.username})
            return redirect("accounts:staff_list")
    return render(request, "accounts/staff_form.html", {"form": form, "member": member})


@staff(Capability.MANAGE_STAFF)
@post_action("accounts:staff_list")
def staff_unlock(request: StaffRequest, pk: int) -> str:
    member = get_object_or_404(Staff, pk=pk)
    services.unlock(actor=request.user, staff=member)
    return _("%(name)s のログイン制限を解除しました。") % {"name": member.username}


@staff(Capability.MANAGE_STAFF)
@post_action("accounts:staff_list")
def staff_reset_second_factor(request: StaffRequest, pk: int) -> str:
    member = get_object_or_404(Staff, pk=pk)
    second_factor.reset(actor=request.user, staff=member)
    return (_("%(name)s の二要素認証をリセットしました。次回のログインで登録し直します。")
            % {"name": member.username})
