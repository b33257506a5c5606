"""Forms of the planning pages. Each turns what a planner typed into the dict ``scenario.parse_scenario`` takes,
so that a form and an uploaded scenario file pass the same checks."""

from __future__ import annotations

import datetime
import json

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kuyakusho.core.forms import WarekiDateField
from kuyakusho.offices.models import Office, Service

MAX_SCENARIO_BYTES = 512 * 1024


def spring(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The last March–April peak that has ended (or is under way)."""
    day = today or timezone.localdate()
    year = day.year if day >= datetime.date(day.year, 3, 1) else day.year - 1
    return datetime.date(year, 3, 1), datetime.date(year, 4, 30)


class OfficeChoiceField(forms.ModelChoiceField):
    """Offices by name in the page's language."""

    def label_from_instance(self, obj: Office) -> str:  # type: ignore[override]
        return obj.name


def _offices() -> forms.ModelChoiceField:
    return OfficeChoiceField(
        label=_("事務所"), required=False, empty_label=_("すべての事務所"), to_field_name="code",
        queryset=Office.objects.filter(services__isnull=False).distinct().order_by("sort_order", "code"))


class PeriodForm(forms.Form):
    date_from = WarekiDateField(label=_("開始日"))
    date_to = WarekiDateField(label=_("終了日"))
    office = _offices()

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        f, t = data.get("date_from"), data.get("date_to")
        if isinstance(f, datetime.date) and isinstance(t, datetime.date) and t < f:
            self.add_error("date_to", _("終了日は開始日より後にしてください。"))
        return data


class SimulationForm(forms.Form):
    name = forms.CharField(label=_("名前"), max_length=100, required=False)
    date_from = WarekiDateField(label=_("開始日"))
    date_to = WarekiDateField(label=_("終了日"))
    office = _offices()
    seed = forms.IntegerField(label=_("乱数の種"), min_value=0, max_value=2**31 - 1, initial=1,
                              help_text=_("同じ種と入力で、同じ結果が再現されます"))
    extra_office = OfficeChoiceField(
        label=_("窓口を増やす事務所"), required=False, to_field_name="code", empty_label=_("増やさない"),
        queryset=Office.objects.filter(services__isnull=False).distinct().order_by("sort_order", "code"))
    extra_count = forms.IntegerField(label=_("増やす窓口の数"), min_value=0, required=False, initial=0)
    extra_from = forms.IntegerField(label=_("増やす時間帯（開始時）"), min_value=0, max_value=23, required=False,
                                    initial=9)
    extra_to = forms.IntegerField(label=_("増やす時間帯（終了時）"), min_value=1, max_value=24, required=False,
                                  initial=12)
    saturday = WarekiDateField(label=_("臨時の土曜開庁日（練馬以外も可）"), required=False)
    saturday_office = OfficeChoiceField(
        label=_("土曜開庁する事務所"), required=False, to_field_name="code", empty_label=_("開庁しない"),
        queryset=Office.objects.filter(services__isnull=False).distinct().order_by("sort_order", "code"))
    konbini_percent = forms.IntegerField(label=_("コンビニ交付へ移る証明書の割合（％）"), min_value=0, max_value=100,
                                         required=False, initial=0)
    close_office = OfficeChoiceField(
        label=_("閉じる事務所"), required=False, to_field_name="code", empty_label=_("閉じない"),
        queryset=Office.objects.filter(services__isnull=False).distinct().order_by("sort_order", "code"))
    balk_queue = forms.IntegerField(label=_("この人数以上の待ちで帰る人がいる"), min_value=0, required=False,
                                    initial=0, help_text=_("0：帰る人はいない"))
    balk_percent = forms.IntegerField(label=_("そのとき帰る人の割合（％）"), min_value=0, max_value=100,
                                      required=False, initial=0)
    patience = forms.IntegerField(label=_("待てる時間の平均（分）"), min_value=0, required=False, initial=0,
                                  help_text=_("0：途中で帰る人はいない"))
    scenario_file = forms.FileField(label=_("シナリオファイル（JSON、任意）"), required=False,
                                    help_text=_("指定すると、上の入力の代わりにファイルの内容で計算します"))

    def scenario(self) -> object:
        """The dict for ``parse_scenario`` (from the uploaded file when there is one); raises ValidationError
        for a file that is not JSON."""
        d = self.cleaned_data
        upload = d.get("scenario_file")
        if upload:
            if upload.size > MAX_SCENARIO_BYTES:
                raise forms.ValidationError(_("シナリオファイルが大きすぎます（512KBまで）。"))
            try:
                return json.loads(upload.read().decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as e:
                raise forms.ValidationError(_("シナリオファイルをJSONとして読めません（%(e)s）。") % {"e": e}) from None
        data: dict[str, object] = {"date_from": d["date_from"].isoformat(), "date_to": d["date_to"].isoformat(),
                                   "seed": d["seed"], "offices": [d["office"].code] if d.get("office") else []}
        if d.get("extra_office") and d.get("extra_count"):
            data["extra_counters"] = [{"office": d["extra_office"].code, "from_hour": d.get("extra_from") or 9,
                                       "to_hour": d.get("extra_to") or 12, "count": d["extra_count"],
                                       "services": list(Service.objects.values_list("code", flat=True))}]
        if d.get("saturday") and d.get("saturday_office"):
            data["saturday_openings"] = [{"office": d["saturday_office"].code, "date": d["saturday"].isoformat()}]
        if d.get("konbini_percent"):
            data["konbini_shift"] = d["konbini_percent"] / 100
        if d.get("close_office"):
            data["close_offices"] = [d["close_office"].code]
        if d.get("balk_queue"):
            data["balk_queue"] = d["balk_queue"]
            data["balk_probability"] = (d.get("balk_percent") or 0) / 100
        if d.get("patience"):
            data["patience_minutes"] = d["patience"]
        return data


class RecommendForm(forms.Form):
    date_from = WarekiDateField(label=_("開始日"))
    date_to = WarekiDateField(label=_("終了日"))
    office = OfficeChoiceField(
        label=_("事務所"), to_field_name="code",
        queryset=Office.objects.filter(services__isnull=False).distinct().order_by("sort_order", "code"))
    target = forms.IntegerField(label=_("90％の人の待ち時間をこの分数以内に"), min_value=1, max_value=240, initial=30)
    seed = forms.IntegerField(label=_("乱数の種"), min_value=0, max_value=2**31 - 1, initial=1)
