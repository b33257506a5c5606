"""Telling followers: one notice per account through the resident site's inbox (``hooks.deliver``: a notice in
My page and an e-mail where she gave an address). Called by the services after their transaction commits."""

from __future__ import annotations

from collections.abc import Iterable

from . import hooks


def notify(*, account_ids: Iterable[int], title: str, body: str) -> None:
    hooks.deliver(sorted(set(account_ids)), str(title)[:120], str(body)[:4000])
