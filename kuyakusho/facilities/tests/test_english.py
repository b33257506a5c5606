"""The facilities pages in English: nothing Japanese outside names marked ``lang="ja"``."""

from __future__ import annotations

from datetime import date
from unittest import mock

import pytest

from kuyakusho.core.tests.test_english import japanese_outside_names
from kuyakusho.facilities import booking

from .conftest import TODAY, make_registrant, resident_client

pytestmark = pytest.mark.django_db


def _english(client, url: str) -> str:
    client.cookies["django_language"] = "en"
    r = client.get(url)
    assert r.status_code == 200, url
    html = r.content.decode()
    assert '<html lang="en"' in html, url
    found = japanese_outside_names(html)
    assert not found, (url, found[:5])
    return html


def test_public_resident_and_console_pages_in_english(client, halls, supervisor):
    fac, (hall, _room) = halls
    with mock.patch("django.utils.timezone.localdate", return_value=TODAY):
        g = make_registrant()
        b = booking.book_first_come(actor=g.account, registrant=g, room=hall, day=date(2026, 12, 21), period="am",
                                    attendees=5, purpose="", today=TODAY)
        html = _english(client, f"/facilities/f/{fac.code}/?month=2026-12")
        assert "Vacancy of" in html and "Free" in html and "Booked" in html
        _english(client, "/facilities/")
        c = resident_client(g.account)
        _english(c, "/facilities/my/")
        _english(c, f"/facilities/my/slot?room={hall.pk}&date=2026-12-22&period=pm")
        _english(c, "/facilities/my/register")
        _english(c, f"/facilities/my/bookings/{b.pk}/cancel")
        html = _english(c, f"/facilities/my/bookings/{b.pk}/change")
        assert "same fee" in html
        client.force_login(supervisor)
        _english(client, "/console/facilities/")
        _english(client, f"/console/facilities/registrants/{g.pk}/")
        _english(client, "/console/facilities/lottery/")
        _english(client, f"/console/facilities/f/{fac.code}/")
        _english(client, f"/console/facilities/f/{fac.code}/day?date=2026-12-21")
        assert "Add a room" in _english(client, f"/console/facilities/f/{fac.code}/edit")
        _english(client, f"/console/facilities/rooms/{hall.pk}/")
