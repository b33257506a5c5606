"""Data that public pages read many times a second but that changes a few times a minute, kept for a short
period in the shared cache (every process and machine reads the same copy; the first to ask in a period
builds it). Keyed by the active language, since such data carries words in it."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.core.cache import cache
from django.utils import translation


def period(seconds: float) -> int:
    """The number of the current period of ``seconds`` (the same in every process)."""
    return int(time.time() // seconds)


def recent[T](name: str, build: Callable[[], T], *, seconds: float) -> T:
    """``build()`` as it was at most ``seconds`` ago."""
    key = f"recent:{name}:{translation.get_language() or 'ja'}:{period(seconds)}"
    found: T | None = cache.get(key)
    if found is None:
        found = build()
        cache.set(key, found, seconds * 2)  # outlives its period a little: a slow reader still finds it
    return found
