from django.core.management.base import BaseCommand, CommandError

from kuyakusho.audit.verify import verify_chain


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain; report the first broken link."

    def handle(self, *args, **options):
        result = verify_chain()
        if not result.ok:
            raise CommandError(
                f"audit chain BROKEN at seq={result.broken_seq}: {result.reason} "
                f"({result.checked} rows verified before it)"
            )
        self.stdout.write(self.style.SUCCESS(f"audit chain OK: {result.checked} rows verified"))
