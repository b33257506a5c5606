"""Daily: mark seal applications whose 回答書 did not come back by the deadline as expired."""

from django.core.management.base import BaseCommand

from kuyakusho.audit.context import audit_context
from kuyakusho.seals.services import expire_overdue


class Command(BaseCommand):
    help = "照会書の回答期限を過ぎた印鑑登録申請を期限切れにする / Expire seal applications past their deadline"

    def handle(self, *args, **options) -> None:
        with audit_context(channel="system", via="seals_expire_inquiries"):
            count = expire_overdue(actor=None)
        self.stdout.write(f"expired: {count}")
