"""Fault-suite fixtures: the wallet fixtures (a fresh database, a local TRON node) for the
reconciliation tests, the whole stack (tests/faults/stack.py) for the fault runs, and the
summary line of what was injected and survived."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.faults.stack import INJECTED, Stack, summary
from tests.wallet.conftest import config, fresh_factory, node, sleeps, tron  # noqa: F401

ARTIFACT = Path(__file__).resolve().parents[2] / "test-artifacts" / "faults.txt"


@pytest.fixture(scope="module")
async def stack() -> AsyncIterator[Stack]:
    running = Stack()
    try:
        await running.start()
        yield running
    finally:
        await running.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not INJECTED:
        return
    line = summary()
    terminalreporter.write_line(line)
    ARTIFACT.parent.mkdir(exist_ok=True)
    ARTIFACT.write_text(line + "\n")
