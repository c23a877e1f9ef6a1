from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.harness import Market, running_market


@pytest.fixture
async def market(database_url: str, tmp_path: Path) -> AsyncIterator[Market]:
    async with running_market(database_url, tmp_path) as running:
        yield running
