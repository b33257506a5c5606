"""Charts as plain SVG (no script, no library): horizontal bars with their numbers written beside them. Each
chart is decorative for screen readers (``aria-hidden``): the same numbers stand in the table beside it."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BAR_HEIGHT = 22
LABEL_WIDTH = 170
CHART_WIDTH = 520


def bars(rows: Sequence[tuple[str, int]], *, title: str, label_lang: str = "") -> SafeString:
    """``label_lang``: the language of the labels when they are names as registered (町丁目: ``"ja"``)."""
    if not rows:
        return mark_safe("")
    top = max(n for _, n in rows) or 1
    height = len(rows) * (BAR_HEIGHT + 6) + 6
    room = CHART_WIDTH - LABEL_WIDTH - 60
    parts = [f'<svg class="chart" viewBox="0 0 {CHART_WIDTH} {height}" width="{CHART_WIDTH}" height="{height}" '
             f'role="img" aria-hidden="true" focusable="false"><title>{escape(title)}</title>']
    for i, (label, n) in enumerate(rows):
        y = 6 + i * (BAR_HEIGHT + 6)
        w = max(1, round(room * n / top)) if n else 0
        lang = f' lang="{label_lang}"' if label_lang else ""
        parts.append(f'<text x="{LABEL_WIDTH - 6}" y="{y + 16}" text-anchor="end" font-size="13" fill="#1a1a1a"{lang}>'
                     f'{escape(str(label))[:18]}</text>'
                     f'<rect x="{LABEL_WIDTH}" y="{y}" width="{w}" height="{BAR_HEIGHT}" fill="#0017c1"></rect>'
                     f'<text x="{LABEL_WIDTH + w + 6}" y="{y + 16}" font-size="13" fill="#1a1a1a">{n:,}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every value escaped above)
