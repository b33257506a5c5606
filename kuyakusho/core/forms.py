"""Form fields that apply the shared input rules (length, the character policy, 和暦 dates, check digits)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from .errors import ApplicationError
from .identifiers import validate_my_number, validate_resident_code
from .text import check_text
from .wareki import format_wareki, parse_date


class _ApplicationErrorField(forms.CharField):
    def run(self, value: str) -> object:  # pragma: no cover - overridden
        raise NotImplementedError

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        if value in self.empty_values:
            return None if not isinstance(self, TextField) else value
        try:
            return self.run(value)
        except ApplicationError as e:
            raise forms.ValidationError(e.message, code=str(e.code)) from None


class TextField(_ApplicationErrorField):
    """A single-line (or multiline) text that the character policy accepts (``core.text``), with a maximum length."""

    def __init__(self, *, max_length: int, multiline: bool = False, **kwargs: Any) -> None:
        self.multiline = multiline
        kwargs.setdefault("widget", forms.Textarea if multiline else forms.TextInput)
        # The length is checked by check_text with a translated message (and no maxlength truncation).
        super().__init__(**kwargs)
        self.max_length_rule = max_length

    def run(self, value: str) -> str:
        return check_text(value, field=None, max_length=self.max_length_rule, multiline=self.multiline)


class WarekiDateField(_ApplicationErrorField):
    """A date typed as 和暦 (令和7年5月1日, R7.5.1) or ISO (2025-05-01)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", gettext_lazy("例：令和7年5月1日、R7.5.1、2025-05-01"))
        super().__init__(**kwargs)

    def run(self, value: str) -> date:
        return parse_date(value)

    def prepare_value(self, value: Any) -> Any:
        if hasattr(value, "year"):
            return format_wareki(value)
        return value


class MyNumberField(_ApplicationErrorField):
    def run(self, value: str) -> str:
        return validate_my_number(value)


class ResidentCodeField(_ApplicationErrorField):
    def run(self, value: str) -> str:
        return validate_resident_code(value)


class PlaceSelect(forms.Select):
    """A select of place names (町名) kept as registered: each named option is marked ``lang="ja"``."""

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        if value not in ("", None):
            option["attrs"]["lang"] = "ja"
        return option


def field_of[F: forms.Field](form: forms.BaseForm, name: str, kind: type[F]) -> F:
    """``form.fields[name]``, checked to be a ``kind`` (a form that sets its choices or queryset from data)."""
    field = form.fields[name]
    if not isinstance(field, kind):
        raise TypeError(f"{type(form).__name__}.{name} is not a {kind.__name__}")
    return field
