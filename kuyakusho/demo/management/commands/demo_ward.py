import random
from datetime import date

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from kuyakusho.accounts.models import Staff
from kuyakusho.audit.context import audit_context
from kuyakusho.certificates.demo import DEMO_PIN, create_demo_certificates
from kuyakusho.demo.offices import create_offices
from kuyakusho.demo.planning import ensure_spring_traffic
from kuyakusho.demo.population.writer import RegisterNotEmpty, generate
from kuyakusho.demo.staff import create_demo_staff, save_demo_devices
from kuyakusho.facilities.demo import create_demo_facilities
from kuyakusho.guide.demo import create_demo_notices
from kuyakusho.operations.maintenance import analyze
from kuyakusho.reports.demo import create_demo_reports
from kuyakusho.residents.models import Resident, Status
from kuyakusho.seals.demo import create_demo_seals


class Command(BaseCommand):
    help = "Load the demo ward (Nerima): offices, staff and a synthetic population."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--residents", type=int, default=20000, help="number of residents to generate")
        parser.add_argument("--seed", type=int, default=1, help="random seed (same seed and date, same ward)")
        parser.add_argument("--as-of", type=date.fromisoformat, default=None,
                            help="the ward's 'today' (YYYY-MM-DD; default: today): ages and dates are relative to it")
        parser.add_argument("--if-empty", action="store_true", help="do nothing if the database has data")
        parser.add_argument("--traffic-days", type=int, default=60,
                            help="days of simulated counter history (0: none)")

    def handle(self, *args, **options) -> None:
        if options["if_empty"] and Staff.objects.exists():
            self.stdout.write("demo ward: database already loaded, nothing to do")
            return
        if options["residents"] < 0:
            raise CommandError("--residents must be 0 or more")
        with audit_context(channel="system", via="demo_ward"):
            offices = create_offices()
            create_demo_notices(options["as_of"] or date.today())
            create_demo_facilities(options["as_of"] or date.today())  # public facilities and their lotteries
            create_demo_staff()
            create_demo_reports()  # street reports (ねりまちレポーター)
            self.stdout.write(self.style.SUCCESS(f"demo ward: {len(offices)} offices, demo staff ready"))
            if options["residents"]:
                self._population(options)
                self._services(options)
            self._open_data()
        seconds = analyze()  # a bulk load: the planner's statistics, before the first page is served
        self.stdout.write(f"demo ward: statistics refreshed (ANALYZE, {seconds:.1f} s)")

    def _open_data(self):
        """The open data catalogue: hand-made datasets and every generated one (from what was just loaded)."""
        from kuyakusho.opendata.demo import create_demo_catalogue  # as the other areas' demo data: on use

        outcome = create_demo_catalogue()
        self.stdout.write(self.style.SUCCESS(f"demo ward: open data, {len(outcome)} generated datasets"))

    def _population(self, options):
        today = options["as_of"] or date.today()
        step = max(1, options["residents"] // 10)
        shown = [0]

        def progress(totals) -> None:
            if totals.residents - shown[0] >= step:
                shown[0] = totals.residents
                self.stdout.write(f"  … {totals.residents:,} residents")

        try:
            totals = generate(residents=options["residents"], seed=options["seed"], today=today, progress=progress)
        except RegisterNotEmpty as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"demo ward: {totals.residents:,} residents in {totals.open_households:,} households "
            f"({totals.foreign:,} foreign), {totals.removed:,} removed records (除票), "
            f"{totals.events:,} events; {totals.seconds:.1f} s, peak memory {totals.peak_rss_mb:.0f} MB"
        ))

    def _services(self, options):
        """Seal registrations, cards and terminals, a tax ledger and counter history for the population."""
        today = options["as_of"] or date.today()
        seals = create_demo_seals(Resident.objects.filter(status=Status.ACTIVE).iterator(chunk_size=5000),
                                  random.Random(options["seed"]))
        summary = create_demo_certificates(today=today)
        save_demo_devices(terminals=summary.terminals, cards=summary.cards[:5], pin=DEMO_PIN)
        self.stdout.write(self.style.SUCCESS(
            f"demo ward: {seals:,} seal registrations, {len(summary.cards) * 2:,} cards (PIN {DEMO_PIN}), "
            f"{len(summary.terminals)} terminals, {summary.tax_records:,} tax records"))
        if options["traffic_days"]:
            call_command("demo_traffic", backfill_days=options["traffic_days"], seed=options["seed"], verbosity=0)
            self.stdout.write(self.style.SUCCESS(f"demo ward: {options['traffic_days']} days of counter history"))
            self.stdout.write(self.style.SUCCESS(ensure_spring_traffic(today=today, seed=options["seed"])))
