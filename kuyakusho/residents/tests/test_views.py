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


def with_purpose(c, url, purpose="notification"):
    """Answer the purpose question for ``url``: the page's address with its grant."""
    r = c.post(url, {"_ask_purpose": "1", "purpose": purpose})
    assert r.status_code == 302, r.text[:300]
    return r["Location"]


def test_search_page(client_as, clerk):
    ResidentFactory(name="髙橋 一郎", name_kana="タカハシ イチロウ")
    c = client_as(clerk)
    assert c.get(reverse("residents:search")).status_code == 200
    r = c.get(reverse("residents:search"), {"name": "高橋", "purpose": "consultation"})
    assert "髙橋 一郎" in r.text and "include_removed" not in r.text
    r = c.get(reverse("residents:search"), {"kana": "高橋", "purpose": "consultation"})
    assert "フリガナはカタカナ" in r.text
    r = c.get(reverse("residents:search"), {"name": "高橋", "purpose": "consultation"}, headers={"HX-Request": "true"})
    assert "<html" not in r.text and "髙橋 一郎" in r.text


def test_record_asks_for_a_purpose_then_shows_the_timeline(client_as, clerk):
    head, wife = family(2)
    c = client_as(clerk)
    url = reverse("residents:record", args=[head.pk])
    r = c.get(url)
    assert "閲覧の目的" in r.text and not AuditEvent.objects.filter(kind="read").exists()
    # A purpose written into the address only preselects the answer: the question is still asked.
    r = c.get(url, {"purpose": "consultation"})
    assert "閲覧の目的" in r.text and "移行記載" not in r.text and not AuditEvent.objects.filter(kind="read").exists()
    assert 'value="consultation" selected' in r.text
    granted = with_purpose(c, url, "consultation")
    r = c.get(granted)
    assert r.status_code == 200 and "移行記載" in r.text and "平成22年4月1日" in r.text
    reads = AuditEvent.objects.filter(action="residents.open").order_by("seq")
    assert [(a.subject_id, a.purpose) for a in reads] == [(str(head.pk), "consultation"),
                                                          (str(wife.pk), "consultation")]
    # The household link carries the purpose given: no second question.
    household_url = reverse("residents:household", args=[head.household_id])
    link = next(h for h in _links(r.text) if h.startswith(household_url))
    r = c.get(link)
    assert "練馬 花子" in r.text and "閲覧の目的" in r.text
    assert AuditEvent.objects.filter(action="residents.open_household", purpose="consultation").count() == 2


def _links(html):
    import html as htmllib
    import re

    return [htmllib.unescape(h) for h in re.findall(r'href="([^"]+)"', html)]


def test_a_grant_is_bound_to_its_household_and_its_member_of_staff(client_as, clerk, supervisor):
    head, _ = family(2)
    other, _ = family(2)
    c = client_as(clerk)
    granted = with_purpose(c, reverse("residents:record", args=[head.pk]), "consultation")
    token = granted.split("pt=", 1)[1]
    from urllib.parse import unquote

    token = unquote(token)
    r = c.get(reverse("residents:record", args=[other.pk]), {"pt": token})  # another household
    assert "閲覧の目的" in r.text and "移行記載" not in r.text
    r = c.get(reverse("residents:record", args=[head.pk]), {"pt": token[:-2] + "xx"})  # forged
    assert "閲覧の目的" in r.text and "移行記載" not in r.text
    r = client_as(supervisor).get(reverse("residents:record", args=[head.pk]), {"pt": token})  # someone else's
    assert "閲覧の目的" in r.text and "移行記載" not in r.text
    assert not AuditEvent.objects.filter(kind="read", actor=supervisor).exists()


def test_the_purpose_question_is_csrf_protected(clerk):
    from django.test import Client

    (head,) = family(1)
    c = Client(enforce_csrf_checks=True)
    c.force_login(clerk)
    r = c.post(reverse("residents:record", args=[head.pk]), {"_ask_purpose": "1", "purpose": "consultation"})
    assert r.status_code == 403 and not AuditEvent.objects.filter(kind="read").exists()


