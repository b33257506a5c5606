from datetime import date

import pytest
from django import forms
from django.utils import translation

from kuyakusho.core.forms import MyNumberField, ResidentCodeField, TextField, WarekiDateField


class SampleForm(forms.Form):
    name = TextField(max_length=10)
    note = TextField(max_length=20, multiline=True, required=False)
    born = WarekiDateField()
    my_number = MyNumberField(required=False)
    code = ResidentCodeField(required=False)


def _errors(**data):
    base = {"name": "山田", "born": "令和元年5月1日"}
    form = SampleForm({**base, **data})
    form.is_valid()
    return form


def test_valid_input_is_cleaned():
    form = _errors(note="一行目\r\n二行目", my_number="1234 5678 9018", code="12345678903")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["born"] == date(2019, 5, 1)
    assert form.cleaned_data["note"] == "一行目\n二行目"
    assert form.cleaned_data["my_number"] == "123456789018"


@pytest.mark.parametrize(
    ("field", "value", "ja"),
    [
        ("name", "あ" * 11, "10文字以内"),
        ("name", "山\x07田", "制御文字"),
        ("born", "令和0年1月1日", "令和0年"),
        ("born", "平成32年1月1日", "期間外"),
        ("born", "2025-02-30", "存在しない日付"),
        ("my_number", "123456789019", "検査用数字"),
        ("code", "12345678904", "検査数字"),
    ],
)
def test_bad_input_names_the_field_in_the_users_language(field, value, ja):
    with translation.override("ja"):
        form = _errors(**{field: value})
        assert ja in str(form.errors[field])
    with translation.override("en"):
        form = _errors(**{field: value})
        assert form.errors[field] and not any("\u3040" <= ch <= "\u30ff" for ch in str(form.errors[field][0]))
