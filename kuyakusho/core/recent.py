"""Data that public pages read many times a second but that changes a few times a minute, kept for a short
period in the shared cache (every process and machine reads the same copy; the first to ask in a period
builds it). Keyed by the active language, since such data carries words in it.

A key names one period's copy, which does not change once stored: each process also keeps the copies it has
read (:func:`kept`), so a page reads the shared cache once per period and process, not once per view.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.core.cache import cache
from django.utils import translation

_KEPT_MAX = 512  # copies this process keeps; all are dropped when there are more (they are a few seconds old)
_kept: dict[str, object] = {}


def period(seconds: float) -> int:
    """The number of the current period of ``seconds`` (the same in every process)."""
    return int(time.time() // seconds)


def kept[T](key: str, build: Callable[[], T], *, timeout: float) -> T:
    """The shared cache's ``key`` (built and stored for ``timeout`` seconds if missing), kept by this process."""
    found = _kept.get(key)
    if found is None:
        found = cache.get(key)
        if found is None:
            return store(key, build(), timeout=timeout)
        _keep(key, found)
    return found  # type: ignore[return-value]


def store[T](key: str, value: T, *, timeout: float) -> T:
    """Put ``value`` in the shared cache under ``key`` for ``timeout`` seconds, and keep it in this process."""
    cache.set(key, value, timeout)
    _keep(key, value)
    return value


def _keep(key: str, value: object) -> None:
    if len(_kept) >= _KEPT_MAX:
        _kept.clear()
    _kept[key] = value


def forget() -> None:
    """Drop this process's copies (tests, whose database and shared cache start empty each time)."""
    _kept.clear()


def recent[T](name: str, build: Callable[[], T], *, seconds: float) -> T:
    """``build()`` as it was at most ``seconds`` ago."""
    # the shared copy outlives its period a little: a slow reader still finds it
    return kept(f"recent:{name}:{translation.get_language() or 'ja'}:{period(seconds)}", build, timeout=seconds * 2)
