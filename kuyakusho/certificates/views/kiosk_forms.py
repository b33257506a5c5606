"""Kiosk inputs: the card (the number field stands in for the card reader), the PIN, the choice."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kuyakusho.certificates.documents.model import CertificateKind
from kuyakusho.certificates.forms import KIND_LABELS
from kuyakusho.certificates.models import ChannelPolicy, Option
from kuyakusho.certificates.services.issuance import REGISTER_KINDS, TAX_KINDS
from kuyakusho.core.forms import field_of
from kuyakusho.core.templatetags.kuyakusho import yen

_CARD = re.compile(r"[A-Z0-9]{4,32}", re.ASCII)
_PIN = re.compile(r"[0-9]{4}", re.ASCII)


class CardForm(forms.Form):
    card_number = forms.CharField(label=_("カード番号"), max_length=40, error_messages={
        "required": _("カードを読み取れませんでした。もう一度カードを置いてください。")})

    def clean_card_number(self) -> str:
        value = self.cleaned_data["card_number"].strip().upper().replace("-", "").replace(" ", "")
        if not _CARD.fullmatch(value):
            raise forms.ValidationError(_("カードを読み取れませんでした。もう一度カードを置いてください。"))
        return value


class PinForm(forms.Form):
    pin = forms.CharField(label=_("暗証番号（4桁）"), max_length=4, strip=True, error_messages={
        "required": _("暗証番号（4桁の数字）を入力してください。"),
        "max_length": _("暗証番号（4桁の数字）を入力してください。")},
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]{4}",
                                          "maxlength": "4", "class": "pin-input"}))

    def clean_pin(self) -> str:
        value = self.cleaned_data["pin"]
        if not _PIN.fullmatch(value):
            raise forms.ValidationError(_("暗証番号（4桁の数字）を入力してください。"))
        return value


def kind_label(kind: str) -> str:
    """The certificate's name in the page's language."""
    return str(KIND_LABELS.get(CertificateKind(kind), kind))


def _yen(amount: int) -> str:
    return yen(amount)


class ChoiceForm(forms.Form):
    """Only what the kiosk policy allows; members of the holder's own household; a tax year on offer."""

    kind = forms.ChoiceField(label=_("証明書の種類"), widget=forms.RadioSelect,
                             error_messages={"required": _("証明書の種類を選んでください。")})
    whole_household = forms.BooleanField(label=_("世帯全員"), required=False)
    members = forms.TypedMultipleChoiceField(label=_("記載する方"), coerce=int, required=False,
                                             widget=forms.CheckboxSelectMultiple)
    options = forms.MultipleChoiceField(label=_("記載する事項（必要なものだけ）"), required=False,
                                        widget=forms.CheckboxSelectMultiple)
    fiscal_year = forms.TypedChoiceField(label=_("年度（課税・非課税証明書）"), coerce=int, required=False,
                                         empty_value=None)

    def __init__(self, *args, policy: ChannelPolicy, household: list, holder_id: int, years: list[int], **kw) -> None:
        super().__init__(*args, **kw)
        self.policy = policy
        self.holder_id = holder_id
        with_fee = _("%(title)s（%(fee)s）")
        field_of(self, "kind", forms.ChoiceField).choices = [
            (k, with_fee % {"title": kind_label(k), "fee": _yen(policy.fee_for(k))}) for k in policy.kinds]
        field_of(self, "options", forms.ChoiceField).choices = [
            (o.value, o.label) for o in Option if o.value in policy.options]
        # shown by the template, with 続柄
        field_of(self, "members", forms.ChoiceField).choices = [(m.pk, m.name) for m in household]
        year_label = _("令和%(reiwa)d年度（%(year)d年度）")
        field_of(self, "fiscal_year", forms.ChoiceField).choices = [
            (y, year_label % {"reiwa": y - 2018, "year": y}) for y in years]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        kind = data.get("kind")
        if not kind:
            return data
        register = kind in REGISTER_KINDS
        if not register:
            data["options"], data["members"], data["whole_household"] = [], [], False
        if kind in TAX_KINDS and not data.get("fiscal_year"):
            self.add_error("fiscal_year", _("年度を選んでください。"))
        if kind not in TAX_KINDS:
            data["fiscal_year"] = None
        members = set(data.get("members") or ()) - {self.holder_id}
        data["members"] = sorted(members)
        return data
