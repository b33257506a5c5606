"""Console forms: search, purpose, and one form per notification (input rules from core.forms)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kuyakusho.core.forms import MyNumberField, PlaceSelect, ResidentCodeField, TextField, WarekiDateField

from . import records
from .addresses import towns
from .deadlines import DEADLINES
from .models import NotifierType, Resident, Sex
from .services import Address, Mover, NewPerson, Notifier, TransferCertificate


def _town_choices(blank=None):
    return [("", blank or _("選んでください"))] + [(t, t) for t in towns()]


def _chome_choices():
    return [("", _("なし"))] + [(str(i), _chome_label(i)) for i in range(1, 10)]


_chome_label = lazy(lambda n: gettext("%(n)s丁目") % {"n": n}, str)  # in the language of each request


RELATIONSHIP_CHOICES = [("", _("選んでください"))] + [(r, r) for r in records.RELATIONSHIPS]
KEEP_RELATIONSHIP = [("", _("変えない"))] + [(r, r) for r in records.RELATIONSHIPS]


class SearchForm(forms.Form):
    purpose = forms.ChoiceField(label=_("閲覧の目的"),
                                choices=[("", _("選んでください")), *records.ViewPurpose.choices],
                                help_text=_("検索結果の一覧も閲覧として目的とともに記録されます"))
    kana = TextField(max_length=100, label=_("フリガナ（前方一致）"), required=False)
    name = TextField(max_length=100, label=_("氏名（前方一致・異体字を区別しない）"), required=False)
    birth_date = TextField(max_length=40, label=_("生年月日"), required=False,
                           help_text=_("例：昭和60年4月2日、S60.4.2、1985-04-02"))
    town = forms.ChoiceField(label=_("町名"), choices=_town_choices(_("指定しない")), required=False,
                             widget=PlaceSelect)
    chome = forms.TypedChoiceField(label=_("丁目"), choices=_chome_choices(), coerce=int, empty_value=None,
                                   required=False)
    building = TextField(max_length=100, label=_("方書（建物名）"), required=False)
    resident_code = TextField(max_length=20, label=_("住民票コード"), required=False)
    include_removed = forms.BooleanField(label=_("除票も含める"), required=False)


    def describe_fields(self) -> None:
        """Tie each field to the help and the errors shown beside it (``aria-describedby``, by the ids that
        ``core/partials/field.html`` gives them), and put the cursor in the first field in error
        (``autofocus``, which htmx honours on the part it redraws)."""
        focused = False
        for bound in self:
            ids = [f"{bound.auto_id}_help"] if bound.help_text else []
            if self.is_bound and bound.errors:
                ids.append(f"{bound.auto_id}_error")
                if not focused:
                    bound.field.widget.attrs["autofocus"] = True
                    focused = True
            if ids:
                bound.field.widget.attrs["aria-describedby"] = " ".join(ids)


class PurposeForm(forms.Form):
    purpose = forms.ChoiceField(label=_("閲覧の目的"),
                                choices=[("", _("選んでください")), *records.ViewPurpose.choices])


class NotifierMixin(forms.Form):
    notifier_type = forms.ChoiceField(label=_("届出人"), choices=NotifierType.choices[:3], initial=NotifierType.SELF)
    notifier_name = TextField(max_length=100, label=_("届出人の氏名（本人以外のとき）"), required=False)
    letter_of_authority = forms.BooleanField(label=_("委任状を確認した"), required=False)
    notified_on = WarekiDateField(label=_("届出日"), required=False, help_text=_("空欄なら今日"))
    reason = TextField(max_length=400, label=_("備考"), required=False)

    def common(self) -> dict:
        d = self.cleaned_data
        return {"notifier": Notifier(d["notifier_type"], d["notifier_name"], d["letter_of_authority"]),
                "notified_on": d["notified_on"], "reason": d["reason"]}


class AddressMixin(forms.Form):
    town = forms.ChoiceField(label=_("町名"), choices=_town_choices(), widget=PlaceSelect)
    chome = forms.TypedChoiceField(label=_("丁目"), choices=_chome_choices(), coerce=int, empty_value=None,
                                   required=False)
    banchi = TextField(max_length=20, label=_("番地"), help_text=_("例：12、1234-5"))
    go = TextField(max_length=12, label=_("号"), required=False)
    katagaki = TextField(max_length=100, label=_("方書（建物名・部屋番号）"), required=False)

    def address(self) -> Address:
        d = self.cleaned_data
        return Address(d["town"], d["chome"], d["banchi"], d["go"], d["katagaki"])


class PersonForm(forms.Form):
    name = TextField(max_length=100, label=_("氏名"))
    name_kana = TextField(max_length=200, label=_("フリガナ"))
    birth_date = WarekiDateField(label=_("生年月日"))
    sex = forms.ChoiceField(label=_("性別"), choices=[("", _("選んでください")), *Sex.choices])
    relationship = forms.ChoiceField(label=_("続柄"), choices=RELATIONSHIP_CHOICES)
    resident_code = ResidentCodeField(label=_("住民票コード（転出証明書に記載）"), required=False)
    my_number = MyNumberField(label=_("個人番号"), required=False)
    honseki = TextField(max_length=200, label=_("本籍（日本国籍）"), required=False)
    hittosha = TextField(max_length=100, label=_("筆頭者（日本国籍）"), required=False)
    nationality = TextField(max_length=64, label=_("国籍・地域（外国人住民）"), required=False)
    residence_status = forms.ChoiceField(label=_("在留資格"), required=False,
                                         choices=[("", "—")] + [(s, s) for s in records.RESIDENCE_STATUSES])
    period_of_stay = TextField(max_length=16, label=_("在留期間"), required=False)
    stay_expires_on = WarekiDateField(label=_("在留期間の満了の日"), required=False)
    residence_card_number = TextField(max_length=12, label=_("在留カード等の番号"), required=False)

    def person(self) -> NewPerson:
        d: dict[str, Any] = {k: (v or "") if k != "stay_expires_on" else v for k, v in self.cleaned_data.items()}
        return NewPerson(**d)


PersonFormSet = forms.formset_factory(PersonForm, extra=3, max_num=8, min_num=1, validate_min=True)


def _deadline_help(kind: str):
    """The notification's period, from the one table the register's lateness flag and the residents' procedure
    guide read too (``residents.deadlines``): the clerk sees what the resident was told."""
    def text() -> str:
        return gettext("届出期限：%(deadline)s（%(basis)s）。過ぎていても受け付け、期間経過として記録します。") % {
            "deadline": DEADLINES[kind].text(), "basis": DEADLINES[kind].basis}

    return lazy(text, str)()


class MoveInForm(NotifierMixin, AddressMixin):
    moved_on = WarekiDateField(label=_("転入した日（異動日）"), help_text=_deadline_help("move_in"))
    previous_municipality = TextField(max_length=64, label=_("転出元の市区町村"))
    previous_address = TextField(max_length=136, label=_("前住所（市区町村より後）"))
    certificate_issued_on = WarekiDateField(label=_("転出証明書の交付日（特例転入は転出届の日）"))
    planned_move_on = WarekiDateField(label=_("転出予定日"))
    special = forms.BooleanField(label=_("特例転入（マイナンバーカード）"), required=False)

    def certificate(self) -> TransferCertificate:
        d = self.cleaned_data
        return TransferCertificate(d["previous_municipality"], d["previous_address"], d["certificate_issued_on"],
                                   d["planned_move_on"])


class MembersForm(NotifierMixin):
    """The members of one household, each with a checkbox, the version seen and a 続柄.

    ``all_selected``: the notification concerns every member (their boxes are ticked; without a 続柄 to choose
    they are listed, not offered). ``preselected``: every box starts ticked and the clerk unticks those
    the notification does not concern (a 転居 usually moves the whole household)."""

    def __init__(self, *args, members, select_label, relationship_label=None, all_selected=False,
                 preselected=False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.members = members
        self.member_rows = []
        for m in members:
            self.fields[f"m{m.pk}"] = forms.BooleanField(label=f"{m.name}（{m.relationship}）", required=False,
                                                        initial=all_selected or preselected)
            self.fields[f"v{m.pk}"] = forms.IntegerField(widget=forms.HiddenInput, initial=m.version)
            row = {"member": m, "select": self[f"m{m.pk}"], "version": self[f"v{m.pk}"], "relationship": None,
                   "fixed": all_selected and not relationship_label}
            if relationship_label:
                self.fields[f"r{m.pk}"] = forms.ChoiceField(label=relationship_label, choices=KEEP_RELATIONSHIP,
                                                            required=False)
                row["relationship"] = self[f"r{m.pk}"]
            self.member_rows.append(row)
        self.select_label = select_label
        self.preselected = preselected

    def movers(self, *, everyone: bool = False) -> list[Mover]:
        d = self.cleaned_data
        return [Mover(m.pk, d[f"v{m.pk}"], d.get(f"r{m.pk}") or "") for m in self.members
                if everyone or d.get(f"m{m.pk}")]

    def versions(self) -> dict[int, int]:
        return {m.pk: self.cleaned_data[f"v{m.pk}"] for m in self.members}


def remaining_head_field(members: Iterable[Resident]) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=_("残る世帯の新しい世帯主（世帯主が移るとき）"), coerce=int, empty_value=None, required=False,
        choices=[("", "—")] + [(m.pk, m.name) for m in members])


class CorrectionForm(forms.Form):
    field = forms.ChoiceField(label=_("修正する項目"),
                              choices=[(f, records.FIELD_LABELS[f]) for f in records.CORRECTABLE_FIELDS])
    value = TextField(max_length=200, label=_("正しい内容"), required=False,
                      help_text=_("日付は和暦か西暦で入力します。空欄にすると記載を消します。"))
    reason = TextField(max_length=400, label=_("修正の理由"))
    version = forms.IntegerField(widget=forms.HiddenInput)


class CancelForm(forms.Form):
    reason = TextField(max_length=400, label=_("取消の理由"))


class MoveWithinForm(MembersForm, AddressMixin):
    moved_on = WarekiDateField(label=_("転居した日（異動日）"), help_text=_deadline_help("move_within"))
    join_household_id = forms.IntegerField(label=_("移る先の世帯の番号（既存の世帯に入るとき）"), required=False,
                                           min_value=1)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("town", "banchi"):
            self.fields[name].required = False

    def address(self) -> Address | None:  # type: ignore[override]  # optional on this form
        return super().address() if self.cleaned_data.get("town") else None


class MoveOutForm(MembersForm):
    planned_move_on = WarekiDateField(label=_("転出予定日（異動日）"), help_text=_deadline_help("move_out"))
    destination = TextField(max_length=200, label=_("転出先（国外転出は国・地域）"))


class MovedOnForm(MembersForm):
    moved_on = WarekiDateField(label=_("異動日"))


class MergeForm(MovedOnForm):
    into_household_id = forms.IntegerField(label=_("合併先の世帯の番号"), min_value=1)


class AbroadInForm(NotifierMixin, AddressMixin):
    moved_on = WarekiDateField(label=_("転入した日（異動日）"), help_text=_deadline_help("move_in"))
    from_country = TextField(max_length=64, label=_("転入前の国・地域"))
    previous_address = TextField(max_length=128, label=_("国外の住所"), required=False)


class BirthForm(NotifierMixin, PersonForm):
    pass


class DeathForm(NotifierMixin):
    died_on = WarekiDateField(label=_("死亡日"), help_text=_deadline_help("death"))
    version = forms.IntegerField(widget=forms.HiddenInput)
