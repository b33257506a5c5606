"""Readings and the search key: ほいくえん finds 保育園.

Each dataset stores a search key built from its title, notes and tags (NFKC, case-folded, variant kanji unified:
``core.text.fold_name_for_search``) and from readings in katakana (``core.text.fold_kana_for_search``): the
reading staff entered with the dataset, and one derived from the text by pykakasi's dictionary (offline, no
network). A query word matches when its folded spelling or its folded reading occurs in the key.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable
from typing import Protocol

from kuyakusho.core.text import fold_kana_for_search, fold_name_for_search


class _Converter(Protocol):
    def convert(self, text: str) -> list[dict[str, str]]: ...


_lock = threading.Lock()


@functools.cache
def _kakasi() -> _Converter:
    # Imported on first use: loading its dictionaries takes about a second, and most processes never read.
    import pykakasi

    with _lock:
        converter: _Converter = pykakasi.kakasi()  # type: ignore[no-untyped-call]  # the library has no types
    return converter


def reading_of(text: str) -> str:
    """The reading of a Japanese text in hiragana (kanji read by the dictionary; other characters kept)."""
    if not text:
        return ""
    return "".join(part["hira"] for part in _kakasi().convert(text))


def katakana_of(text: str) -> str:
    """The reading in katakana (名称_カナ of the standard datasets)."""
    if not text:
        return ""
    return "".join(part["kana"] for part in _kakasi().convert(text))


def search_key(*, texts: Iterable[str], readings: Iterable[str]) -> str:
    parts = [fold_name_for_search(t) for t in texts if t]
    for reading in readings:
        if reading:
            parts.append(fold_kana_for_search(fold_name_for_search(reading)))
    return "\n".join(parts)


def query_variants(word: str) -> tuple[str, ...]:
    """The spellings of one query word to look for in a search key."""
    folded = fold_name_for_search(word)
    kana = fold_kana_for_search(folded)
    return tuple(dict.fromkeys(v for v in (folded, kana) if v))
