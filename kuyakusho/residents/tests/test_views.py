"""Console pages: search, purpose, record with timeline, household, notification → confirmation → receipt."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from kuyakusho.audit.models import AuditEvent
from kuyakusho.core.wareki import format_wareki
from kuyakusho.residents.models import Event, Resident

from .factories import ResidentFactory, family

pytestmark = pytest.mark.django_db


def move_in_data(step):
    today = format_wareki(timezone.localdate())
    data = {
        "step": step, "n-notifier_type": "self", "n-moved_on": today, "n-previous_municipality": "東京都杉並区",
        "n-previous_address": "阿佐谷南1丁目1番1号", "n-certificate_issued_on": today, "n-planned_move_on": today,
        "n-town": "豊玉北", "n-chome": "6", "n-banchi": "12", "n-go": "1",
        "p-TOTAL_FORMS": "3", "p-INITIAL_FORMS": "0", "p-MIN_NUM_FORMS": "1", "p-MAX_NUM_FORMS": "8",
        "p-0-name": "山田 太郎", "p-0-name_kana": "ヤマダ タロウ", "p-0-birth_date": "S60.4.2", "p-0-sex": "male",
        "p-0-relationship": "世帯主",
        "p-1-name": "山田 花子", "p-1-name_kana": "やまだ はなこ", "p-1-birth_date": "1987-08-01", "p-1-sex": "female",
        "p-1-relationship": "妻",
    }
    return data


def test_search_page(client_as, clerk):
    ResidentFactory(name="髙橋 一郎", name_kana="タカハシ イチロウ")
    c = client_as(clerk)
    assert c.get(reverse("residents:search")).status_code == 200
    r = c.get(reverse("residents:search"), {"name": "高橋"})
    assert "髙橋 一郎" in r.text and "include_removed" not in r.text
    r = c.get(reverse("residents:search"), {"kana": "高橋"})
    assert "フリガナはカタカナ" in r.text
    r = c.get(reverse("residents:search"), {"name": "高橋"}, headers={"HX-Request": "true"})
    assert "<html" not in r.text and "髙橋 一郎" in r.text


def test_record_asks_for_a_purpose_then_shows_the_timeline(client_as, clerk):
    head, _ = family(2)
    c = client_as(clerk)
    url = reverse("residents:record", args=[head.pk])
    r = c.get(url)
    assert "閲覧の目的" in r.text and not AuditEvent.objects.filter(action="residents.open").exists()
    r = c.get(url, {"purpose": "consultation"})
    assert r.status_code == 200 and "移行記載" in r.text and "平成22年4月1日" in r.text
    assert AuditEvent.objects.get(action="residents.open").purpose == "consultation"
    r = c.get(reverse("residents:household", args=[head.household_id]), {"purpose": "consultation"})
    assert "練馬 花子" in r.text


def test_move_in_confirm_then_commit(client_as, clerk):
    c = client_as(clerk)
    url = reverse("residents:move_in")
    assert c.get(url).status_code == 200
    r = c.post(url, move_in_data("confirm"))
    assert r.status_code == 200 and "確認：この届出で変わる内容" in r.text and "新たに記載" in r.text
    assert not Resident.objects.exists() and not Event.objects.exists()
    r = c.post(url, move_in_data("commit"))
    event = Event.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("residents:receipt", args=[event.pk])
    assert Resident.objects.count() == 2
    r = c.get(r["Location"])
    assert event.receipt_number in r.text


def test_move_in_refusal_keeps_the_input(client_as, clerk):
    data = move_in_data("confirm")
    data["p-1-name_kana"] = "山田花子"
    r = client_as(clerk).post(reverse("residents:move_in"), data)
    assert "フリガナはカタカナで入力してください" in r.text and 'value="山田 花子"' in r.text
    assert not Resident.objects.exists()


def test_move_within_conflict_shows_what_changed(client_as, clerk, supervisor):
    (head,) = family(1)
    c = client_as(clerk)
    url = reverse("residents:move_within", args=[head.household_id])
    data = {"step": "commit", "notifier_type": "self", "moved_on": "2025-05-01", f"m{head.pk}": "on",
            f"v{head.pk}": "1", "town": "桜台", "chome": "2", "banchi": "5"}
    from kuyakusho.residents.services import correct_record
    correct_record(actor=supervisor, resident_id=head.pk, version=1, changes={"name": "練馬 太郞"}, reason="誤記")
    r = c.post(url, data)
    assert "ほかの職員がこの住民の記録を更新しました" in r.text and "練馬 太郞" in r.text
    assert f'name="v{head.pk}" value="2"' in r.text and 'value="5"' in r.text
    r = c.post(url, {**data, f"v{head.pk}": "2"})
    assert r.status_code == 302


def test_correction_page_needs_a_supervisor(client_as, clerk, supervisor):
    (head,) = family(1)
    url = reverse("residents:correction", args=[head.pk])
    assert client_as(clerk).get(url).status_code == 403
    r = client_as(supervisor).post(url, {"step": "commit", "field": "birth_date", "value": "S55.5.2",
                                         "reason": "戸籍照会", "version": "1"})
    assert r.status_code == 302
    head.refresh_from_db()
    assert head.birth_date.isoformat() == "1980-05-02"


def test_cancel_page(client_as, clerk, supervisor):
    data = move_in_data("commit")
    client_as(clerk).post(reverse("residents:move_in"), data)
    event = Event.objects.get()
    r = client_as(supervisor).post(reverse("residents:cancel", args=[event.pk]), {"step": "confirm", "reason": "誤り"})
    assert "確認：この届出で変わる内容" in r.text and "記載の取消" in r.text
    r = client_as(supervisor).post(reverse("residents:cancel", args=[event.pk]), {"step": "commit", "reason": "誤り"})
    assert r.status_code == 302 and Event.objects.filter(kind="cancellation").exists()


@pytest.mark.parametrize("name", ["move_out", "abroad_out", "birth", "head_change", "split", "merge", "move_within"])
def test_household_forms_render(client_as, clerk, name):
    head, _ = family(2)
    r = client_as(clerk).get(reverse(f"residents:{name}", args=[head.household_id]))
    assert r.status_code == 200 and "確認する" in r.text
