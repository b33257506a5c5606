"""The broadcasters of this process, one per running event loop."""

from __future__ import annotations

import asyncio
import threading
import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .broadcaster import Broadcaster

_lock = threading.Lock()
_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Broadcaster] = weakref.WeakKeyDictionary()


def register(loop: asyncio.AbstractEventLoop, broadcaster: Broadcaster) -> None:
    with _lock:
        _by_loop[loop] = broadcaster


def get(loop: asyncio.AbstractEventLoop) -> Broadcaster | None:
    with _lock:
        return _by_loop.get(loop)


def unregister(loop: asyncio.AbstractEventLoop) -> None:
    with _lock:
        _by_loop.pop(loop, None)


def all_broadcasters() -> list[Broadcaster]:
    with _lock:
        return list(_by_loop.values())
