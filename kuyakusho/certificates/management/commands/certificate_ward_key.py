"""manage.py certificate_ward_key: show the ward's signing certificate (creating the demo key if missing)."""

from cryptography.hazmat.primitives import hashes, serialization
from django.core.management.base import BaseCommand

from kuyakusho.certificates.documents.wardkey import key_directory, ward_key


class Command(BaseCommand):
    help = "Show the ward's certificate-signing key (区の署名鍵), creating the demo key on first use."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--pem", action="store_true", help="print the certificate in PEM")

    def handle(self, *args, pem: bool = False, **options) -> None:
        key = ward_key()
        cert = key.certificate
        if pem:
            self.stdout.write(cert.public_bytes(serialization.Encoding.PEM).decode("ascii"))
            return
        self.stdout.write(f"署名者 / subject: {key.subject}")
        self.stdout.write(f"フォルダ / folder: {key_directory()}")
        valid = f"{cert.not_valid_before_utc:%Y-%m-%d} – {cert.not_valid_after_utc:%Y-%m-%d}"
        self.stdout.write(f"有効期間 / valid: {valid}")
        self.stdout.write(f"SHA-256: {cert.fingerprint(hashes.SHA256()).hex(':').upper()}")
        self.stdout.write(f"旧鍵 / retired certificates: {len(key.retired)}")
