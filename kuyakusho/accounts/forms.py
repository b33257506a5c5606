from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from kuyakusho.core.forms import TextField
from kuyakusho.offices.models import Office

from .capabilities import Role
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


class StaffForm(forms.Form):
    display_name = TextField(label=_("表示名"), max_length=64)
    role = forms.ChoiceField(label=_("役割"), choices=Role.choices)
    offices = forms.ModelMultipleChoiceField(
        label=_("勤務する事務所"), queryset=Office.objects.all(), required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("空欄なら全事務所で勤務できます。"),
    )
    is_active = forms.BooleanField(label=_("有効"), required=False, initial=True)


class NewStaffForm(StaffForm):
    username = forms.RegexField(label=_("ユーザー名"), max_length=150, regex=r"^[A-Za-z0-9_.-]+$",
                                error_messages={"invalid": _("ユーザー名は半角英数字と _ . - で入力してください。")})
    password = forms.CharField(label=_("初期パスワード"), widget=forms.PasswordInput(render_value=True),
                               help_text=_("12文字以上。本人に安全な方法で伝え、初回に変更してもらいます。"))
    field_order = ["username", "display_name", "role", "offices", "password"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["is_active"]
