"""Japanese first, English alongside: the English catalogue is complete and compiled."""

from pathlib import Path

import polib

PO = Path(__file__).resolve().parents[2] / "locale/en/LC_MESSAGES/django.po"


def test_every_message_has_an_english_translation():
    po = polib.pofile(str(PO))
    untranslated = [e.msgid for e in po.untranslated_entries()] + [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, untranslated


def test_the_compiled_catalogue_matches_the_source():
    po = {(e.msgid, e.msgstr or str(e.msgstr_plural)) for e in polib.pofile(str(PO)) if e.translated()}
    mo = {(e.msgid, e.msgstr or str(e.msgstr_plural)) for e in polib.mofile(str(PO.with_suffix(".mo")))}
    assert po <= mo, "run `make messages` (or scripts/po_fill.py) to recompile the .mo file"
