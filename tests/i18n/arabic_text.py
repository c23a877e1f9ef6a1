"""What right-to-left Arabic text must not contain: a command or a Latin run outside a
directional isolate (it flips: `/offers` shows as `offers/`), or a number in Latin digits
(Arabic shows Arabic-Indic digits). Ids ("#12") stay Latin by design."""

from __future__ import annotations

import re

_ISOLATED = re.compile(r"[\u2066\u2067\u2068][^\u2069]*\u2069")
_IDS = re.compile(r"#\d+")
_COMMAND = re.compile(r"(?<![\w<])/[a-z_]+")
_LATIN_WORD = re.compile(r"[A-Za-z0-9_.@+\-]*[A-Za-z][A-Za-z0-9_.@+\-]*")
_LATIN_DIGITS = re.compile(r"[0-9][0-9.,]*")


def problems(text: str) -> list[str]:
    """The commands not isolated and the numbers in Latin digits in ``text`` (HTML tags and
    placeholders already removed or filled)."""
    rest = _IDS.sub("", _ISOLATED.sub("", text))
    found = [f"command {m}" for m in _COMMAND.findall(rest)]
    found += [f"Latin run {m}" for m in _LATIN_WORD.findall(_COMMAND.sub("", rest))]
    found += [f"Latin digits {m}" for m in _LATIN_DIGITS.findall(_LATIN_WORD.sub("", _COMMAND.sub("", rest)))]
    return found


def catalog_problems(text: str) -> list[str]:
    """``problems`` of a catalog entry: placeholders and HTML tags are not text."""
    return problems(re.sub(r"<[^>]+>", "", re.sub(r"\{[^}]*\}", "", text)))
