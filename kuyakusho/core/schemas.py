"""Types for django-ninja schemas that apply the shared input rules; a violation is a 422 with a translated message."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from .api_types import DATE_INPUT, MY_NUMBER_INPUT, RESIDENT_CODE_INPUT, text_input
from .errors import ApplicationError
from .identifiers import validate_my_number, validate_resident_code
from .text import check_text
from .wareki import parse_date


def _wrap[T](func: Callable[[Any], T]) -> Callable[[Any], T | None]:
    def run(value: Any) -> T | None:
        if value is None:
            return value
        try:
            return func(value)
        except ApplicationError as e:
            # The message as the user reads it (no "Value error," prefix); the code and details in the context.
            raise PydanticCustomError(str(e.code), "{message}", {"message": str(e.message), **e.extra}) from None

    return run


def text_rule(max_length: int, *, multiline: bool = False) -> BeforeValidator:
    """``name: Annotated[str, text_rule(64)]`` — a string the character policy accepts (``core.text``), at most
    ``max_length`` characters. The form a type checker reads; ``Text(64)`` is the same for older schemas."""
    return BeforeValidator(_wrap(
        lambda v: check_text(str(v), field=None, max_length=max_length, multiline=multiline)),
        json_schema_input_type=text_input(max_length, multiline=multiline))


def Text(max_length: int, *, multiline: bool = False) -> Any:
    """``name: Text(64)``: ``Annotated[str, text_rule(64)]`` (a call, which a type checker cannot read as a type:
    write the ``Annotated`` form in new schemas)."""
    return Annotated[str, text_rule(max_length, multiline=multiline)]


def _date(value: object) -> date:
    if isinstance(value, date):
        return value
    return parse_date(str(value))


WarekiDate = Annotated[date, BeforeValidator(_wrap(_date), json_schema_input_type=DATE_INPUT)]
MyNumber = Annotated[str, BeforeValidator(_wrap(lambda v: validate_my_number(str(v))),
                                          json_schema_input_type=MY_NUMBER_INPUT)]
ResidentCode = Annotated[str, BeforeValidator(_wrap(lambda v: validate_resident_code(str(v))),
                                              json_schema_input_type=RESIDENT_CODE_INPUT)]
