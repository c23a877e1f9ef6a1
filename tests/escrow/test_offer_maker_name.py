"""The offers channel's post names the maker (issue 21): every OfferChanged the channel gets
carries the maker's nickname, the post shows it under its headline in both languages, and the
post rebuilt after a take still has it."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from bot.notifications import escrow as notifications
from botkit.rendering import Recipient
from core import escrow, events
from core.accounts import names
from core.events import OfferChanged
from core.users import User
from tests.escrow.conftest import World
from tests.rendering import render_row

CHANNEL_EN, CHANNEL_AR = Recipient("channel", -100, "en"), Recipient("channel", -100, "ar")


@pytest.fixture(autouse=True)
def bot_known(monkeypatch: pytest.MonkeyPatch) -> None:
    """The post's button links to the bot by username (learnt from Telegram when the bot starts)."""
    monkeypatch.setattr(notifications, "_BOT_USERNAME", ["koxx_p2p_bot"])


async def test_the_offers_channel_post_names_the_maker_by_nickname(world: World) -> None:
    seller, buyer = await world.user(username="seller_basra"), await world.user()
    nickname = f"Falcon{seller % 100000}"
    async with world.tx() as s:
        await names.set_nickname(s, user_id=seller, nickname=nickname)
    offer = await world.sell_offer(seller)
    async with world.tx() as s:
        await escrow.take(s, offer_id=offer.id, taker_id=buyer, fiat_amount=Decimal("131000"),
                          payment_method="zaincash")  # fmt: skip

    rows = [m for m in await world.outbox(OfferChanged, offer_id=offer.id) if m.recipient == "channel:offers"]
    assert [(m.payload["change"], m.payload["maker_name"]) for m in rows] == [
        ("published", nickname), ("updated", nickname)]  # fmt: skip
    en = render_row(events.kind_of(OfferChanged), rows[-1].payload, CHANNEL_EN)
    ar = render_row(events.kind_of(OfferChanged), rows[-1].payload, CHANNEL_AR)
    assert en is not None and ar is not None
    assert en.text.split("\n")[1] == f"Trader: \u2068{nickname}\u2069"
    assert ar.text.split("\n")[1] == f"المتداول: \u2068{nickname}\u2069"
    assert en.text.split("\n")[0].startswith(f"<b>Offer #{offer.id}</b>")


async def test_a_maker_without_a_nickname_is_named_by_the_one_given_not_by_the_username(world: World) -> None:
    seller = await world.user(username="karim_no_nick")
    offer = await world.sell_offer(seller)
    async with world.tx() as s:
        given = (await s.get(User, seller)).nickname  # type: ignore[union-attr]
    [row] = [m for m in await world.outbox(OfferChanged, offer_id=offer.id) if m.recipient == "channel:offers"]
    post = render_row(events.kind_of(OfferChanged), row.payload, CHANNEL_EN)
    assert given is not None and re.fullmatch(r"trader_\d{6}", given)
    assert post is not None and f"\nTrader: \u2068{given}\u2069\n" in post.text
    assert "karim_no_nick" not in post.text
