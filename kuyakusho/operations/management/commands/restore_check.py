"""manage.py restore_check: the restore drill (see operations.backups). Exits non-zero on any failed check."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kuyakusho.operations.backups import DrillFailed, restore_check


class Command(BaseCommand):
    help = ("Restore the newest backup into a scratch database and check it: SHA-256, migrate --check, "
            "audit_verify against the signed checkpoints, row counts, a certificate's signature, a server that "
            "answers /readyz. Prints RPO and RTO.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--backup", type=Path, default=None, help="a backup file (default: the newest)")
        parser.add_argument("--dir", type=Path, default=None, help="where backups are (default: BACKUP_DIR)")
        parser.add_argument("--no-serve", action="store_true", help="skip starting a server on the restore")
        parser.add_argument("--keep", action="store_true", help="keep the scratch database")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = restore_check(backup=options["backup"], directory=options["dir"],
                                   serve=not options["no_serve"], keep=options["keep"],
                                   say=lambda line: self.stdout.write(f"  {line}"))
        except DrillFailed as exc:
            raise CommandError(f"RESTORE DRILL FAILED: {exc}") from exc
        rpo = "n/a (no audited write)" if report.rpo_seconds is None else f"{report.rpo_seconds:.0f} s"
        self.stdout.write(self.style.SUCCESS(
            f"restore drill OK: {report.backup}; RPO {rpo} (age of the newest recoverable transaction); "
            f"RTO {report.rto_seconds:.1f} s (restore to a serving instance)"))
