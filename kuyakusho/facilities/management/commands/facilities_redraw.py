"""Re-run a published draw and check it gives the same winners.

    manage.py facilities_redraw lottery-12.json     # the file published at /facilities/lottery/12/published.json
    manage.py facilities_redraw --round 12          # the same from this database, also checked against its results

The draw is rebuilt from the published data alone (the announced seed values, the pseudonymised applications
and the rules): see :mod:`kuyakusho.facilities.lottery`. Exits non-zero when the result differs.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kuyakusho.facilities.lottery import SeedError, redraw
from kuyakusho.facilities.models import DrawEntry, LotteryRound


class Command(BaseCommand):
    help = "Re-run a published facilities lottery draw and compare its winners"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", nargs="?", help="the published JSON of a draw")
        parser.add_argument("--round", type=int, help="a drawn round of this database")

    def handle(self, *args: Any, **options: Any) -> None:
        stored: dict[str, tuple[str, int]] | None = None
        if options["round"]:
            rnd = LotteryRound.objects.filter(pk=options["round"], status=LotteryRound.Status.DRAWN).first()
            if rnd is None:
                raise CommandError(f"no drawn round {options['round']}")
            data = rnd.published
            stored = {f"A{a}": (o, r) for a, o, r in
                      DrawEntry.objects.filter(round=rnd).values_list("application_id", "outcome", "rank")}
        elif options["file"]:
            try:
                with open(options["file"], encoding="utf-8") as f:
                    data = json.load(f)
            except (OSError, ValueError) as e:
                raise CommandError(f"cannot read {options['file']}: {e}") from None
        else:
            raise CommandError("give the published file or --round")
        try:
            result = redraw(data)
        except (SeedError, KeyError, TypeError, ValueError) as e:
            raise CommandError(f"the published data cannot be drawn: {e}") from None
        winners = sum(1 for o, _r in result.outcomes.values() if o == "won")
        self.stdout.write(f"applications {len(result.outcomes)}, winners {winners}, digest {result.digest}")
        if data.get("digest") and data["digest"] != result.digest:
            raise CommandError(f"DIFFERENT: published digest {data['digest']}")
        if stored is not None and stored != result.outcomes:
            raise CommandError("DIFFERENT: the results recorded in the database differ from the redraw")
        self.stdout.write(self.style.SUCCESS("same winners and substitutes as published"))
