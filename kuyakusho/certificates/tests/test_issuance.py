"""The one issuance service: policy, hours, identity, protections, idempotency, fees, audit."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from kuyakusho.audit.models import AuditEvent
from kuyakusho.certificates.documents import verify_pdf
from kuyakusho.certificates.models import (
    Alert,
    AlertKind,
    Channel,
    ChannelPolicy,
    Issuance,
    Notice,
    NoticeRegistration,
    SupportMeasure,
    TaxRecord,
)
from kuyakusho.certificates.services.cards import issue_card, unlock_card
from kuyakusho.certificates.services.issuance import CardIn, IssueRequest, issue
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.residents.tests.factories import HouseholdFactory, ResidentFactory

from .conftest import OPEN, TOKYO, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def family():
    household = HouseholdFactory()
    head = ResidentFactory(household=household, name="髙橋　一郎", name_kana="タカハシ イチロウ")
    wife = ResidentFactory(household=household, is_head=False, relationship="妻", name="髙橋　花子",
                           name_kana="タカハシ ハナコ", sex="female")
    return head, wife


def counter(subject, **kw) -> IssueRequest:
    return IssueRequest(channel=Channel.COUNTER, kind=kw.pop("kind", "juminhyo"), subject_id=subject.pk,
                        identity_document=kw.pop("identity_document", "運転免許証"), **kw)


def test_counter_issues_a_signed_certificate_naming_the_person(family, clerk):
    head, _wife = family
    issuance = issue(counter(head, options=frozenset({"head"})), actor=clerk, now=OPEN)
    assert issuance.fee == 300 and issuance.issued_by == clerk and issuance.members == [head.pk]
    text = pdf_text(bytes(issuance.pdf))
    assert "髙橋　一郎" in text and "住民票の写し" in text and "令和7年6月11日" in text
    assert "髙橋　花子" not in text
    result = verify_pdf(bytes(issuance.pdf))
    assert result.valid and result.verification_code == issuance.verification_code
    event = AuditEvent.objects.get(action="certificates.issue")
    assert event.subject_id == str(head.pk) and event.actor == clerk and event.detail["fee"] == 300


def test_whole_household_with_my_number_only_when_asked(family, clerk):
    head, _wife = family
    plain = issue(counter(head, whole_household=True), actor=clerk, now=OPEN)
    text = pdf_text(bytes(plain.pdf))
    assert "髙橋　花子" in text and head.my_number not in text and "世帯全員" in text
    with_number = issue(counter(head, options=frozenset({"my_number"})), actor=clerk, now=OPEN)
    assert head.my_number in pdf_text(bytes(with_number.pdf))


def test_self_service_cannot_print_my_number_by_default(family):
    head, _ = family
    issue_card(actor=None, kind="resident_card", number="RC0001", resident=head, pin="1234")
    req = IssueRequest(channel=Channel.KIOSK, kind="juminhyo", card=CardIn("RC0001", "1234"),
                       options=frozenset({"my_number"}), terminal="kiosk-1")
    with pytest.raises(ApplicationError) as e:
        issue(req, now=OPEN)
    assert e.value.field == "options"


def test_kiosk_outside_hours_says_when_it_opens(family):
    head, _ = family
    issue_card(actor=None, kind="resident_card", number="RC0001", resident=head, pin="1234")
    late = datetime(2025, 6, 11, 22, 0, tzinfo=TOKYO)
    req = IssueRequest(channel=Channel.KIOSK, kind="juminhyo", card=CardIn("RC0001", "1234"), terminal="k")
    with pytest.raises(ApplicationError) as e:
        issue(req, now=late)
    assert e.value.code == ErrorCode.CLOSED and "6月12日 8:30から" in str(e.value.message)
    new_year = datetime(2025, 12, 31, 10, 0, tzinfo=TOKYO)
    with pytest.raises(ApplicationError) as e:
        issue(req, now=new_year)
    assert e.value.code == ErrorCode.CLOSED


def test_three_wrong_pins_lock_the_card_for_that_channel_until_a_clerk_unlocks(family, clerk):
    head, _ = family
    card = issue_card(actor=None, kind="resident_card", number="RC0001", resident=head, pin="1234")
    req = IssueRequest(channel=Channel.KIOSK, kind="juminhyo", card=CardIn("RC0001", "9999"), terminal="k")
    for left in (2, 1):
        with pytest.raises(ApplicationError) as e:
            issue(req, now=OPEN)
        assert f"あと{left}回" in str(e.value.message)
    with pytest.raises(ApplicationError) as e:
        issue(req, now=OPEN)
    assert e.value.code == ErrorCode.LOCKED
    good = IssueRequest(channel=Channel.KIOSK, kind="juminhyo", card=CardIn("RC0001", "1234"), terminal="k")
    with pytest.raises(ApplicationError) as e:
        issue(good, now=OPEN)
    assert e.value.code == ErrorCode.LOCKED
    assert Alert.objects.filter(kind=AlertKind.CARD_LOCKED, resident=head).count() == 1
    unlock_card(actor=clerk, card=card, channel=Channel.KIOSK)
    assert issue(good, now=OPEN).subject == head
    assert AuditEvent.objects.filter(action="certificates.wrong_pin").count() == 3


def test_a_card_only_gets_its_holders_certificate(family):
    head, wife = family
    issue_card(actor=None, kind="my_number_card", number="MN0001", resident=wife, pin="1111")
    req = IssueRequest(channel=Channel.KONBINI, kind="juminhyo", subject_id=head.pk,
                       card=CardIn("MN0001", "1111"), terminal="store-1")
    with pytest.raises(ApplicationError) as e:
        issue(req, now=OPEN)
    assert e.value.field == "card"


def test_same_idempotency_key_returns_the_same_certificate_charged_once(family):
    head, _ = family
    issue_card(actor=None, kind="my_number_card", number="MN0001", resident=head, pin="1111")
    req = IssueRequest(channel=Channel.KONBINI, kind="juminhyo", card=CardIn("MN0001", "1111"),
                       terminal="store-1", idempotency_key="abc-1")
    first = issue(req, now=OPEN)
    again = issue(req, now=OPEN + timedelta(seconds=5))
    assert again.pk == first.pk and bytes(again.pdf) == bytes(first.pdf)
    assert Issuance.objects.count() == 1
    other = IssueRequest(channel=Channel.KONBINI, kind="kazei", card=CardIn("MN0001", "1111"),
                         terminal="store-1", idempotency_key="abc-1")
    with pytest.raises(ApplicationError) as e:
        issue(other, now=OPEN)
    assert e.value.code == ErrorCode.CONFLICT


def test_support_measure_refuses_others_and_self_service_neutrally(family, clerk):
    head, wife = family
    SupportMeasure.objects.create(resident=wife, starts_on=OPEN.date() - timedelta(days=30), created_by=clerk)
    issue_card(actor=None, kind="my_number_card", number="MN0002", resident=wife, pin="2222")
    attempts = [
        counter(wife, requester="third_party", purpose="債権回収"),
        counter(head, whole_household=True),  # the husband asks for the household
        IssueRequest(channel=Channel.KONBINI, kind="juminhyo", card=CardIn("MN0002", "2222"), terminal="s"),
    ]
    for req in attempts:
        with pytest.raises(ApplicationError) as e:
            issue(req, actor=clerk, now=OPEN)
        assert "窓口にお問い合わせください" in str(e.value.message) and "支援" not in str(e.value.message)
    assert Alert.objects.filter(kind=AlertKind.SUPPORT_MEASURE, resident=wife).count() == 3
    assert AuditEvent.objects.filter(action="certificates.support_measure_refused").count() == 3
    assert not Issuance.objects.exists()
    # She herself, at the counter, with her ID: issued.
    assert issue(counter(wife, protection_file_checked=True), actor=clerk, now=OPEN).subject == wife


def test_removed_person_yields_only_johyo(clerk):
    gone = ResidentFactory(status="removed", removed_on=OPEN.date() - timedelta(days=3), removal_reason="move_out")
    with pytest.raises(ApplicationError) as e:
        issue(counter(gone), actor=clerk, now=OPEN)
    assert "除票の写しのみ" in str(e.value.message)
    johyo = issue(counter(gone, kind="johyo"), actor=clerk, now=OPEN)
    assert "除票の写し" in pdf_text(bytes(johyo.pdf))
    alive = ResidentFactory()
    with pytest.raises(ApplicationError):
        issue(counter(alive, kind="johyo"), actor=clerk, now=OPEN)


def test_proxy_needs_a_letter_and_third_party_a_purpose_and_notice_is_written(family, clerk):
    head, _ = family
    NoticeRegistration.objects.create(resident=head, registered_on=OPEN.date(), mailing_address="練馬区豊玉北6-1")
    with pytest.raises(ApplicationError) as e:
        issue(counter(head, requester="proxy", requester_name="代理 人"), actor=clerk, now=OPEN)
    assert e.value.field == "letter_of_authority"
    with pytest.raises(ApplicationError) as e:
        issue(counter(head, requester="third_party", requester_name="第三者"), actor=clerk, now=OPEN)
    assert e.value.field == "purpose"
    with pytest.raises(ApplicationError) as e:
        issue(counter(head, requester="proxy", letter_of_authority=True, options=frozenset({"my_number"})),
              actor=clerk, now=OPEN)
    assert e.value.field == "options"
    done = issue(counter(head, requester="proxy", requester_name="代理 人", letter_of_authority=True),
                 actor=clerk, now=OPEN)
    notice = Notice.objects.get(issuance=done)
    assert "本人通知制度" in notice.letter and done.number in notice.letter
    issue(counter(head), actor=clerk, now=OPEN)  # the person themself: no notice
    assert Notice.objects.count() == 1


def test_policy_is_data_an_administrator_changes(family, clerk):
    head, _ = family
    policy = ChannelPolicy.objects.get(channel=Channel.COUNTER)
    policy.fees["juminhyo"] = 350
    policy.save()
    assert issue(counter(head), actor=clerk, now=OPEN).fee == 350
    policy.kinds = ["kazei"]
    policy.save()
    with pytest.raises(ApplicationError) as e:
        issue(counter(head), actor=clerk, now=OPEN)
    assert e.value.field == "kind"


def test_official_requests_are_free_and_tax_certificates_read_the_ledger(family, clerk):
    head, _ = family
    TaxRecord.objects.create(resident=head, fiscal_year=2024, income=4_000_000, taxable_income=2_500_000,
                             municipal_tax=150_000, prefectural_tax=100_000, paid=250_000)
    kazei = issue(counter(head, kind="kazei", fiscal_year=2024), actor=clerk, now=OPEN)
    assert kazei.kind == "kazei" and "150,000" in pdf_text(bytes(kazei.pdf))
    official = issue(counter(head, requester="official", purpose="生活保護の調査"), actor=clerk, now=OPEN)
    assert official.fee == 0
    with pytest.raises(ApplicationError) as e:
        issue(counter(head, kind="kazei", fiscal_year=2019), actor=clerk, now=OPEN)
    assert e.value.code == ErrorCode.NOT_FOUND


def test_counter_requires_the_id_check(family, clerk):
    head, _ = family
    with pytest.raises(ApplicationError) as e:
        issue(counter(head, identity_document=" "), actor=clerk, now=OPEN)
    assert e.value.field == "identity_document"


def _next_open_weekday_10am():
    import jpholiday
    from django.utils import timezone

    d = timezone.localdate()
    while d.weekday() >= 5 or jpholiday.is_holiday(d) or (d.month, d.day) >= (12, 29) or (d.month, d.day) <= (1, 3):
        d += timedelta(days=1)
    return datetime(d.year, d.month, d.day, 10, 0, tzinfo=TOKYO)


@pytest.fixture
def registered_seal(family, clerk):
    from kuyakusho.seals.imaging import check_seal_image
    from kuyakusho.seals.services import register_in_person
    from kuyakusho.seals.tests.images import seal_png

    head, _ = family
    reg = register_in_person(actor=clerk, resident_id=head.pk, seal=check_seal_image(seal_png(), px_per_mm=12),
                             id_document="drivers_license")
    return head, reg


def test_seal_certificate_needs_the_seal_card_at_the_counter(registered_seal, clerk):
    head, reg = registered_seal
    now = _next_open_weekday_10am()
    with pytest.raises(ApplicationError) as e:
        issue(counter(head, kind="inkan"), actor=clerk, now=now)
    assert e.value.field == "seal_card_number"
    done = issue(counter(head, kind="inkan", seal_card_number=reg.active_card.number), actor=clerk, now=now)
    text = pdf_text(bytes(done.pdf))
    assert "印鑑登録証明書" in text and head.name in text


def test_seal_certificate_at_a_kiosk_with_the_resident_card(registered_seal):
    head, _ = registered_seal
    issue_card(actor=None, kind="resident_card", number="RC0009", resident=head, pin="4321")
    req = IssueRequest(channel=Channel.KIOSK, kind="inkan", card=CardIn("RC0009", "4321"), terminal="k")
    assert issue(req, now=_next_open_weekday_10am()).kind == "inkan"


def test_no_seal_certificate_after_the_person_moved_out(registered_seal, clerk):
    from kuyakusho.residents.models import Resident

    head, reg = registered_seal
    Resident.objects.filter(pk=head.pk).update(status="removed", removed_on=timezone_today() - timedelta(days=1),
                                               removal_reason="move_out")
    with pytest.raises(ApplicationError):
        issue(counter(head, kind="inkan", seal_card_number=reg.active_card.number), actor=clerk,
              now=_next_open_weekday_10am())


def timezone_today():
    from django.utils import timezone

    return timezone.localdate()


def test_numbers_run_per_fiscal_year_and_a_failed_drawing_writes_nothing(family, clerk, monkeypatch):
    from kuyakusho.certificates.models import IssueCounter
    from kuyakusho.certificates.services import issuance as service

    head, _ = family
    first = issue(counter(head), actor=clerk, now=OPEN)
    second = issue(counter(head), actor=clerk, now=OPEN)
    assert first.number == "2025-00000001" and second.number == "2025-00000002"
    march = datetime(2026, 3, 31, 10, 0, tzinfo=TOKYO)  # still 令和7年度
    april = datetime(2026, 4, 1, 10, 0, tzinfo=TOKYO)  # a new fiscal year starts again at 1
    assert issue(counter(head), actor=clerk, now=march).number == "2025-00000003"
    assert issue(counter(head), actor=clerk, now=april).number == "2026-00000001"

    def broken(doc):
        raise RuntimeError("printer font missing")

    monkeypatch.setattr(service, "render_certificate", broken)
    events = AuditEvent.objects.count()
    with pytest.raises(RuntimeError):
        issue(counter(head), actor=clerk, now=OPEN)
    # The number is taken (a gap in the sequence), nothing else is written.
    assert IssueCounter.objects.get(fiscal_year=2025).last == 4
    assert Issuance.objects.count() == 4 and AuditEvent.objects.count() == events


def test_a_right_pin_writes_nothing_unless_it_clears_earlier_failures(family):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kuyakusho.certificates.models import CardLock
    from kuyakusho.certificates.services.cards import authenticate_card

    head, _ = family
    issue_card(actor=None, kind="my_number_card", number="MN0001", resident=head, pin="1111")
    with CaptureQueriesContext(connection) as queries:
        card = authenticate_card(kind="my_number_card", number="MN0001", pin="1111", channel=Channel.KONBINI)
    assert card.resident == head
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert writes == [] and not CardLock.objects.exists()
    with pytest.raises(ApplicationError):
        authenticate_card(kind="my_number_card", number="MN0001", pin="0000", channel=Channel.KONBINI)
    assert CardLock.objects.get().failures == 1
    authenticate_card(kind="my_number_card", number="MN0001", pin="1111", channel=Channel.KONBINI)
    assert CardLock.objects.get().failures == 0  # the right PIN clears the count


@pytest.mark.postgres
def test_pdfs_are_stored_out_of_line_uncompressed_on_postgresql():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL storage setting")
    with connection.cursor() as cursor:
        cursor.execute("SELECT attstorage FROM pg_attribute WHERE attrelid = %s::regclass AND attname = 'pdf'",
                       [Issuance._meta.db_table])
        assert cursor.fetchone()[0] == "e"  # EXTERNAL: already-deflated streams are not compressed again


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_number_alone_commits_without_waiting_for_the_disk_but_never_a_callers_transaction():
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from kuyakusho.certificates.services.issuance import next_number

    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL commit setting")
    with CaptureQueriesContext(connection) as alone:
        first = next_number(OPEN.date())
    with CaptureQueriesContext(connection) as inside, transaction.atomic():
        second = next_number(OPEN.date())
    assert any("synchronous_commit" in q["sql"] for q in alone.captured_queries)
    assert not any("synchronous_commit" in q["sql"] for q in inside.captured_queries)
    assert int(second.split("-")[1]) == int(first.split("-")[1]) + 1


def test_an_issuance_runs_a_bounded_number_of_statements_whatever_the_household_size(clerk):
    """Through the ORM, one execution path: the statements of one certificate do not grow with the people on it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kuyakusho.residents.tests.factories import family as make_family

    counts = []
    for size in (1, 2, 5):
        people = make_family(size)
        issue_card(actor=None, kind="my_number_card", number=f"MQ{size:04d}", resident=people[0], pin="1111")
        issue(IssueRequest(channel=Channel.KONBINI, kind="juminhyo", card=CardIn(f"MQ{size:04d}", "1111"),
                           terminal="warm", idempotency_key=f"warm-{size}"), now=OPEN)  # the hours read once
        with CaptureQueriesContext(connection) as queries:
            issuance = issue(IssueRequest(channel=Channel.KONBINI, kind="juminhyo", whole_household=True,
                                          options=frozenset({"head"}), card=CardIn(f"MQ{size:04d}", "1111"),
                                          terminal="s", idempotency_key=f"q-{size}"), now=OPEN)
        assert len(issuance.members) == size
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2] <= 16, counts


