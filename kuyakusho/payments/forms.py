from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kuyakusho.core.forms import TextField, WarekiDateField

from .models import Reconciliation


class BillForm(forms.Form):
    purpose = TextField(label=_("件名"), max_length=200)
    amount = forms.IntegerField(label=_("金額（円）"), min_value=1, max_value=10_000_000)
    payer_ref = forms.CharField(label=_("納付者の参照"), max_length=64,
                                help_text=_("請求元の事務で納付者を特定する番号など（氏名は入れない）"))
    due_on = WarekiDateField(label=_("納期限"), required=False)


class RefundForm(forms.Form):
    reason = TextField(label=_("返金の理由"), max_length=200)


class ReconciliationForm(forms.Form):
    kind = forms.ChoiceField(label=_("ファイルの種類"), choices=Reconciliation.Kind.choices)
    file = forms.FileField(label=_("ファイル（CSV）"))


class CardForm(forms.Form):
    card_number = forms.CharField(label=_("カード番号"), max_length=23)
    expiry = forms.CharField(label=_("有効期限（MM/YY）"), max_length=5)
    cvc = forms.CharField(label=_("セキュリティコード"), max_length=4)

    def clean_card_number(self) -> str:
        digits = "".join(c for c in self.cleaned_data["card_number"] if c.isdigit())
        if len(digits) not in range(14, 20):
            raise forms.ValidationError(_("カード番号を正しく入力してください。"))
        return digits
