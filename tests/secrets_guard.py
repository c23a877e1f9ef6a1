"""The suite-wide guard: no known secret in any log line.

For the whole session a handler on the root logger keeps every line logged (message and
traceback) at INFO and above; tests that run processes hand their output in (``add_output``),
and tests that make secrets of their own name them (``register``). At the end of the session
``find_secrets`` looks for every known secret in all of it, and a hit fails the run
(tests/conftest.py), printing where it was seen but never the secret itself.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

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
    texts = [(f"a log line of {name}", text) for name, text in RECORDER.lines]
    return find_secrets([*texts, *OUTPUTS], SECRETS)
