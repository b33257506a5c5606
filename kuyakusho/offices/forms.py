from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kuyakusho.core.forms import TextField, WarekiDateField

from .models import Office, Schedule, Service, SpecialDay


class SpecialDayForm(forms.Form):
    schedule = forms.ModelChoiceField(Schedule.objects.all(), label=_("区分"), empty_label=None)
    kind = forms.ChoiceField(choices=SpecialDay.Kind.choices, label=_("種別"))
    office = forms.ModelChoiceField(Office.objects.all(), required=False, label=_("事務所"),
                                    empty_label=_("区分のすべての事務所"))
    date_from = WarekiDateField(label=_("開始日"))
    date_to = WarekiDateField(label=_("終了日"), required=False, help_text=_("1日だけなら空欄"))
    opens = forms.TimeField(label=_("開始時刻"), required=False, help_text=_("臨時開庁のみ（例 9:00）"))
    closes = forms.TimeField(label=_("終了時刻"), required=False, help_text=_("臨時開庁のみ（例 17:00）"))
    services = forms.ModelMultipleChoiceField(Service.objects.all(), required=False, label=_("業務"),
                                              widget=forms.CheckboxSelectMultiple,
                                              help_text=_("空欄ならすべての業務"))
    reason_ja = TextField(max_length=100, label=_("理由"))
    reason_en = TextField(max_length=100, label=_("英語の理由"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("schedule", "office", "services"):  # names in the page's language
            self.fields[name].label_from_instance = lambda obj: obj.name


class DisplayLanguagesForm(forms.Form):
    """The lobby display of one office: one language, or Japanese and English in turn."""

    office = forms.ModelChoiceField(Office.objects.all(), label=_("事務所"), empty_label=None)
    seconds = forms.IntegerField(label=_("日本語と英語を切り替える間隔（秒）"), min_value=0, max_value=600,
                                 help_text=_("0なら切り替えません。例：10（10秒ごとに日本語と英語を交互に表示）"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].label_from_instance = lambda obj: obj.name
