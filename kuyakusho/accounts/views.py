from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kuyakusho.core.access import public, staff
from kuyakusho.core.errors import ApplicationError

from . import services
from .capabilities import Capability
from .forms import LoginForm, NewStaffForm, StaffForm
from .models import Staff

login = public(
    auth_views.LoginView.as_view(template_name="accounts/login.html", authentication_form=LoginForm,
                                 redirect_authenticated_user=True)
)
logout = public(auth_views.LogoutView.as_view())


@staff(Capability.MANAGE_STAFF)
def staff_list(request):
    members = Staff.objects.prefetch_related("offices").order_by("username")
    return render(request, "accounts/staff_list.html", {"members": members})


def _apply(form, request, run):
    """Call a service; a refusal goes back onto the form so that nothing typed is lost."""
    try:
        return run()
    except ApplicationError as e:
        form.add_error(e.field if e.field in form.fields else None, e.message)
        return None


@staff(Capability.MANAGE_STAFF)
def staff_new(request):
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
def staff_edit(request, pk: int):
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
@require_POST
def staff_unlock(request, pk: int):
    member = get_object_or_404(Staff, pk=pk)
    services.unlock(actor=request.user, staff=member)
    messages.success(request, _("%(name)s のロックを解除しました。") % {"name": member.username})
    return redirect("accounts:staff_list")
