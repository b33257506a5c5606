"""What a member of staff may do, one word each: the vocabulary every app's access declarations use
(``kuyakusho.core.access``). It lives in the shared kernel so that any app, low or high, can declare what a route
needs without importing ``accounts``; which role holds which capabilities is ``accounts.capabilities``."""

from __future__ import annotations

from enum import StrEnum


class Capability(StrEnum):
    USE_CONSOLE = "use_console"
    VIEW_RESIDENT = "view_resident"
    VIEW_REMOVED_RESIDENT = "view_removed_resident"
    FILE_NOTIFICATION = "file_notification"
    CORRECT_RECORD = "correct_record"
    CANCEL_NOTIFICATION = "cancel_notification"
    ISSUE_CERTIFICATE = "issue_certificate"
    MANAGE_SEALS = "manage_seals"
    SUPERVISE_COUNTER = "supervise_counter"
    CALL_TICKETS = "call_tickets"
    MANAGE_OFFICES = "manage_offices"
    MANAGE_POLICY = "manage_policy"
    MANAGE_STAFF = "manage_staff"
    VIEW_AUDIT = "view_audit"
    VIEW_PAYMENTS = "view_payments"
    MANAGE_PAYMENTS = "manage_payments"
    # Planning (企画): aggregates of the register, counters and issuance; simulations of the spring peak.
    PLAN = "plan"
    # --- open data (kuyakusho.opendata) ---
    MANAGE_OPEN_DATA = "manage_open_data"
    # Public facilities: facilities and fees, registrations, the lottery, bookings, closures.
    MANAGE_FACILITIES = "manage_facilities"
    # Street reports (ねりまちレポーター): triage and work; the 公開基準 (publication, photos, public text).
    HANDLE_REPORTS = "handle_reports"
    PUBLISH_REPORTS = "publish_reports"
