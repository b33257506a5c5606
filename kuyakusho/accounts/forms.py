from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kuyakusho.core.forms import TextField

from .capabilities import Role
from .models import Staff


class LoginForm(AuthenticationForm):
    # One message for every failure (wrong password, unknown username, inactive account, throttled): it never
    # tells whether an account exists or is throttled.
    error_messages = {
        "invalid_login": _(
            "ログインできませんでした。ユーザー名とパスワードを確かめてください。失敗が続いた場合は、"
            "しばらく時間をおいてからお試しください。"
        ),
        "inactive": _(
            "ログインできませんでした。ユーザー名とパスワードを確かめてください。失敗が続いた場合は、"
            "しばらく時間をおいてからお試しください。"
        ),
    }

    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("ユーザー名")
        self.fields["password"].label = _("パスワード")
        self.fields["username"].widget.attrs.update({"autocomplete": "username"})


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("確認コード"), max_length=32, strip=True,
        help_text=_("認証アプリに表示されている6桁の数字、または回復コードを入力してください。"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text",
                                      "autocapitalize": "off", "spellcheck": "false"}),
    )


def _offices() -> QuerySet[Model]:
    office = Staff._meta.get_field("offices").related_model
    assert isinstance(office, type) and issubclass(office, Model)
    return office._default_manager.all()


class StaffForm(forms.Form):
    display_name = TextField(label=_("表示名"), max_length=64)
    role = forms.ChoiceField(label=_("役割"), choices=Role.choices)
    offices = forms.ModelMultipleChoiceField(
        # the offices a member of staff may work at: the model of Staff.offices (accounts imports no higher app)
        label=_("勤務する事務所"), queryset=_offices(),
        required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("空欄なら全事務所で勤務できます。"),
    )
    is_active = forms.BooleanField(label=_("有効"), required=False, initial=True)


class NewStaffForm(StaffForm):
    username = forms.RegexField(label=_("ユーザー名"), max_length=150, regex=r"^[A-Za-z0-9_.-]+$",
                                error_messages={"invalid": _("ユーザー名は半角英数字と _ . - で入力してください。")})
    password = forms.CharField(label=_("初期パスワード"), widget=forms.PasswordInput(render_value=True),
                               help_text=_("12文字以上。本人に安全な方法で伝え、初回に変更してもらいます。"))
    field_order = ["username", "display_name", "role", "offices", "password"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["is_active"]
