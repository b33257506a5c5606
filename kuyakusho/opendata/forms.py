from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kuyakusho.core.forms import WarekiDateField

from .models import Format, Frequency, License, Organization

JA = {"lang": "ja"}  # fields holding Japanese text (screen readers, and English pages, need to know)


class DatasetForm(forms.Form):
    name = forms.CharField(label=_("名前（URL）"), max_length=100,
                           help_text=_("半角英小文字・数字・「-」「_」（例：nursery-schools）"))
    title = forms.CharField(label=_("タイトル"), max_length=200, widget=forms.TextInput(attrs=JA))
    title_en = forms.CharField(label=_("英語タイトル"), max_length=300, required=False)
    reading = forms.CharField(label=_("読み（ひらがな）"), max_length=300, required=False,
                              help_text=_("検索で見つかりやすくするための読み（例：ほいくえんいちらん）"))
    organization = forms.ModelChoiceField(label=_("組織"), queryset=Organization.objects.all(),
                                          widget=forms.Select(attrs=JA))
    notes = forms.CharField(label=_("説明"), widget=forms.Textarea(attrs={"rows": 5, **JA}), required=False)
    notes_en = forms.CharField(label=_("英語の説明"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    tags = forms.CharField(label=_("タグ"), required=False, help_text=_("読点（、）またはカンマで区切る"))
    license_id = forms.ChoiceField(label=_("ライセンス"), choices=License.choices, initial=License.CC_BY_4)
    frequency = forms.ChoiceField(label=_("更新頻度"), choices=Frequency.choices, initial=Frequency.IRREGULAR)
    temporal_start = WarekiDateField(label=_("対象期間の開始"), required=False)
    temporal_end = WarekiDateField(label=_("対象期間の終了"), required=False)
    spatial = forms.CharField(label=_("対象地域"), max_length=100, required=False)
    standard_id = forms.CharField(label=_("標準データセット番号"), max_length=8, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def tag_list(self) -> tuple[str, ...]:
        raw = self.cleaned_data.get("tags", "").replace("、", ",").replace("，", ",")
        return tuple(t.strip() for t in raw.split(",") if t.strip())


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("公開を終了する理由"), max_length=300,
                             help_text=_("データセットのページに表示されます"))


class ResourceForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=200)
    format = forms.ChoiceField(label=_("形式"), choices=Format.choices)
    description = forms.CharField(label=_("説明"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    file = forms.FileField(label=_("ファイル"))
