"""The suite-wide guard: no known secret, no phone number of the test fixtures and no document
content in any log line.

For the whole session a handler on the root logger keeps every line logged (message and
traceback) at INFO and above; tests that run processes hand their output in (``add_output``),
and tests that make secrets of their own name them (``register``). At the end of the session
``find_secrets`` looks for every known secret in all of it, ``find_phones`` for every phone
number written in the tests' source (in any of its forms: +964 770 123 4567, 07701234567, ...),
and ``find_documents`` for the bytes of a document (a KYC photo: the JPEG and PNG signatures
as Python shows bytes or as base64, and the bytes ``register_document`` was given, in hex and
base64); a hit fails the run (tests/conftest.py), printing where it was seen but never what.
"""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from bootstrap import DEV_ADMIN_TOKEN, DEV_HOT_WALLET_KEY, DEV_TRADER_TOKEN
from core.wallet.hd import DEV_MNEMONIC, dev_hot_key


def _known() -> dict[str, str]:
    """Secrets every test session knows, by a name that may be printed."""
    return {
        "the dev hot wallet key (bootstrap)": DEV_HOT_WALLET_KEY,
        "the dev hot wallet key (hd)": dev_hot_key().hex(),
        "the dev mnemonic": DEV_MNEMONIC,
        "the sandbox's traders' bot token": DEV_TRADER_TOKEN,
        "the sandbox's admin bot token": DEV_ADMIN_TOKEN,
    }


SECRETS: dict[str, str] = {}
DOCUMENTS: dict[str, bytes] = {}
# An Iraqi mobile number in any of its written forms; group 1: its ten national digits.
PHONE = re.compile(r"(?<![\w+])(?:(?:\+|00)?964|0)[ -]?(7\d{2}[ -]?\d{3}[ -]?\d{4})(?!\w)")
# What document bytes look like in text: a JPEG or PNG start as Python shows bytes, or in base64.
DOCUMENT_SIGNS = {
    "JPEG bytes": "\\xff\\xd8\\xff",
    "PNG bytes": "\\x89PNG",
    "JPEG in base64": "/9j/",
    "PNG in base64": "iVBORw0KGgo",
}
OUTPUTS: list[tuple[str, str]] = []  # (where, text) handed in by tests that ran processes


class LineRecorder(logging.Handler):
    """Keeps each record's logger name and text (with its traceback) for the end of the session."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # a bad format string: keep what there is
            text = f"{record.msg!r} {record.args!r}"
        if record.exc_info and record.exc_info[1] is not None:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.lines.append((record.name, text))


RECORDER = LineRecorder()


def register(name: str, *values: str) -> None:
    """A secret a test made (a random key, a token): looked for at the end of the session."""
    for i, value in enumerate(values):
        if value:
            SECRETS[f"{name}#{i}" if len(values) > 1 else name] = value


def register_document(name: str, content: bytes) -> None:
    """A document a test submits (a KYC photo): its bytes must reach no log line."""
    DOCUMENTS[name] = content


@cache
def fixture_phones() -> frozenset[str]:
    """The national digits of every phone number written in the tests' source."""
    found: set[str] = set()
    for path in Path(__file__).parent.rglob("*.py"):
        for match in PHONE.finditer(path.read_text(errors="replace")):
            found.add(re.sub(r"\D", "", match.group(1)))
    return frozenset(found)


def find_phones(texts: Iterable[tuple[str, str]], phones: frozenset[str]) -> list[str]:
    """Where a phone number of ``phones`` occurs (never the number)."""
    return [
        f"a test fixture's phone number in {where}"
        for where, text in texts
        for match in PHONE.finditer(text)
        if re.sub(r"\D", "", match.group(1)) in phones
    ]


def _document_forms(content: bytes) -> list[str]:
    head = content[:24]
    return [repr(head)[2:-1], head.hex(), base64.b64encode(content).decode()[:32]]


def find_documents(texts: Iterable[tuple[str, str]], documents: dict[str, bytes]) -> list[str]:
    """Where document bytes occur: a signature, or the start of a registered document."""
    signs = dict(DOCUMENT_SIGNS)
    for name, content in documents.items():
        signs.update({f"{name} ({i})": form for i, form in enumerate(_document_forms(content)) if len(form) >= 12})
    return [f"{name} in {where}" for where, text in texts for name, sign in signs.items() if sign in text]


def add_output(where: str, text: str) -> None:
    """What a process printed (its log file, its captured output), to be scanned too."""
    OUTPUTS.append((where, text))


def start() -> None:
    SECRETS.update(_known())
    root = logging.getLogger()
    root.addHandler(RECORDER)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)


def find_secrets(texts: Iterable[tuple[str, str]], secrets: dict[str, str]) -> list[str]:
    """Where each secret occurs: "<secret name> in <where>" (never the secret)."""
    hits: list[str] = []
    for where, text in texts:
        for name, value in secrets.items():
            if value in text:
                hits.append(f"{name} in {where}")
    return hits


def finish() -> list[str]:
    logging.getLogger().removeHandler(RECORDER)
    texts = [*((f"a log line of {name}", text) for name, text in RECORDER.lines), *OUTPUTS]
    return [*find_secrets(texts, SECRETS), *find_phones(texts, fixture_phones()), *find_documents(texts, DOCUMENTS)]
