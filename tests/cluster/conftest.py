"""The cluster test's fixture and its figures, printed at the end of pytest's output and written
to test-artifacts/cluster.txt."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from tests.cluster.cluster import Cluster
from tests.conftest import REDIS_URL, Databases

ARTIFACT = Path(__file__).resolve().parents[2] / "test-artifacts" / "cluster.txt"
FIGURES: list[str] = []


@pytest.fixture
async def cluster(databases: Databases) -> AsyncIterator[Cluster]:
    running = Cluster(await databases.create("koxx_cluster"), REDIS_URL)
    try:
        await running.start()
        yield running
    finally:
        await running.close()
        client = aioredis.from_url(REDIS_URL)
        try:
            async for key in client.scan_iter(match=f"{running.stack.env.get('REDIS_PREFIX', uuid.uuid4().hex)}*"):
                await client.delete(key)
        finally:
            await client.aclose()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not FIGURES:
        return
    for line in FIGURES:
        terminalreporter.write_line(line)
    ARTIFACT.parent.mkdir(exist_ok=True)
    ARTIFACT.write_text("\n".join(FIGURES) + "\n")
