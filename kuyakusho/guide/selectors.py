"""Reads for the resident site's information pages: an office, where to get a certificate, the procedure
guide, notices and the site search. Hours come from the one hours function (``offices.hours``), fees and
identity from the certificates' channel policies, congestion from the queues' snapshot: nothing is
written twice."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kuyakusho.accounts.models import Terminal, TerminalKind
from kuyakusho.certificates.forms import KIND_LABELS
from kuyakusho.certificates.models import Channel, ChannelPolicy, Identity
from kuyakusho.core.text import fold_kana_for_search, to_katakana
from kuyakusho.offices.hours import Calendar, office_calendar
from kuyakusho.offices.models import DAY_CODES, DAY_LABELS, Office, Service
from kuyakusho.offices.selectors import describe_rules
from kuyakusho.queues.snapshot import recent_snapshots

from .models import Notice, Procedure

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

WEEK = 7


def span_text(opens, closes) -> str:
    """09:00〜17:00 on Japanese pages, 09:00–17:00 on English ones."""
    dash = "–" if translation.get_language() == "en" else "〜"
    return f"{opens:%H:%M}{dash}{closes:%H:%M}"


def _spans(spans: list[tuple[datetime, datetime]]) -> str:
    sep = ", " if translation.get_language() == "en" else "、"
    return sep.join(span_text(a, b) for a, b in spans)


def week_of(cal: Calendar, office: Office, services: list[Service], start: date) -> list[dict]:
    """Seven days from ``start``: for each, the office's hours and each service's, or why it is closed."""
    days = []
    for offset in range(WEEK):
        d = start + timedelta(days=offset)
        office_spans = cal.intervals(d, office.pk)
        days.append({
            "date": d, "weekday": DAY_LABELS[DAY_CODES[d.weekday()]], "is_today": offset == 0,
            "hours": _spans(office_spans), "closed_reason": "" if office_spans else cal.closed_reason(d, office.pk),
            "services": [_spans(cal.intervals(d, office.pk, s.pk)) for s in services],
        })
    return days


def office_facts(office: Office) -> dict:
    """What an office's page shows that changes when staff edit it (and the week, with the date), with a digest
    of it."""
    cal = office_calendar(office)
    services = list(office.services.all())
    kiosks = list(Terminal.objects.filter(kind=TerminalKind.KIOSK, active=True, office=office).order_by("code"))
    facts = {"office": office, "services": services, "kiosks": kiosks,
             "week": week_of(cal, office, services, timezone.localdate())}

    def fields(obj: object) -> list:
        return [getattr(obj, f.attname) for f in obj._meta.concrete_fields]  # type: ignore[attr-defined]

    shown = (fields(office), [fields(s) for s in services], [fields(k) for k in kiosks], facts["week"])
    return {**facts, "digest": _digest(shown)}


def office_now(office: Office, facts_digest: str) -> dict:
    """What an office's page shows of the present: open now, and the waiting figures from every office's
    snapshot (the one the congestion page reads too); with a digest of the whole page, under which its rendering
    is kept until something in it changes (a few times a minute at a busy office, rarely at a quiet one)."""
    status = office_calendar(office).status(timezone.now(), office=office)
    congestion = next((s for s in recent_snapshots() if s["office"] == office.code), None)
    figures = congestion and (congestion["is_open"], congestion["headline"], congestion["next_text"],
                              [(s["name"], s["is_open"], s["waiting"], s["wait_minutes"], s["label"])
                               for s in congestion["services"]])  # what the page shows of them
    shown = (facts_digest, status.is_open, status.closes_at, status.next_opens_at, status.closed_reason, figures)
    return {"status": status, "congestion": congestion, "digest": _digest(shown)}


def _digest(shown: object) -> str:
    return hashlib.sha256(repr(shown).encode()).hexdigest()[:32]


def _channel_hours(policy: ChannelPolicy) -> list[dict]:
    if policy.schedule is None:
        return []
    return describe_rules(policy.schedule)


IDENTITY_NEEDS: dict[str, StrOrPromise] = {
    Identity.PHOTO_ID: gettext_lazy("運転免許証・マイナンバーカードなど顔写真付きの本人確認書類"),
    Identity.RESIDENT_CARD: gettext_lazy("区民カードと4桁の暗証番号"),
    Identity.MY_NUMBER_CARD: gettext_lazy("マイナンバーカードと利用者証明用電子証明書の4桁の暗証番号"),
    Identity.ID_COPY: gettext_lazy("請求書、本人確認書類の写し、手数料（定額小為替）、返信用封筒"),
    Identity.CARD_SIGNATURE: gettext_lazy(
        "マイナンバーカード（署名用電子証明書の暗証番号）。マイページから申請して手数料をオンラインで支払い、"
        "証明書は住民登録のある住所へ郵送します"),
}


def certificate_channels() -> list[dict]:
    """Every enabled channel: what it issues at what fee, when, and what to bring."""
    out = []
    policies = ChannelPolicy.objects.filter(enabled=True).select_related("schedule").order_by("id")
    places = Terminal.objects.filter(active=True).select_related("office").order_by("office__sort_order", "code")
    by_kind: dict[str, list[Terminal]] = {}
    for t in places:
        by_kind.setdefault(t.kind, []).append(t)
    for p in policies:
        now = timezone.now()
        status = Calendar.load(p.schedule).status(now) if p.schedule else None
        out.append({
            "channel": p.channel, "label": Channel(p.channel).label, "status": status, "hours": _channel_hours(p),
            "kinds": [{"label": KIND_LABELS.get(k, k), "fee": p.fee_for(k)} for k in p.kinds],
            "needs": IDENTITY_NEEDS.get(p.identity, ""), "identity": Identity(p.identity).label,
            "places": by_kind.get(TerminalKind.KIOSK if p.channel == Channel.KIOSK else "", []),
        })
    return out


def procedure_page(procedure: Procedure) -> dict:
    """Where and when: the offices that handle the procedure's services, today and this week."""
    now = timezone.now()
    services = list(procedure.services.all())
    offices = []
    for o in Office.objects.filter(services__in=services).distinct().select_related("schedule") \
            .prefetch_related("services"):
        cal = office_calendar(o)
        handled = [s for s in services if s in o.services.all()]
        offices.append({"office": o, "status": cal.status(now, office=o, service=handled[0] if handled else None),
                        "rules": describe_rules(o.schedule, o) if o.schedule else []})
    return {"procedure": procedure, "services": services, "offices": offices}