def test_my_number_is_masked_and_shown_in_full_only_for_its_purpose(client_as, clerk):
    head = ResidentFactory(my_number="")
    from kuyakusho.core.identifiers import my_number_check_digit

    number = "12345678901" + str(my_number_check_digit("12345678901"))
    Resident.objects.filter(pk=head.pk).update(my_number=number)
    c = client_as(clerk)
    record_url = with_purpose(c, reverse("residents:record", args=[head.pk]), "certificate")
    r = c.get(record_url)
    assert "********" + number[-4:] in r.text and number not in r.text
    assert not AuditEvent.objects.filter(action="residents.my_number").exists()
    show = next(a for a in _form_actions(r.text) if "my-number" in a)
    # Without the purpose of the 個人番号利用事務 (or with another), nothing is shown and nothing recorded.
    r = c.post(show, {"purpose": "certificate"})
    assert r.status_code == 302 and not AuditEvent.objects.filter(action="residents.my_number").exists()
    r = c.post(show, {"purpose": "my_number_use"})
    assert r.status_code == 200 and number in r.text and r["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action="residents.my_number")
    assert (event.subject_id, event.purpose, event.kind, event.actor_id) == (
        str(head.pk), "my_number_use", "read", clerk.pk)
    # A GET does not show it.
    r = c.get(show)
    assert r.status_code == 302 and AuditEvent.objects.filter(action="residents.my_number").count() == 1


def _form_actions(html):
    import html as htmllib
    import re

    return [htmllib.unescape(h) for h in re.findall(r'action="([^"]+)"', html)]


def test_move_in_confirm_then_commit(client_as, clerk):
    c = client_as(clerk)
    url = reverse("residents:move_in")
    assert c.get(url).status_code == 200
    r = c.post(url, move_in_data("confirm"))
    assert r.status_code == 200 and "確認：この届出で変わる内容" in r.text and "新たに記載" in r.text
    assert not Resident.objects.exists() and not Event.objects.exists()
    r = c.post(url, move_in_data("commit"))
    event = Event.objects.get()
    assert r.status_code == 302 and r["Location"].startswith(reverse("residents:receipt", args=[event.pk]) + "?pt=")
    assert Resident.objects.count() == 2
    r = c.get(r["Location"])
    assert event.receipt_number in r.text
    reads = AuditEvent.objects.filter(action="residents.receipt")
    assert sorted(a.subject_id for a in reads) == sorted(str(p.pk) for p in Resident.objects.all())
    assert {a.purpose for a in reads} == {"notification"}


def test_move_in_refusal_keeps_the_input(client_as, clerk):
    data = move_in_data("confirm")
    data["p-1-name_kana"] = "山田花子"
    r = client_as(clerk).post(reverse("residents:move_in"), data)
    assert "フリガナはカタカナで入力してください" in r.text and 'value="山田 花子"' in r.text
    assert not Resident.objects.exists()


def test_move_within_conflict_shows_what_changed(client_as, clerk, supervisor):
    (head,) = family(1)
    c = client_as(clerk)
    url = with_purpose(c, reverse("residents:move_within", args=[head.household_id]))
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
    url = with_purpose(client_as(supervisor), url, "correction")
    r = client_as(supervisor).post(url, {"step": "commit", "field": "birth_date", "value": "S55.5.2",
                                         "reason": "戸籍照会", "version": "1"})
    assert r.status_code == 302
    head.refresh_from_db()
    assert head.birth_date.isoformat() == "1980-05-02"


def test_cancel_page(client_as, clerk, supervisor):
    data = move_in_data("commit")
    client_as(clerk).post(reverse("residents:move_in"), data)
    event = Event.objects.get()
    url = with_purpose(client_as(supervisor), reverse("residents:cancel", args=[event.pk]), "correction")
    r = client_as(supervisor).post(url, {"step": "confirm", "reason": "誤り"})
    assert "確認：この届出で変わる内容" in r.text and "記載の取消" in r.text
    r = client_as(supervisor).post(url, {"step": "commit", "reason": "誤り"})
    assert r.status_code == 302 and Event.objects.filter(kind="cancellation").exists()


HOUSEHOLD_FORMS = ["move_out", "abroad_out", "birth", "head_change", "split", "merge", "move_within"]


@pytest.mark.parametrize("name", HOUSEHOLD_FORMS)
def test_household_forms_ask_the_purpose_then_render(client_as, clerk, name):
    head, _ = family(2)
    c = client_as(clerk)
    url = reverse(f"residents:{name}", args=[head.household_id])
    r = c.get(url)
    assert r.status_code == 200 and "閲覧の目的" in r.text and "練馬 花子" not in r.text
    assert 'value="notification" selected' in r.text  # preselected, still asked
    r = c.get(with_purpose(c, url))
    assert r.status_code == 200 and "確認する" in r.text


def test_walking_the_notification_forms_records_one_read_per_person_shown(client_as, clerk):
    """The clerk who walked households through the notification forms left no trail: now every form that
    shows a household's people records one read per person shown, with the purpose given and the channel."""
    c = client_as(clerk)
    households = [family(2) for _ in range(3)]
    expected: list[tuple[str, str]] = []
    for head, wife in households:
        for name in HOUSEHOLD_FORMS:
            url = reverse(f"residents:{name}", args=[head.household_id])
            before = AuditEvent.objects.count()
            r = c.get(with_purpose(c, url, "notification"))
            assert r.status_code == 200 and "練馬" in r.text
            rows = list(AuditEvent.objects.filter(seq__gt=before).order_by("seq"))
            assert [(e.subject_id, e.kind, e.purpose, e.channel, e.actor_id) for e in rows] == [
                (str(head.pk), "read", "notification", "console", clerk.pk),
                (str(wife.pk), "read", "notification", "console", clerk.pk)], name
            assert {e.action for e in rows} == {"residents.notification_form"}
            expected += [(str(head.pk), name), (str(wife.pk), name)]
        before = AuditEvent.objects.count()
        url = reverse("residents:death", args=[wife.pk])
        r = c.get(with_purpose(c, url, "notification"))
        assert r.status_code == 200
        shown = AuditEvent.objects.filter(seq__gt=before, kind="read").values_list("subject_id", flat=True)
        assert sorted(shown) == sorted([str(head.pk), str(wife.pk)])
    reads = AuditEvent.objects.filter(action="residents.notification_form")
    assert reads.count() == len(expected) + 2 * len(households)


def test_the_steps_of_one_form_record_each_person_once(client_as, clerk):
    head, wife = family(2)
    c = client_as(clerk)
    url = with_purpose(c, reverse("residents:move_within", args=[head.household_id]))
    r = c.get(url)
    import re

    flow = re.search(r'name="flow" value="([^"]+)"', r.text).group(1)
    data = {"step": "confirm", "flow": flow, "notifier_type": "self", "moved_on": "2025-05-01", f"m{wife.pk}": "on",
            f"v{head.pk}": "1", f"v{wife.pk}": "1", f"r{wife.pk}": "世帯主", "town": "桜台", "chome": "2",
            "banchi": "5"}
    r = c.post(url, data)
    assert "確認：この届出で変わる内容" in r.text
    assert AuditEvent.objects.filter(action="residents.notification_form").count() == 2
    # A step posted without the form's own token (forged or lost) records the reads again rather than none.
    data.pop("flow")
    c.post(url, data)
    assert AuditEvent.objects.filter(action="residents.notification_form").count() == 4


def test_an_expired_grant_asks_again_and_keeps_what_was_typed(client_as, clerk):
    (head,) = family(1)
    c = client_as(clerk)
    url = reverse("residents:move_within", args=[head.household_id])
    data = {"step": "confirm", "notifier_type": "self", "moved_on": "2025-05-01", f"m{head.pk}": "on",
            f"v{head.pk}": "1", "town": "桜台", "chome": "2", "banchi": "77"}
    r = c.post(url + "?pt=expired", data)
    assert "閲覧の目的" in r.text and 'value="77"' in r.text  # carried in the question
    r = c.post(url, {**data, "_ask_purpose": "1", "purpose": "notification"})
    assert r.status_code == 200 and "確認する" in r.text and 'value="77"' in r.text
    assert "確認：この届出で変わる内容" not in r.text  # back to the form, not on to the next step


@pytest.mark.parametrize("name", ["household", "move_out"])
def test_recording_the_reads_of_a_household_does_not_grow_with_its_members(client_as, clerk, name):
    """The members' reads go in one append (one lock of the trail, one INSERT), however many they are."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = client_as(clerk)
    counts = []
    for size in (2, 6):
        head = family(size)[0]
        url = with_purpose(c, reverse(f"residents:{name}", args=[head.household_id]))
        c.get(url)  # sessions, the trail's head: whatever the first view creates
        with CaptureQueriesContext(connection) as queries:
            assert c.get(url).status_code == 200
        counts.append(len(queries))
        assert sum(q["sql"].startswith("INSERT") and "audit_auditevent" in q["sql"] for q in queries) == 1
    assert counts[0] == counts[1]


# --- the clerk's day: search errors, the 転居 form, 世帯主の氏名 ------------------------------------


@pytest.mark.parametrize("birth_date, message", [
    ("令和0年1月1日", "令和0年という年はありません。"),
    ("令和5年2月30日", "存在しない日付です。"),
    ("2月30日", "日付の形式が正しくありません"),
])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_an_invalid_birth_date_is_shown_beside_the_field_and_no_search_is_run(client_as, clerk, birth_date,
                                                                               message, htmx):
    ResidentFactory(name="髙橋 一郎", name_kana="タカハシ イチロウ")
    headers = {"HX-Request": "true"} if htmx else {}
    r = client_as(clerk).get(reverse("residents:search"),
                             {"name": "髙橋", "birth_date": birth_date, "purpose": "consultation"}, headers=headers)
    assert r.status_code == 200 and ("<html" in r.text) is not htmx
    # The part htmx swaps in holds the form with the error beside the field, announced, and the field marked.
    area = r.text[r.text.index('<div id="search-area"'):]
    assert '<form method="get"' in area and 'role="alert"' in area
    assert f'<p class="field__error" id="id_birth_date_error">{message}' in area
    field = area[area.index('name="birth_date"'):]
    field = field[:field.index(">")]
    assert 'aria-invalid="true"' in field and "autofocus" in field
    assert 'aria-describedby="id_birth_date_help id_birth_date_error"' in field
    assert f'value="{birth_date}"' in field  # what was typed stays
    # The results say the search was not run: not "nobody found", and nobody listed.
    assert "検索していません" in area and "該当する住民はいません" not in area and "髙橋 一郎" not in area
    assert not AuditEvent.objects.filter(action="residents.search").exists()


def test_a_valid_search_after_an_error_clears_it(client_as, clerk):
    ResidentFactory(name="髙橋 一郎", name_kana="タカハシ イチロウ", birth_date=timezone.datetime(1985, 4, 2).date())
    r = client_as(clerk).get(reverse("residents:search"),
                             {"name": "髙橋", "birth_date": "昭和60年4月2日", "purpose": "consultation"},
                             headers={"HX-Request": "true"})
    assert "髙橋 一郎" in r.text and "検索していません" not in r.text and 'role="alert"' not in r.text
    assert 'aria-invalid' not in r.text and "autofocus" not in r.text
    assert 'aria-describedby="id_birth_date_help"' in r.text


def test_the_record_shows_the_name_of_the_head_of_household(client_as, clerk):
    head, wife = family(2)
    c = client_as(clerk)
    r = c.get(with_purpose(c, reverse("residents:record", args=[wife.pk]), "consultation"))
    assert f'<dt>世帯主の氏名</dt><dd><span lang="ja">{head.name}</span>' in r.text


def _move_within_url(c, household_id):
    return with_purpose(c, reverse("residents:move_within", args=[household_id]))


def test_the_move_within_form_starts_with_the_whole_household_ticked(client_as, clerk):
    members = family(3)
    c = client_as(clerk)
    r = c.get(_move_within_url(c, members[0].household_id))
    for m in members:
        assert f'name="m{m.pk}" id="id_m{m.pk}" checked' in r.text
        assert f'<select name="r{m.pk}" id="id_r{m.pk}">' in r.text
    assert "転居しない人のチェックを外してください" in r.text
    # The 転出 form still asks who leaves: nobody is ticked for the clerk.
    r = c.get(with_purpose(c, reverse("residents:move_out", args=[members[0].household_id])))
    assert f'name="m{members[1].pk}" id="id_m{members[1].pk}">' in r.text and "checked" not in r.text


def _without_head_name(*residents):
    """Stored snapshots written without 世帯主の氏名 (as the synthetic ward wrote them for members before)."""
    from kuyakusho.residents.models import EventEntry

    for entry in EventEntry.objects.filter(resident__in=residents):
        entry.snapshot = {**entry.snapshot, "head_name": ""}
        entry.save(update_fields=["snapshot"])


def test_the_move_within_confirmation_and_history_show_only_real_changes(client_as, clerk):
    head, wife, child = family(3)
    _without_head_name(wife, child)
    c = client_as(clerk)
    url = _move_within_url(c, head.household_id)
    data = {"notifier_type": "self", "moved_on": format_wareki(timezone.localdate()), "town": "桜台", "chome": "2",
            "banchi": "5", "go": "3", **{f"m{m.pk}": "on" for m in (head, wife, child)},
            **{f"v{m.pk}": str(m.version) for m in (head, wife, child)}}
    r = c.post(url, {**data, "step": "confirm"})
    confirm = r.text[r.text.index('class="res-confirm"'):]
    assert "桜台2丁目5番3号" in confirm and confirm.count("<h3>") == 3
    assert "世帯主の氏名" not in confirm
    r = c.post(url, {**data, "step": "commit"})
    assert r.status_code == 302
    r = c.get(with_purpose(c, reverse("residents:record", args=[wife.pk]), "consultation"))
    timeline = r.text[r.text.index('class="res-timeline"'):]
    assert '→ <strong><span lang="ja">東京都練馬区桜台2丁目5番3号' in timeline and "世帯主の氏名" not in timeline


def test_a_real_change_of_head_is_still_shown(client_as, clerk):
    head, wife, child = family(3)
    c = client_as(clerk)
    url = with_purpose(c, reverse("residents:split", args=[head.household_id]))
    r = c.post(url, {"step": "confirm", "notifier_type": "self", "moved_on": format_wareki(timezone.localdate()),
                     f"m{wife.pk}": "on", f"r{wife.pk}": "世帯主",
                     **{f"v{m.pk}": str(m.version) for m in (head, wife, child)}})
    confirm = r.text[r.text.index('class="res-confirm"'):]
    assert (f'<th scope="row">世帯主の氏名</th><td><span lang="ja">{head.name}</span></td>'
            f'<td><strong><span lang="ja">{wife.name}</span></strong>') in confirm
