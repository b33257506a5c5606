"""Forms of the facilities area (parsing only: the rules are in the services)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from kuyakusho.core.forms import TextField, WarekiDateField
from kuyakusho.offices.models import Schedule

from .models import FacilityKind, Registrant, Room


class RegistrantForm(forms.Form):
    kind = forms.ChoiceField(label=_("登録の種別"), choices=Registrant.Kind.choices, widget=forms.RadioSelect)
    name = TextField(label=_("団体名（個人は氏名）"), max_length=100)
    kana = TextField(label=_("フリガナ"), max_length=100)
    activity = TextField(label=_("活動内容"), max_length=200, required=False)
    member_count = forms.IntegerField(label=_("構成員数"), min_value=1, max_value=9999, initial=1)
    ward_member_count = forms.IntegerField(label=_("うち区内在住・在勤の人数"), min_value=0, max_value=9999, initial=0)
    senior_member_count = forms.IntegerField(label=_("うち75歳以上の人数"), min_value=0, max_value=9999, initial=0)
    representative_name = TextField(label=_("代表者氏名"), max_length=100)
    representative_birth_date = WarekiDateField(label=_("代表者の生年月日"))
    representative_in_ward = forms.BooleanField(label=_("代表者は区内に住んでいる・勤めている"), required=False)
    phone = TextField(label=_("連絡先電話番号"), max_length=20)
    email = forms.EmailField(label=_("連絡先メールアドレス（お知らせの送付先）"), required=False)


class SlotForm(forms.Form):
    registrant = forms.IntegerField(label=_("利用者番号"), min_value=1, max_value=2**63 - 1)
    room = forms.IntegerField(min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
    date = forms.DateField(widget=forms.HiddenInput)
    period = forms.CharField(max_length=8, widget=forms.HiddenInput)
    attendees = forms.IntegerField(label=_("利用人数"), min_value=1, max_value=9999)
    purpose = TextField(label=_("利用目的"), max_length=100, required=False)


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("審査結果"), choices=[("approve", _("承認")), ("reject", _("不承認"))],
                                 widget=forms.RadioSelect)
    reason = TextField(label=_("理由（不承認のときは必須）"), max_length=200, required=False)
    identity_checked_at_counter = forms.BooleanField(label=_("窓口で本人確認書類を確認した"), required=False)


class KindChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: FacilityKind) -> str:  # type: ignore[override]
        return obj.name  # in the page's language


class RoundForm(forms.Form):
    kind = KindChoiceField(label=_("施設の種類"), queryset=FacilityKind.objects.filter(lottery=True))
    month = forms.DateField(label=_("利用月（その月の1日）"), widget=forms.DateInput(attrs={"type": "date"}))
    seed_sources = TextField(label=_("乱数の元（申込締切後に公表される数値）"), max_length=1000, multiline=True,
                             help_text=_("例：締切翌日に公表される宝くじの当選番号（1行に1つ）"))


class DrawForm(forms.Form):
    seed_values = TextField(label=_("公表された乱数の元の値（1行に1つ）"), max_length=1000, multiline=True)


class ClosureForm(forms.Form):
    room = forms.IntegerField(label=_("部屋（空欄は施設全体）"), required=False, min_value=1, max_value=2**63 - 1)
    date_from = WarekiDateField(label=_("開始日"))
    date_to = WarekiDateField(label=_("終了日"))
    reason = TextField(label=_("理由"), max_length=100)


class WardEventForm(forms.Form):
    room = forms.IntegerField(min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
    date = WarekiDateField(label=_("利用日"))
    period = forms.CharField(label=_("区分"), max_length=8)
    purpose = TextField(label=_("行事の名称"), max_length=100)


class CancelForm(forms.Form):
    reason = TextField(label=_("取消の理由"), max_length=200, required=False)


class FeeForm(forms.Form):
    room = forms.IntegerField(min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
    period = forms.CharField(max_length=8, widget=forms.HiddenInput)
    resident = forms.IntegerField(label=_("区民"), min_value=0, max_value=1_000_000)
    group = forms.IntegerField(label=_("登録団体"), min_value=0, max_value=1_000_000)
    nonresident = forms.IntegerField(label=_("区外"), min_value=0, max_value=1_000_000)


class ChangeForm(forms.Form):
    """Move a booking: the room, day and slot to move to (the choices are the facility's rooms and slots)."""

    room = forms.TypedChoiceField(label=_("部屋"), coerce=int)
    date = WarekiDateField(label=_("利用日"))
    period = forms.ChoiceField(label=_("区分"))

    def __init__(self, *args: Any, rooms: list[tuple[int, str]], periods: list[tuple[str, str]],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["room"]).choices = rooms
        cast(forms.ChoiceField, self.fields["period"]).choices = periods


class ScheduleChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Schedule) -> str:  # type: ignore[override]
        return obj.name  # in the page's language


class FacilityForm(forms.Form):
    name_ja = TextField(label=_("名称"), max_length=100)
    name_en = TextField(label=_("英語名称"), max_length=100, required=False)
    kana = TextField(label=_("名称_カナ"), max_length=200)
    address = TextField(label=_("所在地"), max_length=200)
    postal_code = TextField(label=_("郵便番号"), max_length=8, required=False)
    phone = TextField(label=_("電話番号"), max_length=20, required=False)
    barrier_free_ja = TextField(label=_("バリアフリー情報（1行に1項目）"), max_length=2000, multiline=True,
                                required=False)
    barrier_free_en = TextField(label=_("英語：バリアフリー情報"), max_length=2000, multiline=True, required=False)
    schedule = ScheduleChoiceField(label=_("利用時間の区分（開館時間・休館日）"), queryset=Schedule.objects.all())


class RoomForm(forms.Form):
    name_ja = TextField(label=_("部屋の名称"), max_length=100)
    name_en = TextField(label=_("英語名称"), max_length=100, required=False)
    capacity = forms.IntegerField(label=_("定員"), min_value=1, max_value=9999)
    equipment_ja = TextField(label=_("設備"), max_length=200, required=False)
    equipment_en = TextField(label=_("英語：設備"), max_length=200, required=False)


class NewRoomForm(RoomForm):
    code = forms.SlugField(label=_("部屋のコード（半角英数字）"), max_length=32)
    scheme = forms.ChoiceField(label=_("利用区分"), choices=Room.Scheme.choices)
    resident = forms.IntegerField(label=_("使用料：区民（1区分あたり）"), min_value=0, max_value=1_000_000)
    group = forms.IntegerField(label=_("使用料：登録団体"), min_value=0, max_value=1_000_000)
    nonresident = forms.IntegerField(label=_("使用料：区外"), min_value=0, max_value=1_000_000)
