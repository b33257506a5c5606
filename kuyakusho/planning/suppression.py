"""Small-cell suppression for anything the planning area exports.

A count below ``settings.SMALL_CELL_THRESHOLD`` (default 10) is not shown: a planner sees aggregates only,
and a cell of two people in one 町丁目 is close to a person. The open-data area owns the ward's reusable
suppression rules; this module is the planning area's minimal form of it, named so it can be swapped for that
one (``suppress(value)`` → the value or ``None``).
"""

from __future__ import annotations

from django.conf import settings


def threshold() -> int:
    return int(settings.SMALL_CELL_THRESHOLD)


def suppress(value: int) -> int | None:
    """``value``, or ``None`` (shown as 「秘匿」/"suppressed") when it is positive and under the threshold."""
    return None if 0 < value < threshold() else value
