from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .models import Staff


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("ユーザー名またはパスワードが正しくありません。"),
        "inactive": _("このアカウントは無効です。"),
        "locked": _(
            "ログインに続けて失敗したため、このアカウントは一時的にロックされています。15分後にもう一度お試しください。"
        ),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("ユーザー名")
        self.fields["password"].label = _("パスワード")
        self.fields["username"].widget.attrs.update({"autocomplete": "username"})

    def clean(self):
        username = self.cleaned_data.get("username")
        if username:
            staff = Staff.objects.filter(username=username).first()
            if staff is not None and staff.is_locked():
                raise forms.ValidationError(self.error_messages["locked"], code="locked")
        try:
            return super().clean()
        except forms.ValidationError:
            staff = Staff.objects.filter(username=username).first() if username else None
            if staff is not None and staff.is_locked():
                raise forms.ValidationError(self.error_messages["locked"], code="locked") from None
            raise
