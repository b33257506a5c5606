"""List register rows that a certificate could not print today (data stored before the character policy).

    manage.py check_printable            # values with a character the certificate font cannot print
    manage.py check_printable --policy   # also values the input policy would refuse today (core.text)

One line per value: the table, the row id, the field and the offending code points with their Unicode names —
never the value itself. Each resident listed is recorded in the audit trail as a read (purpose: 記載の修正).
Exits with status 1 when anything is listed, so that a scheduled run can alert.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Model

from kuyakusho.audit.context import audit_context
from kuyakusho.audit.services import record_read
from kuyakusho.core.glyphs import coverage
from kuyakusho.core.text import CharacterClass, character_name, refused_characters
from kuyakusho.residents.models import Household, MoveOutCertificate, Resident
from kuyakusho.residents.records import ViewPurpose

#: The printed text of each table (what a certificate can show).
FIELDS: dict[type[Model], tuple[str, ...]] = {
    Resident: ("name", "name_kana", "relationship", "previous_address", "honseki", "hittosha", "nationality",
               "residence_status", "period_of_stay", "residence_card_number", "destination"),
    Household: ("town", "banchi", "go", "katagaki"),
    MoveOutCertificate: ("destination",),
}
LABELS = {Resident: "resident", Household: "household", MoveOutCertificate: "move_out_certificate"}
NOT_IN_FONT = CharacterClass.NOT_IN_FONT


def findings(*, policy: bool) -> Iterator[tuple[type[Model], int, str, list[str]]]:
    """(model, row id, field, ["U+202E RIGHT-TO-LEFT OVERRIDE (format)", …]) for each value listed."""
    cov = coverage()
    for model, fields in FIELDS.items():
        rows = model._default_manager.order_by("pk").values_list("pk", *fields)
        for pk, *values in rows.iterator(chunk_size=2000):
            for field, value in zip(fields, values, strict=True):
                unprintable = cov.missing(value) if value else []
                if not unprintable and not policy:
                    continue
                classes = {r.chars: r.kind for r in refused_characters(value)} if value else {}
                shown = list(classes) if policy else []
                shown += [chars for chars in unprintable if chars not in shown]
                if shown:
                    yield model, pk, field, [f"{character_name(chars)} ({classes.get(chars, NOT_IN_FONT)})"
                                             for chars in shown]


class Command(BaseCommand):
    help = ("証明書に印刷できない文字を含む住民記録を一覧にする / "
            "List register rows with characters a certificate cannot print")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--policy", action="store_true",
                            help="also list values that the input policy would refuse today")

    def handle(self, *args, policy: bool = False, **options) -> None:
        listed = 0
        residents: dict[int, list[str]] = {}
        for model, pk, field, problems in findings(policy=policy):
            listed += 1
            self.stdout.write(f"{LABELS[model]} {pk} {field}: {'; '.join(problems)}")
            if model is Resident:
                residents.setdefault(pk, []).append(field)
        with audit_context(channel="system", via="check_printable"), transaction.atomic():
            for resident_id, fields in residents.items():
                record_read(actor=None, action="residents.check_printable", subject_id=resident_id,
                            purpose=ViewPurpose.CORRECTION, detail={"fields": fields})
        if listed:
            raise CommandError(f"{listed} value(s) cannot be printed or stored as they are")
        self.stdout.write("all printable")
