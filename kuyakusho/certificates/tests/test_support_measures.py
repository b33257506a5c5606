"""支援措置 on every channel: every channel × every requester kind × (subject protected / a household member
printed on the document protected / nobody protected) → issue, refuse or hold, and the alert.

The table below is the decision. A channel or requester kind without a row fails the first test, so a new
channel cannot be added without deciding how it protects people.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from itertools import product
from typing import Any

import pytest

from kuyakusho.accounts.models import TerminalKind
from kuyakusho.accounts.terminals import register_terminal
from kuyakusho.audit.models import AuditEvent
from kuyakusho.certificates.models import (
    SUPPORT_MEASURE_HANDLING,
    Alert,
    AlertKind,
    Channel,
    ChannelPolicy,
    HeldRequest,
    Identity,
    Issuance,
    OnlineRequest,
    Requester,
    SupportMeasure,
)
from kuyakusho.certificates.services.cards import issue_card
from kuyakusho.certificates.services.issuance import CARD_FOR_IDENTITY, CardIn, IssueRequest, issue
from kuyakusho.certificates.services.protections import NEUTRAL_REFUSAL, IssueHeld, Outcome, decide
from kuyakusho.certificates.standard import POLICIES
from kuyakusho.core.errors import ApplicationError, ErrorCode
from kuyakusho.residents.tests.factories import HouseholdFactory, ResidentFactory

from .conftest import OPEN

pytestmark = pytest.mark.django_db

ISSUE, REFUSE, HOLD = Outcome.ISSUE, Outcome.REFUSE, Outcome.HOLD
CASES = ("subject", "member", "nobody")  # who is protected: the subject, a household member printed, nobody
C, R = Channel, Requester

#: (channel, requester kind) → outcome when the subject is protected, a household member printed is, nobody is.
EXPECTED: dict[tuple[str, str], tuple[Outcome, Outcome, Outcome]] = {
    # The counter: staff verify identity in person against the protection file; only she herself gets it.
    (C.COUNTER, R.SELF): (ISSUE, REFUSE, ISSUE),
    (C.COUNTER, R.HOUSEHOLD): (REFUSE, REFUSE, ISSUE),
    (C.COUNTER, R.PROXY): (REFUSE, REFUSE, ISSUE),
    (C.COUNTER, R.THIRD_PARTY): (REFUSE, REFUSE, ISSUE),
    (C.COUNTER, R.OFFICIAL): (REFUSE, REFUSE, ISSUE),
    # Self-service: nobody looks at the person.
    (C.KIOSK, R.SELF): (REFUSE, REFUSE, ISSUE),
    (C.KIOSK, R.HOUSEHOLD): (REFUSE, REFUSE, ISSUE),
    (C.KIOSK, R.PROXY): (REFUSE, REFUSE, ISSUE),
    (C.KIOSK, R.THIRD_PARTY): (REFUSE, REFUSE, ISSUE),
    (C.KIOSK, R.OFFICIAL): (REFUSE, REFUSE, ISSUE),
    (C.KONBINI, R.SELF): (REFUSE, REFUSE, ISSUE),
    (C.KONBINI, R.HOUSEHOLD): (REFUSE, REFUSE, ISSUE),
    (C.KONBINI, R.PROXY): (REFUSE, REFUSE, ISSUE),
    (C.KONBINI, R.THIRD_PARTY): (REFUSE, REFUSE, ISSUE),
    (C.KONBINI, R.OFFICIAL): (REFUSE, REFUSE, ISSUE),
    # Remote channels where someone checks an ID, but not against the protection file: her own request waits
    # for a supervisor (and is then mailed to the registered address only); anyone else's is refused.
    (C.POST_OFFICE, R.SELF): (HOLD, REFUSE, ISSUE),
    (C.POST_OFFICE, R.HOUSEHOLD): (REFUSE, REFUSE, ISSUE),
    (C.POST_OFFICE, R.PROXY): (REFUSE, REFUSE, ISSUE),
    (C.POST_OFFICE, R.THIRD_PARTY): (REFUSE, REFUSE, ISSUE),
    (C.POST_OFFICE, R.OFFICIAL): (REFUSE, REFUSE, ISSUE),
    (C.POSTAL, R.SELF): (HOLD, REFUSE, ISSUE),
    (C.POSTAL, R.HOUSEHOLD): (REFUSE, REFUSE, ISSUE),
    (C.POSTAL, R.PROXY): (REFUSE, REFUSE, ISSUE),
    (C.POSTAL, R.THIRD_PARTY): (REFUSE, REFUSE, ISSUE),
    (C.POSTAL, R.OFFICIAL): (REFUSE, REFUSE, ISSUE),
    # Online requests: signed with the card, but nobody sees the person — refused as at self-service terminals
    # (and the fee refunded: ``test_online``).
    (C.ONLINE, R.SELF): (REFUSE, REFUSE, ISSUE),
    (C.ONLINE, R.HOUSEHOLD): (REFUSE, REFUSE, ISSUE),
    (C.ONLINE, R.PROXY): (REFUSE, REFUSE, ISSUE),
    (C.ONLINE, R.THIRD_PARTY): (REFUSE, REFUSE, ISSUE),
    (C.ONLINE, R.OFFICIAL): (REFUSE, REFUSE, ISSUE),
}

SHIPPED_REQUESTERS = {channel: set(requesters) for channel, _s, _i, _k, _o, requesters, _f in POLICIES}


def test_every_channel_and_requester_kind_has_a_row():
    """Derived from the choices and the policy table: a new channel or requester kind must be decided here."""
    assert set(EXPECTED) == set(product(Channel.values, Requester.values))
    assert set(SUPPORT_MEASURE_HANDLING) == set(Channel.values)
    assert set(ChannelPolicy.objects.values_list("channel", flat=True)) == set(Channel.values)
    assert set(SHIPPED_REQUESTERS) == set(Channel.values)


def test_a_channel_missing_from_the_handling_table_is_refused():
    """Fail closed: a channel with no row refuses a protected person's own request."""
    assert decide(channel="drone", requester=R.SELF, requester_resident_id=1, protected={1}) == REFUSE
    assert decide(channel="drone", requester=R.SELF, requester_resident_id=1, protected=set()) == ISSUE


