"""Fill English translations into every app's catalogue (kuyakusho/<app>/locale/en/LC_MESSAGES/django.po)
and compile the .mo files.

Translations come from a JSON file ({"Japanese msgid": "English"}; plural entries as ["one", "other"];
a message with a context as "context\u0004msgid") and from any other catalogue that already translates the
same msgid in the same context.

    .venv/bin/python scripts/po_fill.py [--app APP] [translations.json ...]

With --app only that app's catalogue is written (the others are only read).
"""

import json
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent / "kuyakusho"


def catalogues() -> list[Path]:
    return sorted(ROOT.glob("*/locale/en/LC_MESSAGES/django.po"))


def _key(entry) -> str:
    return f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid


def known_translations(paths: list[str]) -> dict:
    table: dict = {}
    for po_path in catalogues():
        for e in polib.pofile(str(po_path)):
            if e.translated():
                table[_key(e)] = [e.msgstr_plural[0], e.msgstr_plural[1]] if e.msgid_plural else e.msgstr
    for path in paths:
        table.update(json.loads(Path(path).read_text()))
    return table


def main(args: list[str]) -> int:
    app = None
    if args[:1] == ["--app"]:
        app, args = args[1], args[2:]
    table = known_translations(args)
    missing_total = 0
    for po_path in catalogues():
        if app and po_path.relative_to(ROOT).parts[0] != app:
            continue
        po = polib.pofile(str(po_path))
        for entry in po:
            if _key(entry) not in table:
                continue
            value = table[_key(entry)]
            if entry.msgid_plural:
                one, other = value if isinstance(value, list) else (value, value)
                entry.msgstr_plural = {0: one, 1: other}
            else:
                entry.msgstr = value if isinstance(value, str) else value[-1]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        po.save()
        po.save_as_mofile(str(po_path.with_suffix(".mo")))
        missing = [e.msgid for e in po if not e.translated() and not e.obsolete]
        missing_total += len(missing)
        print(f"{po_path.relative_to(ROOT)}: {len(po)} entries, {len(missing)} untranslated")
        for m in missing:
            print("  missing:", m)
    return 1 if missing_total else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
