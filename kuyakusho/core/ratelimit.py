"""Request budgets counted in the shared cache (the database cache by default, Redis with ``CACHE_URL``).

Every server process sees the same counts, so a budget holds however many processes serve the site.
Callers key their budget with :func:`kuyakusho.core.net.client_address` (never ``REMOTE_ADDR`` directly).
"""

from __future__ import annotations

import time

from django.core.cache import caches

CACHE_ALIAS = "default"


def over_budget(scope: str, key: str, *, limit: int, window: int, now: float | None = None) -> bool:
    """Count one request for ``key`` in ``scope``; True when it exceeds ``limit`` in the current window."""
    now = time.time() if now is None else now
    cache = caches[CACHE_ALIAS]
    slot = f"ratelimit:{scope}:{key}:{int(now // window)}"
    if cache.add(slot, 1, window + 5):
        return limit < 1
    try:
        return cache.incr(slot) > limit
    except ValueError:  # expired between add and incr
        cache.add(slot, 1, window + 5)
        return limit < 1