@pytest.fixture
def world(clerk):
    household = HouseholdFactory()
    head = ResidentFactory(household=household, name="支援　一郎")
    subject = ResidentFactory(household=household, is_head=False, relationship="妻", name="支援　花子",
                              sex="female")
    child = ResidentFactory(household=household, is_head=False, relationship="子", name="支援　葵")
    for person, number in ((head, "0001"), (subject, "0002")):
        for kind in CARD_FOR_IDENTITY.values():
            issue_card(actor=None, kind=kind, number=f"{kind[:2].upper()}{number}", resident=person, pin="1234")
    terminals = {}
    for channel, kind in ((C.KIOSK, TerminalKind.KIOSK), (C.KONBINI, TerminalKind.KONBINI),
                          (C.POST_OFFICE, TerminalKind.POST_OFFICE)):
        terminals[channel] = register_terminal(actor=clerk, code=f"{channel}-01", kind=kind, name=str(channel))[0]
    return {"head": head, "subject": subject, "child": child, "terminals": terminals, "clerk": clerk}


def _request(channel: str, requester: str, case: str, world) -> tuple[IssueRequest, object]:
    """A request that every other check accepts: only the protection decides."""
    policy = ChannelPolicy.objects.get(channel=channel)
    card_kind = CARD_FOR_IDENTITY.get(policy.identity)
    subject, head = world["subject"], world["head"]
    asker = head if requester == R.HOUSEHOLD else subject
    kw: dict[str, Any] = {
          "channel": channel, "kind": "juminhyo", "requester": requester, "whole_household": case != "subject",
          "terminal": world["terminals"][channel].code if channel in world["terminals"] else "",
          "idempotency_key": f"{channel}-{requester}-{case}"}
    if card_kind:
        kw["card"] = CardIn(f"{card_kind[:2].upper()}{'0001' if asker == head else '0002'}", "1234")
        kw["subject_id"] = subject.pk if requester == R.HOUSEHOLD else None
    elif policy.identity == Identity.CARD_SIGNATURE:  # online: the asker signed the request with her card
        signed = OnlineRequest.objects.create(
            reference=f"T{OnlineRequest.objects.count() + 1:06d}", account_ref="portal:1", requester=asker,
            requester_kind=R.HOUSEHOLD if requester == R.HOUSEHOLD else R.SELF, subject=subject, kind="juminhyo",
            fee=300, fingerprint="-", mail_to=subject.household.address, signed_at=OPEN, status="received")
        kw["subject_id"] = subject.pk
        kw["online_request_id"] = signed.pk
        kw["identity_document"] = "署名用電子証明書（署名検証済）"
    else:
        kw["subject_id"] = subject.pk
        kw["identity_document"] = "運転免許証"
        # The counter's confirmation step: the clerk ticks the in-person check against the protection file.
        kw["protection_file_checked"] = channel == C.COUNTER
        names: dict[str, str] = {R.SELF: subject.name, R.HOUSEHOLD: head.name}
        kw["requester_name"] = names.get(requester, "請求　太郎")
        kw["requester_address"] = "大阪府大阪市北区梅田1-1"
    if requester == R.PROXY:
        kw["letter_of_authority"] = True
    if requester in (R.THIRD_PARTY, R.OFFICIAL):
        kw["purpose"] = "債権回収のため" if requester == R.THIRD_PARTY else "公用"
    actor = world["terminals"].get(channel, world["clerk"])
    return IssueRequest(**kw), actor


