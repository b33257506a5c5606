"""Console forms for certificates: the counter flow, the postal desk, supervision, policies, statistics.

Forms parse input (shared rules from ``core.forms``); what may be issued is decided by the policy and the
issuance service, whose refusals the views put back on these forms.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from django import forms
from django.forms import BoundField
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuyakusho.core.forms import TextField, WarekiDateField, field_of
from kuyakusho.core.wareki import era_of
from kuyakusho.offices.models import Office, Schedule

from .documents.model import CertificateKind
from .models import Channel, Identity, Option, PostalSource, PostalStatus, Requester
from .services.admin import IDENTITIES, MAX_FEE
from .services.postal import MAX_COPIES

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

K = CertificateKind
#: Certificate names on screens (translated); the printed titles are in ``documents.model.TITLES``.
KIND_LABELS: dict[str, StrOrPromise] = {
    K.JUMINHYO: _("住民票の写し"), K.JUMINHYO_KISAI: _("住民票記載事項証明書"), K.JOHYO: _("除票の写し"),
    K.INKAN: _("印鑑登録証明書"), K.KAZEI: _("課税証明書"), K.HIKAZEI: _("非課税証明書"),
    K.NOZEI: _("納税証明書"), K.TENSHUTSU: _("転出証明書"),
}
TAX_KINDS = {K.KAZEI, K.HIKAZEI, K.NOZEI}
#: Photo IDs a clerk checks at the counter (one document suffices).
ID_DOCUMENTS = [
    ("運転免許証", _("運転免許証")),
    ("マイナンバーカード", _("マイナンバーカード")),
    ("旅券", _("旅券（パスポート）")),
    ("在留カード", _("在留カード")),
    ("特別永住者証明書", _("特別永住者証明書")),
    ("運転経歴証明書", _("運転経歴証明書")),
    ("身体障害者手帳", _("身体障害者手帳")),
    ("官公署発行の写真付き証明書", _("その他の官公署発行の写真付き証明書")),
    ("公用請求の職員証", _("職員証（公用請求）")),
]
CHOOSE_FIELDS = ("office", "kind", "whole_household", "members", "options", "fiscal_year", "seal_card_number")
REQUESTER_FIELDS = ("requester", "requester_name", "letter_of_authority", "purpose", "identity_document",
                    "fee_exemption")


def kind_choices(kinds: Iterable[str]) -> list[tuple[str, StrOrPromise]]:
    return [(k.value, KIND_LABELS[k]) for k in CertificateKind if k.value in set(kinds)]


def _labelled(enum, values) -> list[tuple[str, str]]:
    return [(v, label) for v, label in enum.choices if v in set(values)]


def fiscal_year_label(year: int) -> str:
    era = era_of(date(year, 4, 1))
    n = era.year_of(date(year, 4, 1))
    return _("%(era)s%(n)s年度（%(year)s年度）") % {"era": era.name, "n": "元" if n == 1 else n, "year": year}


def fiscal_year_choices(today: date | None = None) -> list[tuple[str, StrOrPromise]]:
    today = today or timezone.localdate()
    latest = today.year if today.month >= 6 else today.year - 1
    first: list[tuple[str, StrOrPromise]] = [("", _("最新の年度"))]
    return first + [(str(y), fiscal_year_label(y)) for y in range(latest, latest - 5, -1)]


class CounterForm(forms.Form):
    """Every input of a counter issuance; ``step`` drops the fields of later steps."""

    office = forms.ModelChoiceField(label=_("交付する事務所"), queryset=Office.objects.none(), empty_label=None)
    kind = forms.ChoiceField(label=_("証明書"), widget=forms.RadioSelect)
    whole_household = forms.BooleanField(label=_("世帯全員を記載する"), required=False)
    members = forms.TypedMultipleChoiceField(label=_("一緒に記載する世帯員"), coerce=int, required=False,
                                             widget=forms.CheckboxSelectMultiple)
    options = forms.MultipleChoiceField(label=_("記載する事項（請求があったものだけ）"), required=False,
                                        widget=forms.CheckboxSelectMultiple)
    fiscal_year = forms.TypedChoiceField(label=_("年度（課税・非課税・納税証明書）"), coerce=int, empty_value=None,
                                         required=False)
    seal_card_number = TextField(max_length=32, label=_("印鑑登録証の番号（印鑑登録証明書）"), required=False)
    requester = forms.ChoiceField(label=_("請求者"), widget=forms.RadioSelect)
    requester_name = TextField(max_length=100, label=_("請求者の氏名（本人以外のとき）"), required=False)
    letter_of_authority = forms.BooleanField(label=_("委任状を確認した"), required=False)
    purpose = TextField(max_length=200, label=_("使用目的・提出先"), required=False,
                        help_text=_("第三者・公用請求では必ず記入してください。"))
    identity_document = forms.ChoiceField(label=_("確認した本人確認書類"),
                                          choices=[("", _("選んでください")), *ID_DOCUMENTS])
    fee_exemption = TextField(max_length=100, label=_("手数料免除の理由（免除するとき）"), required=False)

    def __init__(self, *args, policy, household, subject, offices, step: str = "identity", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "office", forms.ModelChoiceField).queryset = offices
        field_of(self, "kind", forms.ChoiceField).choices = kind_choices(policy.kinds)
        field_of(self, "members", forms.ChoiceField).choices = [
            (m.pk, f"{m.name}（{m.relationship}）") for m in household if m.pk != subject.pk]
        field_of(self, "options", forms.ChoiceField).choices = _labelled(Option, policy.options)
        field_of(self, "fiscal_year", forms.ChoiceField).choices = fiscal_year_choices()
        field_of(self, "requester", forms.ChoiceField).choices = _labelled(Requester, policy.requesters)
        self.fields["requester"].initial = Requester.SELF
        if len(household) <= 1:
            del self.fields["members"], self.fields["whole_household"]
        if step == "choose":
            for name in REQUESTER_FIELDS:
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("whole_household") and data.get("members"):
            self.add_error("members", _("世帯全員を記載するときは、世帯員を個別に選ばないでください。"))
        requester = data.get("requester")
        if requester and requester != Requester.SELF and not data.get("requester_name"):
            self.add_error("requester_name", _("本人以外の請求では、請求者の氏名を入力してください。"))
        return data

    def bound_groups(self) -> tuple[list[BoundField], list[BoundField]]:
        """(choose fields, requester fields) as bound fields, for the templates."""
        return ([self[n] for n in CHOOSE_FIELDS if n in self.fields],
                [self[n] for n in REQUESTER_FIELDS if n in self.fields])


# --- postal desk ---------------------------------------------------------------------------------

ID_COPIES = [("", _("同封なし")), *ID_DOCUMENTS[:-1], ("健康保険証", _("健康保険の資格確認書など（写真なし・2点）"))]


class PostalForm(forms.Form):
    received_on = WarekiDateField(label=_("受付日"), required=False, help_text=_("空欄なら今日"))
    source = forms.ChoiceField(label=_("請求の方法"), choices=PostalSource.choices, initial=PostalSource.LETTER,
                               required=False)
    kind = forms.ChoiceField(label=_("請求された証明書"), choices=kind_choices(list(CertificateKind)))
    whole_household = forms.BooleanField(label=_("世帯全員"), required=False)
    fiscal_year = forms.IntegerField(label=_("年度（税の証明書）"), required=False, min_value=2000,
                                     help_text=_("空欄なら最新の年度"))
    options = forms.MultipleChoiceField(label=_("記載を求められた事項"), choices=Option.choices, required=False,
                                        widget=forms.CheckboxSelectMultiple)
    copies = forms.IntegerField(label=_("通数"), min_value=1, max_value=MAX_COPIES, initial=1)
    requester = forms.ChoiceField(label=_("請求者"), choices=Requester.choices, initial=Requester.SELF)
    requester_name = TextField(max_length=100, label=_("請求者の氏名"))
    requester_address = TextField(max_length=200, label=_("返送先の住所"))
    purpose = TextField(max_length=200, label=_("使用目的・提出先"), required=False)
    id_copy = forms.ChoiceField(label=_("同封された本人確認書類の写し"), choices=ID_COPIES, required=False)
    fee_received = forms.IntegerField(label=_("同封された定額小為替の金額（円）"), min_value=0, max_value=100_000,
                                      initial=0)


class PostalStepForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    letter_of_authority = forms.BooleanField(label=_("委任状を確認した"), required=False)
    reason = TextField(max_length=200, label=_("返送の理由"), required=False)


class ReferenceForm(forms.Form):
    reference = TextField(max_length=20, label=_("受付番号"), help_text=_("例：P2025-000001"))


class PostalFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状態"), choices=[("", _("すべて")), *PostalStatus.choices], required=False)


# --- supervision ---------------------------------------------------------------------------------


class RevokeForm(forms.Form):
    reason = TextField(max_length=200, label=_("失効させる理由"))


class IssuanceLookupForm(forms.Form):
    number = TextField(max_length=24, label=_("交付番号"), help_text=_("例：2025-00000012"))


class SupportMeasureForm(forms.Form):
    starts_on = WarekiDateField(label=_("開始日"))
    ends_on = WarekiDateField(label=_("終了日"), required=False, help_text=_("空欄なら終了日なし"))
    note = TextField(max_length=200, label=_("備考（申出の受付番号など）"), required=False)


class EndMeasureForm(forms.Form):
    ends_on = WarekiDateField(label=_("終了日"))


class NoticeRegistrationForm(forms.Form):
    mailing_address = TextField(max_length=200, label=_("通知の送付先"))
    registered_on = WarekiDateField(label=_("登録日"), required=False, help_text=_("空欄なら今日"))


class UnlockForm(forms.Form):
    channel = forms.ChoiceField(choices=Channel.choices, widget=forms.HiddenInput)


# --- policies ------------------------------------------------------------------------------------


class PolicyForm(forms.Form):
    enabled = forms.BooleanField(label=_("取扱い中"), required=False)
    schedule = forms.ModelChoiceField(label=_("取扱時間"), queryset=Schedule.objects.all(), required=False,
                                      empty_label=_("時間の制限なし"))
    identity = forms.ChoiceField(label=_("本人確認の方法"))
    kinds = forms.MultipleChoiceField(label=_("交付できる証明書"), required=False,
                                      choices=kind_choices(list(CertificateKind)), widget=forms.CheckboxSelectMultiple)
    options = forms.MultipleChoiceField(label=_("記載できる事項"), choices=Option.choices, required=False,
                                        widget=forms.CheckboxSelectMultiple)
    requesters = forms.MultipleChoiceField(label=_("請求できる人"), choices=Requester.choices, required=False,
                                           widget=forms.CheckboxSelectMultiple)
    updated_at = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, channel: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field_of(self, "identity", forms.ChoiceField).choices = _labelled(Identity, IDENTITIES[channel])
        for kind in CertificateKind:
            self.fields[f"fee_{kind.value}"] = forms.IntegerField(
                label=_("%(kind)sの手数料（円）") % {"kind": KIND_LABELS[kind]}, min_value=0, max_value=MAX_FEE,
                required=False)

    def fee_fields(self) -> list[BoundField]:
        return [self[f"fee_{k.value}"] for k in CertificateKind]

    def fees(self) -> dict[str, int]:
        d = self.cleaned_data
        return {k.value: d[f"fee_{k.value}"] for k in CertificateKind if d.get(f"fee_{k.value}") is not None}

    @staticmethod
    def initial_for(policy) -> dict:
        initial = {"enabled": policy.enabled, "schedule": policy.schedule_id, "identity": policy.identity,
                   "kinds": policy.kinds, "options": policy.options, "requesters": policy.requesters,
                   "updated_at": policy.updated_at.isoformat()}
        initial.update({f"fee_{k}": v for k, v in policy.fees.items()})
        return initial


# --- statistics ----------------------------------------------------------------------------------


class StatsForm(forms.Form):
    date_from = WarekiDateField(label=_("集計の開始日"))
    date_to = WarekiDateField(label=_("集計の終了日"))
    channel = forms.ChoiceField(label=_("交付方法"), choices=[("", _("すべて")), *Channel.choices], required=False)
    office = forms.ModelChoiceField(label=_("事務所"), queryset=Office.objects.all(), required=False,
                                    empty_label=_("すべて"))
