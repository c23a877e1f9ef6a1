"""The translation catalogs at run time: where they live and compiling .po into .mo.

The rest of the tooling (extracting, merging, checking) is a developer tool: tools/i18n.py.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN = "messages"
LANGUAGES = ("ar", "en")


@dataclass(frozen=True)
class Locales:
    """Where the catalogs live (locales/ by default; a temporary folder in tests)."""

    path: Path

    def po(self, lang: str) -> Path:
        return self.path / lang / "LC_MESSAGES" / f"{DOMAIN}.po"

    def mo(self, lang: str) -> Path:
        return self.path / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"

    @property
    def pot(self) -> Path:
        return self.path / f"{DOMAIN}.pot"


def load(path: Path, lang: str | None, *, strict: bool = True) -> Catalog:
    """Read a .po file; ``strict`` refuses a malformed file instead of printing warnings."""
    with path.open("rb") as fp, contextlib.redirect_stdout(io.StringIO()):
        return read_po(fp, locale=lang, domain=DOMAIN, abort_invalid=strict)


_DATE_LINE = re.compile(rb'^"(POT-Creation-Date|PO-Revision-Date): .*\\n"$', re.M)


def write_if_changed(path: Path, data: bytes, *, ignore_dates: bool = False) -> bool:
    """Write only when the content changes (keeps `update` and `compile` idempotent)."""
    if path.exists():
        old = path.read_bytes()
        if old == data or (ignore_dates and _DATE_LINE.sub(b"", old) == _DATE_LINE.sub(b"", data)):
            return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return True


def compile_catalogs(locales: Locales, langs: Sequence[str] = LANGUAGES) -> list[Path]:
    """Build .mo files; returns the ones that were (re)written."""
    written = []
    for lang in langs:
        po = locales.po(lang)
        if not po.exists():
            continue
        buf = io.BytesIO()
        write_mo(buf, load(po, lang), use_fuzzy=False)
        if write_if_changed(locales.mo(lang), buf.getvalue()):
            written.append(locales.mo(lang))
    return written