@pytest.mark.parametrize("policy", ["shipped", "opened"])
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("requester", Requester.values)
@pytest.mark.parametrize("channel", Channel.values)
def test_channel_requester_protection(channel, requester, case, policy, world):
    """``shipped``: the ward's default policies (a requester kind a channel does not take is refused by the
    policy before anyone is looked up, without an alert); ``opened``: every requester kind allowed, so the
    protection alone decides every cell."""
    if policy == "opened":
        ChannelPolicy.objects.update(requesters=Requester.values)
    subject, child = world["subject"], world["child"]
    protected = {"subject": subject, "member": child}.get(case)
    if protected is not None:
        SupportMeasure.objects.create(resident=protected, starts_on=OPEN.date() - timedelta(days=30),
                                      created_by=world["clerk"])
    req, actor = _request(channel, requester, case, world)
    expected = EXPECTED[(channel, requester)][CASES.index(case)]
    if policy == "shipped" and requester not in SHIPPED_REQUESTERS[channel]:
        with pytest.raises(ApplicationError) as refused:
            issue(req, actor=actor, now=OPEN)
        assert refused.value.field == "requester" and not Alert.objects.exists()
        return

    if expected == ISSUE:
        issuance = issue(req, actor=actor, now=OPEN)
        assert issuance.channel == channel and issuance.subject == subject
        assert not Alert.objects.exists() and not HeldRequest.objects.exists()
        return

    with pytest.raises(ApplicationError) as refused:
        issue(req, actor=actor, now=OPEN)
    assert not Issuance.objects.exists()
    message = str(refused.value.message)
    assert "支援" not in message and "保護" not in message  # nothing reveals the protection
    alert = Alert.objects.get()
    assert (alert.kind, alert.resident, alert.channel) == (AlertKind.SUPPORT_MEASURE, protected, channel)
    # Who asked, where and for what.
    d = alert.detail
    assert d["requester"] == requester and d["document"] == "juminhyo" and d["channel"] == channel
    assert d["subject_id"] == subject.pk and protected.pk in d["printed"]
    if req.card is not None or req.online_request_id is not None:  # the card holder, or the signer
        holder = world["head"] if requester == R.HOUSEHOLD else subject
        assert d["card_holder_id"] == holder.pk
    else:
        assert d["card_holder_id"] is None
        assert (d["requester_name"], d["requester_address"]) == (req.requester_name, req.requester_address)
    if channel in world["terminals"]:
        assert d["terminal"] == world["terminals"][channel].code and d["staff_id"] is None
    else:
        assert d["staff_id"] == world["clerk"].pk and d["staff"] == world["clerk"].username

    if expected == REFUSE:
        assert refused.value.code == ErrorCode.REFUSED and message == str(NEUTRAL_REFUSAL)
        assert not isinstance(refused.value, IssueHeld) and not HeldRequest.objects.exists()
        assert d["outcome"] == "refused"
        assert AuditEvent.objects.filter(action="certificates.support_measure_refused",
                                         subject_id=str(protected.pk)).count() == 1
    else:
        assert isinstance(refused.value, IssueHeld) and d["outcome"] == "held"
        held = HeldRequest.objects.get()
        assert (held.alert, held.status, held.subject, held.channel) == (alert, "held", subject, channel)
        assert "pin" not in str(held.request)
        assert AuditEvent.objects.filter(action="certificates.support_measure_held").count() == 1
        # A retry of the same request finds the same hold: no second alert.
        with pytest.raises(IssueHeld) as again:
            issue(req, actor=actor, now=OPEN)
        assert again.value.held == held and Alert.objects.count() == 1


def test_at_the_counter_her_own_request_needs_the_in_person_check_against_the_protection_file(world):
    subject, clerk = world["subject"], world["clerk"]
    SupportMeasure.objects.create(resident=subject, starts_on=OPEN.date() - timedelta(days=30), created_by=clerk)
    req = IssueRequest(channel=C.COUNTER, kind="juminhyo", subject_id=subject.pk, identity_document="運転免許証")
    with pytest.raises(ApplicationError) as unchecked:
        issue(req, actor=clerk, now=OPEN)
    assert unchecked.value.field == "protection_file_checked" and not Issuance.objects.exists()
    issuance = issue(replace(req, protection_file_checked=True), actor=clerk, now=OPEN)
    assert issuance.identity["protection_file_checked"] is True and not Alert.objects.exists()
