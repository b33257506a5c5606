from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from kuyakusho.accounts.actors import StaffRequest
from kuyakusho.accounts.capabilities import CAPABILITY_LABELS, Capability
from kuyakusho.core.access import staff


@staff(Capability.USE_CONSOLE)
def dashboard(request: StaffRequest) -> HttpResponse:
    user = request.user
    return render(request, "console/dashboard.html", {
        "today": timezone.localdate(),
        "capability_labels": [CAPABILITY_LABELS[c] for c in Capability if c in user.capabilities],
        "offices": [str(o) for o in user.offices.all()],
    })