def test_what_a_channel_offers_now_and_why_not():
    from kuyakusho.certificates.services.offer import offer

    open_kiosk = offer(Channel.KIOSK, now=OPEN)
    assert open_kiosk.open and open_kiosk.reason == "" and "juminhyo" in open_kiosk.kinds
    assert open_kiosk.requesters == ["self", "household"] and "my_number" not in open_kiosk.options
    night = offer(Channel.KIOSK, now=OPEN.replace(hour=23))
    assert not night.open and night.enabled and night.next_opens_at is not None
    assert night.closed_error().code == ErrorCode.CLOSED and "取扱時間外" in night.reason
    with pytest.raises(ApplicationError) as e:  # the issuance service asks the same question
        issue(IssueRequest(channel=Channel.KIOSK, kind="juminhyo", card=CardIn("X", "1111")),
              now=OPEN.replace(hour=23))
    assert e.value.code == ErrorCode.CLOSED and str(e.value.message) == night.reason
    ChannelPolicy.objects.filter(channel=Channel.KIOSK).update(enabled=False)
    off = offer(Channel.KIOSK, now=OPEN)
    assert not off.open and off.kinds == [] and "交付していません" in off.reason
    assert not offer("nowhere").open and "設定されていません" in offer("nowhere").reason


def test_the_service_itself_refuses_staff_outside_their_offices(family, make_staff):
    from kuyakusho.offices.models import Office

    head, _wife = family
    mine = Office.objects.create(code="mine", name_ja="練馬区民事務所", name_en="Nerima")
    other = Office.objects.create(code="other", name_ja="光が丘区民事務所", name_en="Hikarigaoka", sort_order=1)
    limited = make_staff("clerk", offices=[mine])
    with pytest.raises(ApplicationError) as e:
        issue(counter(head, office_id=other.pk), actor=limited, now=OPEN)
    assert e.value.code == ErrorCode.PERMISSION_DENIED and e.value.field == "office"
    assert not Issuance.objects.exists()
    assert issue(counter(head, office_id=mine.pk), actor=limited, now=OPEN).office == mine
