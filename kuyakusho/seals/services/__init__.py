"""Every write of seal registration: keyword-only, one transaction, ``actor``, audited (subject: the resident)."""

from ..conf import age_on
from .lifecycle import abolish, abolish_for_removal, expire_overdue, reissue_card, report_card_lost
from .registration import enter_answer, register_by_letter, register_in_person, reregister

__all__ = [
    "abolish",
    "abolish_for_removal",
    "age_on",
    "enter_answer",
    "expire_overdue",
    "register_by_letter",
    "register_in_person",
    "reissue_card",
    "report_card_lost",
    "reregister",
]
