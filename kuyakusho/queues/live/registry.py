"""The broadcasters of this process, one per running event loop."""

from __future__ import annotations

import threading
import weakref

_lock = threading.Lock()
_by_loop: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def register(loop, broadcaster) -> None:
    with _lock:
        _by_loop[loop] = broadcaster


def get(loop):
    with _lock:
        return _by_loop.get(loop)


def unregister(loop) -> None:
    with _lock:
        _by_loop.pop(loop, None)


def all_broadcasters() -> list:
    with _lock:
        return list(_by_loop.values())
