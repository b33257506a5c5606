"""manage.py backup: one backup of the database and its manifest into BACKUP_DIR (see operations.backups)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kuyakusho.operations.backups import DrillFailed, take_backup


class Command(BaseCommand):
    help = "Back up the database (PostgreSQL: pg_dump; SQLite: online backup) with a manifest, into BACKUP_DIR."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", type=Path, default=None, help="where to write it (default: BACKUP_DIR)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            path, manifest = take_backup(directory=options["dir"])
        except DrillFailed as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"backup {path} ({path.stat().st_size:,} bytes, sha256 {manifest.sha256[:16]}…, "
            f"audit seq {manifest.audit_seq})"))
