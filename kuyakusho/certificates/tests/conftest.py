from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pypdf
import pytest

TOKYO = ZoneInfo("Asia/Tokyo")
#: A Wednesday at 10:00 in Tokyo: every channel is open.
OPEN = datetime(2025, 6, 11, 10, 0, tzinfo=TOKYO)


@pytest.fixture(autouse=True)
def _ward_key(isolated_ward_key):
    """A demo ward key per test session, outside the developer's var/ (root conftest)."""


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
