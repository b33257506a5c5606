"""Roles and what each may do.

A capability is one thing a member of staff may do. Roles are bundles of
capabilities; views and API routes declare the capability they need
(``kuyakusho.core.access``), and object checks live in each app's
``permissions.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

from kuyakusho.core.capabilities import Capability as Capability  # the vocabulary is shared; roles are this app's

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Role(models.TextChoices):
    CLERK = "clerk", _("窓口職員")
    SUPERVISOR = "supervisor", _("窓口責任者")
    ADMIN = "admin", _("管理者")
    AUDITOR = "auditor", _("監査")
    # Planning: aggregate figures only, never a person.
    PLANNER = "planner", _("企画")
    # Street reports: the sections that fix roads, lights, parks and facilities (ねりまちレポーター).
    REPORTS = "reports", _("レポート対応")


C = Capability
_CLERK = {
    C.USE_CONSOLE,
    C.VIEW_RESIDENT,
    C.FILE_NOTIFICATION,
    C.ISSUE_CERTIFICATE,
    C.MANAGE_SEALS,
    C.CALL_TICKETS,
}

ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.CLERK: frozenset(_CLERK),
    Role.SUPERVISOR: frozenset(
        _CLERK
        | {C.VIEW_REMOVED_RESIDENT, C.CORRECT_RECORD, C.CANCEL_NOTIFICATION, C.SUPERVISE_COUNTER,
           # Fees are taken at the counters the supervisor answers for: bills, refunds and the daily 消込.
           C.VIEW_PAYMENTS, C.MANAGE_PAYMENTS}
        # Public facilities: the supervisor reviews registrations, runs the draw and takes fees.
        | {C.MANAGE_FACILITIES}
    ),
    # Administrators run the system (staff, offices, policies); they do not
    # browse residents' records.
    Role.ADMIN: frozenset({C.USE_CONSOLE, C.MANAGE_OFFICES, C.MANAGE_POLICY, C.MANAGE_STAFF}),
    Role.AUDITOR: frozenset({C.USE_CONSOLE, C.VIEW_AUDIT}),
    # Planning: coverage, workload and simulations from aggregates; no resident's record.
    Role.PLANNER: frozenset({C.USE_CONSOLE, C.PLAN}),
    # Street reports: staff of the sections that handle them; they see reporters' contact details.
    Role.REPORTS: frozenset({C.USE_CONSOLE, C.HANDLE_REPORTS, C.PUBLISH_REPORTS}),
}

# A role holding any of these reads personal data (residents' records, the audit trail of who read them) or
# controls who may: its members sign in with a second factor (``accounts.second_factor``).
SECOND_FACTOR_CAPABILITIES = frozenset({C.VIEW_RESIDENT, C.VIEW_REMOVED_RESIDENT, C.VIEW_AUDIT, C.MANAGE_STAFF,
                                        C.ISSUE_CERTIFICATE, C.MANAGE_SEALS, C.SUPERVISE_COUNTER,
                                        C.VIEW_PAYMENTS, C.MANAGE_PAYMENTS}
                                       | {C.MANAGE_FACILITIES})  # public facilities: registrants' data
# Planning: aggregates of the whole register and of every counter; the planner signs in with a second factor too.
SECOND_FACTOR_CAPABILITIES = SECOND_FACTOR_CAPABILITIES | {C.PLAN}

CAPABILITY_LABELS: dict[Capability, StrOrPromise] = {
    C.USE_CONSOLE: _("職員コンソールの利用"),
    C.VIEW_RESIDENT: _("住民記録の閲覧"),
    C.VIEW_REMOVED_RESIDENT: _("除票の閲覧"),
    C.FILE_NOTIFICATION: _("届出の受付"),
    C.CORRECT_RECORD: _("職権修正"),
    C.CANCEL_NOTIFICATION: _("異動の取消"),
    C.ISSUE_CERTIFICATE: _("証明書の交付"),
    C.MANAGE_SEALS: _("印鑑登録"),
    C.SUPERVISE_COUNTER: _("窓口の監督（警告の確認・ロック解除）"),
    C.CALL_TICKETS: _("窓口の呼出"),
    C.MANAGE_OFFICES: _("事務所・開庁日の管理"),
    C.MANAGE_POLICY: _("交付ポリシーの管理"),
    C.MANAGE_STAFF: _("職員の管理"),
    C.VIEW_AUDIT: _("監査記録の検索"),
    C.VIEW_PAYMENTS: _("請求・収納の閲覧"),
    C.MANAGE_PAYMENTS: _("請求・返金・収納データの消込"),
    # Planning
    C.PLAN: _("企画（配置・業務量の集計とシミュレーション）"),
    # Public facilities
    C.MANAGE_FACILITIES: _("公共施設の管理・利用者登録の審査・抽選・予約"),
    # Street reports
    C.HANDLE_REPORTS: _("レポートの受付・対応"),
    C.PUBLISH_REPORTS: _("レポートの公開・写真の非公開やぼかし"),
}
# --- open data (kuyakusho.opendata) ---
# Administrators, who run the system, publish the catalogue; publishing to everyone (tables drawn from the
# register among them) is signed in with a second factor.
ROLE_CAPABILITIES[Role.ADMIN] = ROLE_CAPABILITIES[Role.ADMIN] | {C.MANAGE_OPEN_DATA}
SECOND_FACTOR_CAPABILITIES = SECOND_FACTOR_CAPABILITIES | {C.MANAGE_OPEN_DATA}
CAPABILITY_LABELS[C.MANAGE_OPEN_DATA] = _("オープンデータの公開・更新・公開終了")

# Street reports: their handlers read reporters' contact details.
SECOND_FACTOR_CAPABILITIES = SECOND_FACTOR_CAPABILITIES | {C.HANDLE_REPORTS}
