"""The lobby display is a wall screen: no language switch; Japanese and English in turn if the office says so."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from kuyakusho.offices.models import Office

pytestmark = pytest.mark.django_db


def test_the_display_has_no_language_switch_and_one_language_by_default(client, open_now):
    page = client.get("/display/nerima").content.decode()
    assert "lang-switch" not in page and "set_language" not in page and "/i18n/" not in page
    assert "data-alternate" not in page and "queues/display.js" not in page
    assert "お呼び出し中の番号" in page and "Now calling" not in page
    english = client.get("/display/nerima", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en"' in english and "lang-switch" not in english


def test_an_office_that_alternates_gets_both_languages_prepared(client, open_now):
    Office.objects.filter(code="nerima").update(display_alternate_seconds=10)
    page = client.get("/display/nerima", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="ja"' in page and 'data-alternate-seconds="10"' in page and "queues/display.js" in page
    assert 'data-ja="練馬区民事務所" data-en="Nerima Service Center"' in page
    assert 'data-ja="届出" data-en="Notifications"' in page and 'data-en="Now calling"' in page
    # What a screen reader reads stays put: the swapped words are aria-hidden, a stable copy sits beside them.
    assert page.count('<span aria-hidden="true" lang="ja" data-alternate') == page.count("data-alternate ")
    assert '<span class="visually-hidden">お待ちの人数</span><span aria-hidden="true"' in page
    assert "lang-switch" not in page


def test_the_interval_is_checked(open_now):
    office = Office.objects.get(code="nerima")
    office.display_alternate_seconds = 3
    with pytest.raises(ValidationError):
        office.full_clean()
    with transaction.atomic(), pytest.raises(IntegrityError):
        Office.objects.filter(pk=office.pk).update(display_alternate_seconds=3)


def test_an_administrator_sets_the_alternation_on_the_offices_page_and_it_is_audited(client_as, administrator,
                                                                                      open_now, clerk):
    from kuyakusho.audit.models import AuditEvent

    url = "/offices/manage/display-languages"
    nerima = Office.objects.get(code="nerima")
    client = client_as(administrator)
    page = client.get("/offices/manage/").content.decode()
    assert "呼出表示の言語" in page and 'name="display-seconds"' in page
    response = client.post(url, {"display-office": nerima.pk, "display-seconds": 3}, follow=True)
    assert "5〜600秒" in response.content.decode()
    nerima.refresh_from_db()
    assert nerima.display_alternate_seconds == 0
    client.post(url, {"display-office": nerima.pk, "display-seconds": 12})
    nerima.refresh_from_db()
    assert nerima.display_alternate_seconds == 12
    event = AuditEvent.objects.get(action="offices.display_alternation")
    assert event.changes == {"display_alternate_seconds": [0, 12]}
    assert "12秒ごとに切り替え" in client.get("/offices/manage/").content.decode()
    assert client_as(clerk).post(url, {"display-office": nerima.pk, "display-seconds": 0}).status_code == 403
