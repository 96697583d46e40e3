"""Refresh both catalogues after user-facing text changed: ``python -m charity.translations.update``.

Extracts every string, merges it into ``zh`` and ``en`` (one line per entry, so merges
between branches stay readable), drops obsolete entries, fills English with the source
text, compiles both, and lists the Chinese entries still to translate (exit 1 if any).
Translate those in ``zh/LC_MESSAGES/messages.po`` and run it again.
"""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

HERE = Path(__file__).parent
ROOT = HERE.parent.parent


def _babel(*args):
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> int:
    pot = HERE / "messages.pot"
    try:
        _babel("extract", "-F", str(HERE / "babel.cfg"), "-k", "_l", "-k", "lazy_ngettext:1,2",
               "--no-location", "--sort-output", "--no-wrap", "-o", str(pot), ".")
        _babel("update", "-i", str(pot), "-d", str(HERE), "--no-fuzzy-matching",
               "--ignore-obsolete", "--no-wrap")
    finally:
        pot.unlink(missing_ok=True)
    english = HERE / "en" / "LC_MESSAGES" / "messages.po"
    with english.open("rb") as fh:
        catalog = read_po(fh, locale="en")
    for message in catalog:
        if message.id and not message.string or message.string == ("", ""):
            message.string = message.id
    with english.open("wb") as fh:
        write_po(fh, catalog, width=0, sort_output=True, omit_header=False, ignore_obsolete=True)
    _babel("compile", "-d", str(HERE))
    with (HERE / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        chinese = read_po(fh, locale="zh")
    missing = [m.id for m in chinese if m.id and not (m.string if isinstance(m.string, str)
                                                       else all(m.string))]
    for msgid in missing:
        print("untranslated:", msgid if isinstance(msgid, str) else msgid[0])
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
