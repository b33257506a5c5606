"""Japanese first, English alongside: every app's English catalogue is complete and compiled."""

from pathlib import Path

import polib
import pytest

CATALOGUES = sorted((Path(__file__).resolve().parents[2]).glob("*/locale/en/LC_MESSAGES/django.po"))


def test_there_are_catalogues():
    assert len(CATALOGUES) >= 5


@pytest.mark.parametrize("po_path", CATALOGUES, ids=[p.parts[-5] for p in CATALOGUES])
def test_every_message_has_an_english_translation(po_path):
    po = polib.pofile(str(po_path))
    untranslated = [e.msgid for e in po.untranslated_entries()] + [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, untranslated


@pytest.mark.parametrize("po_path", CATALOGUES, ids=[p.parts[-5] for p in CATALOGUES])
def test_the_compiled_catalogue_matches_the_source(po_path):
    def entries(cat):
        return {(e.msgid, e.msgstr or str(sorted(e.msgstr_plural.values()))) for e in cat if e.msgid}

    po = entries(e for e in polib.pofile(str(po_path)) if e.translated())
    mo = entries(polib.mofile(str(po_path.with_suffix(".mo"))))
    assert po <= mo, "run `make messages` (or scripts/po_fill.py) to recompile the .mo file"
