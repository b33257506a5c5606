"""Fill English translations into kuyakusho/locale/en/LC_MESSAGES/django.po from a JSON file
({"Japanese msgid": "English"}; plural entries as ["one", "other"]), then compile the .mo.

    .venv/bin/python scripts/po_fill.py translations.json
"""

import json
import sys
from pathlib import Path

import polib

PO = Path(__file__).resolve().parent.parent / "kuyakusho/locale/en/LC_MESSAGES/django.po"


def main(path: str) -> None:
    table = json.loads(Path(path).read_text())
    po = polib.pofile(str(PO))
    for entry in po:
        if entry.msgid not in table:
            continue
        value = table[entry.msgid]
        if entry.msgid_plural:
            one, other = value if isinstance(value, list) else (value, value)
            entry.msgstr_plural = {0: one, 1: other}
        else:
            entry.msgstr = value
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    po.save()
    po.save_as_mofile(str(PO.with_suffix(".mo")))
    missing = [e.msgid for e in po if not e.translated() and not e.obsolete]
    print(f"{len(po)} entries, {len(missing)} untranslated")
    for m in missing:
        print("  missing:", m)


if __name__ == "__main__":
    main(sys.argv[1])
