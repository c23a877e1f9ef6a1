"""The market for a process that serves many viewers (the API's GET /api/offers): each market
(a MarketQuery) and each viewer (their blocks, who trusts them, their statistics) is read from
the database at most once per ``seconds``, and a page is put together in memory.

A page may so be up to ``seconds`` old (the API also forgets the markets as soon as an offer
event reaches it). That is safe: taking an offer checks everything again, and a price that moved
is refused (``price_moved``) with the new quote."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from core.escrow.browse import Market, MarketQuery, OfferPage, Viewer, check_page, load_market, load_viewer

T = TypeVar("T")


class _Recent(OrderedDict[Hashable, tuple[float, T]]):
    """At most ``size`` values younger than ``seconds``, the least recently used dropped first."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    async def get_or_load(self, key: Hashable, seconds: float, clock: Callable[[], float],
                          load: Callable[[], Awaitable[T]]) -> T:  # fmt: skip
        hit = self.get(key)
        if hit is not None and clock() - hit[0] < seconds:
            self.move_to_end(key)
            return hit[1]
        taken = clock()
        value = await load()
        self[key] = (taken, value)
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)
        return value


class MarketCache:
    def __init__(self, seconds: float, *, markets: int = 256, viewers: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self.seconds = seconds
        self.clock = clock
        self._markets: _Recent[Market] = _Recent(markets)
        self._viewers: _Recent[Viewer] = _Recent(viewers)

    async def browse(self, session: AsyncSession, *, viewer_id: int, query: MarketQuery, offset: int = 0,
                     limit: int = 10) -> OfferPage:  # fmt: skip
        """As core.escrow.browse, from what was read in the last ``seconds``."""
        check_page(offset, limit)
        found = await self._markets.get_or_load(query, self.seconds, self.clock, lambda: load_market(session, query))
        viewer = await self._viewers.get_or_load(viewer_id, self.seconds, self.clock,
                                                 lambda: load_viewer(session, viewer_id))  # fmt: skip
        return found.page(viewer, offset=offset, limit=limit)

    def forget(self) -> None:
        """An offer changed: every market is read again."""
        self._markets.clear()

    def forget_viewer(self, user_id: int) -> None:
        """The viewer changed something (blocked someone, traded): read them again."""
        self._viewers.pop(user_id, None)
