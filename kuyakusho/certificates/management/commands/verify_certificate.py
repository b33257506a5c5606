"""manage.py verify_certificate FILE: check a certificate PDF's signature (exit status 1 if not valid)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kuyakusho.certificates.documents import verify_pdf
from kuyakusho.core.wareki import format_wareki

TOKYO = "Asia/Tokyo"


class Command(BaseCommand):
    help = "Verify the ward's digital signature on a certificate PDF (証明書PDFの電子署名を検証する)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options) -> None:
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"ファイルを読めません / cannot read the file: {file} ({exc.strerror})") from None
        result = verify_pdf(data)
        lines = [result.message_ja, result.message_en]
        if result.verification_code:
            lines.append(f"検証コード / verification code: {result.verification_code}")
        if result.certificate_kind:
            lines.append(f"種類 / kind: {result.certificate_kind}")
        if result.signed and result.signing_time:
            from zoneinfo import ZoneInfo

            local = result.signing_time.astimezone(ZoneInfo(TOKYO))
            lines.append(f"署名日時 / signed at: {format_wareki(local)} {local:%H:%M:%S} ({local.isoformat()})")
        if result.signer:
            lines.append(f"署名者 / signer: {result.signer}")
        if result.signed:
            lines.append(
                f"改変なし / intact: {_yes(result.intact)}　署名の検証 / signature: {_yes(result.signature_valid)}　"
                f"区の鍵 / ward key: {_yes(result.ward_key)}　全体を保護 / whole file: {_yes(result.whole_file)}"
            )
        text = "\n".join(lines)
        if not result.valid:
            self.stderr.write(text)
            raise CommandError("検証に失敗しました / verification failed", returncode=1)
        self.stdout.write(text)


def _yes(value: bool) -> str:
    return "はい/yes" if value else "いいえ/no"
