"""Forms of the seal desk (the services check everything again)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kuyakusho.core.forms import TextField, WarekiDateField

from .models import IdDocument, Method

ID_CHOICES = [("", _("選んでください")), *IdDocument.choices]


class LookupForm(forms.Form):
    card_number = forms.CharField(label=_("印鑑登録証の番号"), required=False, max_length=40,
                                  help_text=_("10桁の数字"))
    reference = forms.CharField(label=_("照会番号"), required=False, max_length=40,
                                help_text=_("照会書・回答書に印刷された番号（例：2025-000123）"))
    resident = forms.IntegerField(label=_("住民の番号（住民記録の検索結果から）"), required=False, min_value=1)


class UploadForm(forms.Form):
    image = forms.FileField(label=_("印影の画像"),
                            help_text=_("白い紙に押した印影をスキャンしたPNGまたはJPEG（2MBまで）"),
                            widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}))
    px_per_mm = forms.CharField(label=_("読み取りの解像度（画素/mm）"), initial="11.81", max_length=12,
                                help_text=_("300dpiなら11.81、600dpiなら23.62"),
                                widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    method = forms.ChoiceField(label=_("本人確認の方法"), choices=Method.choices, initial=Method.IN_PERSON,
                               widget=forms.RadioSelect)
    id_document = forms.ChoiceField(label=_("確認した写真付き本人確認書類"), choices=ID_CHOICES, required=False,
                                    help_text=_("本人が来庁し写真付きの書類で確認したときに選びます"))
    proxy_name = TextField(label=_("代理人の氏名（代理人が申請したとき）"), max_length=100, required=False,
                           help_text=_("照会書による確認のときだけ入力します"))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("method") == Method.IN_PERSON:
            if not data.get("id_document"):
                self.add_error("id_document", _("確認した写真付き本人確認書類の種類を選んでください。"))
            if data.get("proxy_name"):
                self.add_error("proxy_name", _("代理人による申請は、照会書による確認になります。"))
        return data


class ConfirmForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)
    method = forms.ChoiceField(choices=Method.choices, widget=forms.HiddenInput)
    id_document = forms.CharField(required=False, widget=forms.HiddenInput)
    proxy_name = forms.CharField(required=False, widget=forms.HiddenInput)


class AnswerForm(forms.Form):
    received_on = WarekiDateField(label=_("回答書の受理日"))


class ReissueForm(forms.Form):
    id_document = forms.ChoiceField(label=_("確認した写真付き本人確認書類"), choices=ID_CHOICES)


class AbolishForm(forms.Form):
    card_returned = forms.BooleanField(label=_("印鑑登録証の返納を受けた"), required=False)
    note = TextField(label=_("備考"), max_length=200, required=False)
