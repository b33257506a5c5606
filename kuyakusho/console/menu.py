"""The console's menu: one entry per area, shown to staff holding its capability.

An app adds its console pages here; the dashboard and the navigation read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from kuyakusho.accounts.capabilities import Capability

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class MenuItem:
    url_name: str
    label: StrOrPromise
    description: StrOrPromise
    capability: Capability | tuple[Capability, ...]  # a tuple: any one of them


C = Capability
MENU: list[MenuItem] = [
    MenuItem("residents:search", _("住民記録"), _("住民の検索・記録の確認・各種届出の受付"), C.VIEW_RESIDENT),
    MenuItem("certificates:counter", _("証明書の交付"), _("窓口での住民票・印鑑登録証明書などの交付"),
             C.ISSUE_CERTIFICATE),
    MenuItem("certificates:postal", _("郵送請求"), _("郵送による証明書請求の受付・審査・発送"), C.ISSUE_CERTIFICATE),
    MenuItem("seals:index", _("印鑑登録"), _("印鑑の登録・廃止・照会書の回答"), C.MANAGE_SEALS),
    MenuItem("queues:console", _("窓口の呼出"), _("番号札の呼出・受付・完了"), C.CALL_TICKETS),
    MenuItem("certificates:alerts", _("警告"), _("支援措置対象者への交付請求などの警告"), C.SUPERVISE_COUNTER),
    MenuItem("certificates:protections", _("支援措置・本人通知"), _("支援措置の開始・終了、本人通知の登録と通知書"),
             C.SUPERVISE_COUNTER),
    MenuItem("certificates:policies", _("交付ポリシー"), _("交付方法ごとの取扱い・時間・本人確認・手数料の設定"),
             C.MANAGE_POLICY),
    MenuItem("certificates:stats", _("交付統計"), _("証明書の種類・交付方法・事務所・月ごとの交付件数と手数料"),
             (C.SUPERVISE_COUNTER, C.MANAGE_POLICY)),
    MenuItem("payments:console_bills", _("請求と収納"), _("請求・納付書・返金・窓口での納付の記録"), C.VIEW_PAYMENTS),
    MenuItem("payments:console_reconciliation", _("収納の消込"),
             _("決済事業者の精算ファイルとコンビニ収納データの取込・照合"), C.MANAGE_PAYMENTS),
    MenuItem("offices:manage", _("事務所と開庁日"), _("事務所・窓口・開庁日と閉庁日の管理"), C.MANAGE_OFFICES),
    MenuItem("accounts:staff_list", _("職員の管理"), _("職員の登録・役割・勤務事務所・ロック解除"), C.MANAGE_STAFF),
    MenuItem("accounts:security", _("二要素認証"), _("認証アプリ・パスキー・回復コードの確認と登録"), C.USE_CONSOLE),
    MenuItem("audit:search", _("監査記録"), _("閲覧・更新の記録を職員・対象者・操作・日付で検索"), C.VIEW_AUDIT),
    MenuItem("portal:console_inquiries", _("閲覧についての問い合わせ"),
             _("区民がマイページから問い合わせた閲覧の確認と回答"), C.VIEW_AUDIT),
    # Planning
    MenuItem("planning:coverage", _("企画"), _("事務所の配置と距離・業務量・繁忙期のシミュレーション（集計値のみ）"),
             C.PLAN),
    # --- open data ---
    MenuItem("opendata:console_index", _("オープンデータ"),
             _("データセットの公開・更新・公開終了と標準データセットの生成"), C.MANAGE_OPEN_DATA),
    # Public facilities
    MenuItem("facilities:console_index", _("公共施設"),
             _("利用者登録の審査・抽選・休館・当日の予約一覧・使用料の日報"), C.MANAGE_FACILITIES),
    # Street reports
    MenuItem("reports:console_queue", _("まちのレポート"), _("道路・街路灯・公園などの報告の受付・対応・公開"),
             C.HANDLE_REPORTS),
]


def menu_for(user) -> list[dict]:
    items = []
    for item in MENU:
        needed = item.capability if isinstance(item.capability, tuple) else (item.capability,)
        if not any(user.has_capability(c) for c in needed):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": item.label, "description": item.description})
    return items
