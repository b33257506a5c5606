from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Kind


class AuditSearchForm(forms.Form):
    actor = forms.CharField(label=_("職員（ユーザー名）"), required=False, max_length=150)
    subject = forms.CharField(label=_("対象者ID"), required=False, max_length=64)
    action = forms.CharField(label=_("操作"), required=False, max_length=64,
                             help_text=_("前方一致。例: resident.、login."))
    kind = forms.ChoiceField(label=_("種別"), required=False, choices=[("", _("すべて")), *Kind.choices])
    date_from = forms.DateField(label=_("開始日"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("終了日"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("終了日は開始日以降の日付を指定してください。"))
        return data
