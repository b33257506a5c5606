"""manage.py restore_inspect: what the restore drill reads from a restored database, as one JSON line (row
counts, the newest audit event, a sample certificate's signature check). Run by ``restore_check`` in a process
whose DATABASE_URL is the scratch database."""

import json
from typing import Any

from django.core.management.base import BaseCommand

from kuyakusho.operations.backups import DrillFailed, check_certificate, counts, newest_event


class Command(BaseCommand):
    help = "Print row counts, the newest audit event and a certificate check of this database as JSON."

    def handle(self, *args: Any, **options: Any) -> None:
        newest, seq = newest_event()
        try:
            certificate, ok = check_certificate(), True
        except DrillFailed as exc:
            certificate, ok = str(exc), False
        self.stdout.write(json.dumps({"counts": counts(), "newest_event_at": newest.isoformat() if newest else None,
                                      "audit_seq": seq, "certificate": certificate, "certificate_ok": ok}))
