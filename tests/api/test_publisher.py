"""The worker's publisher: outbox rows to the live stream in id order, never going past a row
whose transaction has not committed yet (its id was taken before a later row's)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.stream import MemoryStream, Publisher
from core import events, outbox
from core.db import transaction


def _offer(offer_id: int) -> events.OfferChanged:
    return events.OfferChanged(change="updated", offer_id=offer_id, maker_id=1, side="sell", asset="USDT", fiat="IQD",
                               price_type="fixed", price=Decimal(1310), amount=10**8, remaining=10**8,
                               min_fiat=Decimal(1000), max_fiat=Decimal(131000), payment_window=30, status="active")  # fmt: skip


async def test_a_late_commit_is_published_in_order_not_skipped(session_factory: async_sessionmaker[AsyncSession]) -> None:
    stream = MemoryStream()
    publisher = Publisher(session_factory, stream)
    await publisher.publish_due()  # a new stream starts after the rows already there
    async with transaction(session_factory) as s:
        outbox.emit(s, _offer(1), [outbox.OFFERS_CHANNEL])
    slow = session_factory()
    await slow.begin()
    outbox.emit(slow, _offer(2), [outbox.OFFERS_CHANNEL])
    await slow.flush()  # its id is taken, the commit comes later
    async with transaction(session_factory) as s:
        outbox.emit(s, _offer(3), [outbox.OFFERS_CHANNEL, outbox.user(77)])  # the maker's own row too
    await publisher.publish_due()
    assert [e.data["id"] for e in stream.items] == [1]  # offer 3 waits for the gap before it
    await slow.commit()
    await slow.close()
    await publisher.publish_due()
    assert [(e.event, e.data["id"], e.to) for e in stream.items] == [
        ("offer.updated", 1, "public"), ("offer.updated", 2, "public"), ("offer.updated", 3, "public")]
    assert [e.id for e in await stream.since(stream.items[0].id)] == [stream.items[1].id, stream.items[2].id]
