"""manage.py audit_verify: check the audit trail's hash chain against every signed checkpoint."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kuyakusho.audit.verify import Result as VerifyResult
from kuyakusho.audit.verify import verify_chain


class Command(BaseCommand):
    help = ("Verify the audit trail: its hash chain, and the chain against every signed checkpoint "
            "(rewound head, truncated table, recomputed chain, forged checkpoints). Non-zero exit on any finding.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--lang", choices=["ja", "en"], default=None,
                            help="language of the report (default: the installation's, Japanese)")

    def handle(self, *args: object, lang: str | None = None, **options: object) -> None:
        with translation.override(lang or translation.get_language()):
            self._report(verify_chain())

    def _report(self, result: VerifyResult) -> None:
        for finding in result.findings:
            self.stderr.write(f"[{finding.code}] {finding.message}")
        if result.findings:
            raise CommandError(_("監査記録に問題が %(count)s 件あります（先頭から %(checked)s 行は検証済み）。")
                               % {"count": len(result.findings), "checked": result.checked})
        ok = _("監査記録 OK: %(checked)s 行を検証しました。") % {"checked": result.checked}
        self.stdout.write(self.style.SUCCESS(ok))
        last = result.last_checkpoint
        if last is None:
            self.stdout.write(self.style.WARNING(_(
                "署名済みチェックポイントがありません: 末尾の切り取りや連鎖の書き換えはまだ検出できません"
                "（manage.py audit_checkpoint を定期的に実行してください）。")))
        else:
            self.stdout.write(_(
                "チェックポイント %(count)s 件（うちタイムスタンプ付き %(stamped)s 件）と一致しました。最新は "
                "seq=%(seq)s（%(time)s）。") % {
                    "count": result.checkpoints, "stamped": result.time_stamped, "seq": last.seq,
                    "time": f"{timezone.localtime(last.time):%Y-%m-%d %H:%M:%S %Z}"})
