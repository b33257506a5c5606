from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from . import services
from .models import Staff


class LockoutModelBackend(ModelBackend):
    """Django's password check, refusing locked accounts and counting failures."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        staff = Staff.objects.filter(username=username).first()
        if staff is None:
            Staff().set_password(password)  # same work as a real check: no timing hint
            return None
        if staff.is_locked():
            return None
        if staff.check_password(password) and self.user_can_authenticate(staff):
            services.login_succeeded(staff=staff)
            return staff
        services.login_failed(staff=staff)
        return None
