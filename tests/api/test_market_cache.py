"""GET /api/offers reads each market at most once per API_MARKET_SECONDS per web worker, and an
offer event forgets it at once: with a minute's cache, a new offer and a paused one still show
(or go) within moments, through the outbox → stream → hub path alone."""

from __future__ import annotations

import uuid
from pathlib import Path

from core import escrow
from tests.api.conftest import Api, close_all_offers, fund, sell_offer
from tests.e2e.harness import eventually, running_market


async def test_an_offer_event_refreshes_the_cached_market(market_db: str, tmp_path: Path) -> None:
    async with running_market(market_db, tmp_path, api_market_seconds=60) as market:
        maker, trader = (Api(market, market.user(name, lang="en", username=f"{name}{uuid.uuid4().hex[:6]}"))
                         for name in ("maker", "trader"))  # fmt: skip
        try:
            for api in (maker, trader):
                assert (await api.login()).status == 200
            await fund(market.session_factory, maker.user.id, 150)

            async def listed() -> list[int]:
                status, page = await trader.call("GET", "/offers")
                assert status == 200, page
                return [o["id"] for o in page["items"]]

            assert await listed() == []  # the market is read and kept for a minute
            offer = await sell_offer(maker)

            async def shown() -> bool:
                return offer["id"] in await listed()

            await eventually(shown)  # offer.created forgot the market
            async with market.session_factory() as s, s.begin():  # as the bot pauses it
                await escrow.pause_offer(s, offer_id=offer["id"], actor_id=maker.user.id)

            async def gone() -> bool:
                return offer["id"] not in await listed()

            await eventually(gone)  # offer.updated too
        finally:
            for api in (maker, trader):
                await api.close()
    await close_all_offers(market_db)
