"""Trader protection (issue 22) through the Telegram stand-in, on the marketplace's database and
fixtures (tests/market/conftest.py). Market settings a test changes are put back afterwards."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import delete

from core.db import make_engine, make_session_factory, transaction
from core.escrow.models import MarketSetting
from tests.market.conftest import market, market_db  # noqa: F401  (fixtures)


@pytest.fixture(autouse=True)
async def default_settings(market_db: str) -> AsyncIterator[None]:  # noqa: F811
    yield
    engine = make_engine(market_db)
    try:
        async with transaction(make_session_factory(engine)) as s:
            await s.execute(delete(MarketSetting))
    finally:
        await engine.dispose()
