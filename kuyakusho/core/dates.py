"""Ages and anniversaries: one definition for the register, seals, facilities, planning and the demo ward."""

from __future__ import annotations

from datetime import date


def age_on(birth_date: date, on: date) -> int:
    """Age in completed years on ``on`` (a person born on 2/29 turns a year older on 3/1 in common years)."""
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def years_before(day: date, years: int) -> date:
    """The same day ``years`` years earlier (29 February becomes the 28th in a common year)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)