def procedures() -> QuerySet[Procedure]:
    return Procedure.objects.prefetch_related("services")


def notices(limit: int | None = None) -> QuerySet[Notice]:
    qs = Notice.objects.filter(published=True, published_on__lte=timezone.localdate())
    return qs[:limit] if limit else qs


@dataclass(frozen=True)
class Hit:
    kind: str
    title: str
    url: str
    text: str


def _folded(q: str) -> str:
    return fold_kana_for_search(to_katakana(q)).casefold()


def search(q: str, *, limit: int = 50) -> list[Hit]:
    """The site's pages whose title, reading or text holds every word of ``q`` (kana folded)."""
    words = [w for w in q.split() if w]
    if not words:
        return []
    hits: list[Hit] = []

    def matches(*texts: str) -> bool:
        hay = _folded(" ".join(t for t in texts if t))
        return all(_folded(w) in hay for w in words)

    for p in Procedure.objects.all():
        if matches(p.title_ja, p.title_en, p.reading, p.summary_ja, p.summary_en, p.bring_ja, p.bring_en):
            hits.append(Hit(_("手続き案内"), p.title, reverse("guide:procedure", args=[p.slug]), p.summary))
    for o in Office.objects.filter(schedule__isnull=False):
        if matches(o.name_ja, o.name_en, o.address, o.access_ja, o.access_en):
            hits.append(Hit(_("区民事務所"), o.name, reverse("guide:office", args=[o.code]), o.address))
    for n in notices():
        if matches(n.title_ja, n.title_en, n.body_ja, n.body_en):
            hits.append(Hit(_("お知らせ"), n.title, reverse("guide:notice", args=[n.pk]), n.body[:80]))
    for title, reading, url, text in _pages():
        if matches(title, reading, text):
            hits.append(Hit(_("ページ"), title, url, text))
    return hits[:limit]


def _pages() -> list[tuple[str, str, str, str]]:
    return [
        (_("住民票・証明書の取り方"), "じゅうみんひょう しょうめいしょ こんびに じどうこうふき ゆうそう",
         reverse("guide:certificates"), _("窓口・自動交付機・コンビニ・郵便局・郵送の取扱時間と手数料")),
        (_("窓口の混雑状況"), "こんざつ まちじかん", reverse("queues:congestion"),
         _("区民事務所の待ち人数と待ち時間の目安")),
        (_("証明書の真正性の確認"), "しんせいせい かくにん こーど", reverse("certificates:verify_lookup"),
         _("証明書に印刷された確認コードで発行を確かめる")),
        (_("アクセシビリティ方針"), "あくせしびりてぃ", reverse("guide:accessibility"),
         _("JIS X 8341-3:2016 への対応状況")),
    ]


#: The pages the accessibility statement lists and the browser test checks with axe-core (one list, so that
#: the statement names exactly what was tested): (title, URL name, arguments).
ACCESSIBILITY_PAGES: list[tuple[StrOrPromise, str, tuple[str, ...]]] = [
    (gettext_lazy("ホーム"), "portal:home", ()),
    (gettext_lazy("窓口の混雑状況"), "queues:congestion", ()),
    (gettext_lazy("空いている時間帯"), "queues:best_time", ("nerima",)),
    (gettext_lazy("区民事務所の案内"), "offices:index", ()),
    (gettext_lazy("区民事務所のページ"), "guide:office", ("nerima",)),
    (gettext_lazy("住民票・証明書の取り方"), "guide:certificates", ()),
    (gettext_lazy("手続き案内"), "guide:procedures", ()),
    (gettext_lazy("手続き案内（転入）"), "guide:procedure", ("tennyu",)),
    (gettext_lazy("お知らせ"), "guide:notices", ()),
    (gettext_lazy("サイト内検索"), "guide:search", ()),
    (gettext_lazy("アクセシビリティ方針"), "guide:accessibility", ()),
    (gettext_lazy("証明書の確認"), "certificates:verify_lookup", ()),
    (gettext_lazy("発券機"), "queues:ticket_offices", ()),
    (gettext_lazy("発券機（区民事務所の画面）"), "queues:ticket_machine", ("nerima",)),
    (gettext_lazy("待合の呼出状況の表示"), "queues:display", ("nerima",)),
    (gettext_lazy("セルフサービス端末"), "kiosk:home", ()),
    (gettext_lazy("証明書の自動交付機"), "certificates:kiosk", ()),
    (gettext_lazy("API仕様（開発者向け）"), "api:openapi-view", ()),
    # Street reports
    (gettext_lazy("まちのレポート"), "reports:index", ()),
    (gettext_lazy("まちのレポートの統計"), "reports:stats", ()),
]


def accessibility_pages() -> list[dict]:
    return [{"title": title, "url": reverse(name, args=args)} for title, name, args in ACCESSIBILITY_PAGES]
