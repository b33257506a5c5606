"""manage.py audit_checkpoint: sign the audit chain's head and write it outside the database.

    manage.py audit_checkpoint               # once (from cron)
    manage.py audit_checkpoint --every 300   # every 5 minutes until stopped (make run: run_schedule's job)
    manage.py audit_checkpoint --enqueue     # let the task worker write it (manage.py db_worker)
"""

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from kuyakusho.audit.checkpoints import CheckpointError, write_checkpoint
from kuyakusho.audit.tasks import write_checkpoint as write_checkpoint_task


class Command(BaseCommand):
    help = ("Sign the audit chain's head (seq, hash, time) with the ward's key and write it as a new file under "
            "AUDIT_CHECKPOINT_DIR (time-stamped when AUDIT_CHECKPOINT_TSA_URL is set).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=float, default=0, metavar="SECONDS",
                            help="keep running: a checkpoint every SECONDS (when the chain has grown)")
        parser.add_argument("--enqueue", action="store_true", help="enqueue the task for the task worker instead")
        parser.add_argument("--force", action="store_true", help="write one even if the head has not moved")
        parser.add_argument("--lang", choices=["ja", "en"], default=None, help="language of the messages")

    def handle(self, *args: object, every: float = 0.0, enqueue: bool = False, force: bool = False,
               lang: str | None = None, verbosity: int = 1, **options: object) -> None:
        self.verbosity = verbosity
        with translation.override(lang or translation.get_language()):
            if enqueue:
                result = write_checkpoint_task.enqueue()
                self.stdout.write(_("チェックポイントの作成を依頼しました（タスク %(id)s）。") % {"id": result.id})
                return
            if not every:
                self._once(force=force, fail=True)
                return
            try:
                while True:
                    self._once(force=force, fail=False)
                    time.sleep(every)
            except KeyboardInterrupt:
                pass

    def _once(self, *, force: bool, fail: bool) -> None:
        try:
            checkpoint = write_checkpoint(force=force)
        except CheckpointError as exc:
            if fail:
                raise CommandError(str(exc)) from exc
            self.stderr.write(str(exc))
            return
        if checkpoint is None:
            if self.verbosity > 1 or fail:
                self.stdout.write(_("新しいチェックポイントはありません（連鎖の先頭が前回から変わっていないか、空です）。"))
            return
        if self.verbosity > 0:
            stamped = _("、タイムスタンプ付き") if checkpoint.timestamp_token else ""
            message = _("チェックポイント %(file)s: seq=%(seq)s を署名しました%(stamped)s。") % {
                "file": checkpoint.path, "seq": checkpoint.seq, "stamped": stamped}
            self.stdout.write(self.style.SUCCESS(message))
