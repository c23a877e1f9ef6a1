"""Photos in a trade's chat from the app: the upload becomes a file of the traders' bot (the sender
gets a copy in their chat with the bot), is stored as the trade's evidence and reaches the other
side in the bot; the app reads it back through the bot; a photo already sent in another trade is
flagged as the bot flags one; what is not a photo is refused with nothing stored or sent; in a
dispute a photo joins the sender's statement."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select, update

from core import events
from core.escrow.models import DisputeStatement, Trade, TradeMessage
from core.outbox import OutboxMessage
from sandbox.telegram import SimMessage
from tests.api.conftest import Api, fund, open_trade, png, post_form, post_photo, sell_offer
from tests.e2e.harness import TRADERS_TOKEN as T
from tests.e2e.harness import Market

HEADER = "Trade #{id} · the buyer writes:"


@pytest.fixture
async def bot_users(market: Market) -> AsyncIterator[Callable[..., Awaitable[Api]]]:
    """API clients of users who also started the bot (the upload goes into their chat with it)."""
    made: list[Api] = []

    async def client(name: str, *, lang: str = "en") -> Api:
        user = await market.newcomer(name, lang=lang, username=f"{name.lower()}{uuid.uuid4().hex[:6]}")
        api = Api(market, user)
        made.append(api)
        assert (await api.login()).status == 200
        return api

    yield client
    for api in made:
        await api.close()


async def get_photo(api: Api, trade_id: int, message_id: int) -> tuple[int, bytes, Any]:
    headers = {"Authorization": f"Bearer {api.token}"}
    url = f"{api.base}/api/trades/{trade_id}/messages/{message_id}/photo"
    async with api.http.get(url, headers=headers) as answer:
        return answer.status, await answer.read(), answer.headers


async def stored(market: Market, trade_id: int) -> list[TradeMessage]:
    async with market.session_factory() as s:
        rows = await s.execute(select(TradeMessage).where(TradeMessage.trade_id == trade_id).order_by(TradeMessage.id))
        return list(rows.scalars())


async def relayed(market: Market, trade_id: int) -> int:
    """The outbox rows that would relay a chat message of ``trade_id`` to the other side."""
    async with market.session_factory() as s:
        return int(await s.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.kind == events.kind_of(events.TradeChatMessage),
            OutboxMessage.payload["trade_id"].as_integer() == trade_id)) or 0)  # fmt: skip


def is_photo(header: str, *also: str) -> Callable[[SimMessage], bool]:
    return lambda m: bool(m.photo) and header in m.text and all(text in m.text for text in also)


async def test_a_photo_from_the_app_reaches_the_seller_in_the_bot(market: Market, bot_users: Any,
                                                                   clients: Any) -> None:  # fmt: skip
    seller, buyer = await bot_users("PhotoSeller"), await bot_users("PhotoBuyer")
    stranger = await clients("PhotoStranger")
    await fund(market.session_factory, seller.user.id, 150)
    offer = await sell_offer(seller)
    tid = await open_trade(buyer, offer["id"])
    receipt = png()

    status, message = await post_photo(buyer, tid, receipt, text="Paid <b>131,000</b> by ZainCash")
    assert status == 201, message
    assert (message["kind"], message["has_file"], message["reused"], message["mine"]) == ("photo", True, False, True)
    assert message["text"] == "Paid <b>131,000</b> by ZainCash"
    [row] = await stored(market, tid)
    assert row.id == message["id"] and row.sender_id == buyer.user.id and row.kind == "photo"
    assert row.file_unique_id == "sha256:" + hashlib.sha256(receipt).hexdigest()[:57]
    assert row.file_id is not None and market.tg.files[row.file_id].data == receipt  # the upload's largest size

    # The seller reads it in the bot: the photo itself, under the chat's header, the caption escaped.
    got = await seller.user.wait_for(T, match=is_photo(HEADER.format(id=tid), "Paid <b>131,000</b> by ZainCash"))
    assert market.tg.files[got.photo[-1]["file_id"]].data == receipt
    assert f"Open trade #{tid}" in str(got.buttons)
    # The buyer has their copy in their own chat with the bot.
    await buyer.user.wait_for(T, match=is_photo(f"Trade #{tid}: you sent this photo from the app."))

    for party in (buyer, seller):
        status, data, headers = await get_photo(party, tid, row.id)
        assert status == 200 and data == receipt
        assert headers["Content-Type"] == "image/png"
        assert headers["Cache-Control"].startswith("private, max-age=")
    _, chat = await seller.call("GET", f"/trades/{tid}/messages")
    assert [(m["kind"], m["has_file"], m["mine"]) for m in chat["items"]] == [("photo", True, False)]

    # Nobody else sees it; and a message is read only under its own trade.
    status, data, _ = await get_photo(stranger, tid, row.id)
    assert status == 404 and receipt not in data
    other = await open_trade(stranger, offer["id"])  # the seller is a party of both trades
    assert (await stranger.call("POST", f"/trades/{other}/messages", json={"text": "Hello"}))[0] == 201
    [text] = await stored(market, other)
    assert (await get_photo(seller, other, row.id))[0] == 404  # the photo, asked under the other trade
    assert (await get_photo(seller, tid, text.id))[0] == 404  # the other trade's message under this one
    assert (await get_photo(seller, other, text.id))[0] == 404  # a text has no photo


async def test_what_is_not_a_photo_is_refused_and_nothing_is_sent(market: Market, bot_users: Any,
                                                                  clients: Any) -> None:  # fmt: skip
    seller, buyer = await bot_users("RefuseSeller"), await bot_users("RefuseBuyer", lang="ar")
    await fund(market.session_factory, seller.user.id, 150)
    offer = await sell_offer(seller)
    tid = await open_trade(buyer, offer["id"])
    photos_before = len(market.tg.calls(T, "sendPhoto"))

    status, problem = await post_photo(buyer, tid, b"%PDF-1.7 not a photo at all", content_type="image/png")
    assert status == 422 and problem["code"] == "photo_not_image", problem
    assert "JPEG" in problem["detail"] and any("\u0600" <= ch <= "\u06ff" for ch in problem["detail"])  # Arabic
    oversized = b"\x89PNG\r\n\x1a\n" + bytes(10 * 1024 * 1024)
    status, problem = await post_photo(buyer, tid, oversized)
    assert status == 422 and problem["code"] == "photo_too_large" and problem["params"]["field"] == "photo"
    assert "١٠" in problem["detail"]  # "under 10 MB", in Arabic digits
    status, problem = await post_form(buyer, tid, aiohttp.MultipartWriter("form-data"))  # no parts at all
    assert status == 422 and (problem["code"], problem["params"]["field"]) == ("field_required", "photo")
    only_text = aiohttp.FormData()
    only_text.add_field("text", "a caption without its photo")
    only_text.add_field("photo", b"", filename="empty.png", content_type="image/png")
    status, problem = await post_form(buyer, tid, only_text)
    assert status == 422 and problem["code"] == "field_required"
    status, problem = await post_photo(buyer, tid, png(), text="😀" * 451)  # 902 UTF-16 units
    assert status == 422 and (problem["code"], problem["params"]["field"]) == ("caption_too_long", "text")

    assert await stored(market, tid) == [] and await relayed(market, tid) == 0
    assert len(market.tg.calls(T, "sendPhoto")) == photos_before  # no copy, no relay

    # A user who never started the bot has no chat to keep the photo in: told to start it.
    newcomer = await clients("NeverStarted")
    second = await open_trade(newcomer, offer["id"])
    status, problem = await post_photo(newcomer, second, png())
    assert status == 409 and problem["code"] == "photo_needs_bot", problem
    assert await stored(market, second) == [] and await relayed(market, second) == 0


async def test_the_same_receipt_in_a_second_trade_is_flagged(market: Market, bot_users: Any) -> None:
    seller = await bot_users("ReuseSeller")
    first_buyer, second_buyer = await bot_users("ReuseBuyerA"), await bot_users("ReuseBuyerB")
    await fund(market.session_factory, seller.user.id, 150)
    offer = await sell_offer(seller)
    first, second = await open_trade(first_buyer, offer["id"]), await open_trade(second_buyer, offer["id"])
    receipt = png()

    status, message = await post_photo(first_buyer, first, receipt)
    assert status == 201 and message["reused"] is False
    await seller.user.wait_for(T, match=is_photo(HEADER.format(id=first)))
    status, message = await post_photo(second_buyer, second, receipt, text="Here is my receipt")
    assert status == 201 and message["reused"] is True
    [row] = await stored(market, second)
    assert row.reused and row.file_unique_id == (await stored(market, first))[0].file_unique_id

    # The seller gets the photo, then the warning (the bot's own words for a recycled receipt).
    await seller.user.wait_for(T, match=is_photo(HEADER.format(id=second), "Here is my receipt"))
    await seller.user.wait_for(T, contains=f"#{second}: the photo the other side just sent was already sent in "
                                           "another trade")  # fmt: skip
    _, chat = await seller.call("GET", f"/trades/{second}/messages")
    assert [m["reused"] for m in chat["items"]] == [True]


async def test_in_a_dispute_a_photo_joins_the_senders_statement(market: Market, bot_users: Any) -> None:
    """As in the bot's chat: what a party sends while a moderator decides is part of their side."""
    seller, buyer = await bot_users("DisputeSeller"), await bot_users("DisputeBuyer")
    await fund(market.session_factory, seller.user.id, 150)
    tid = await open_trade(buyer, (await sell_offer(seller))["id"])
    assert (await buyer.call("PUT", f"/trades/{tid}/confirm", json={"action": "paid"}))[0] == 200
    async with market.session_factory() as s, s.begin():  # the time core waits before a dispute has passed
        await s.execute(update(Trade).where(Trade.id == tid).values(paid_at=datetime.now(UTC) - timedelta(hours=1)))
    status, trade = await seller.call("PUT", f"/trades/{tid}/dispute", json={"reason": "Nothing arrived"})
    assert status == 200 and trade["status"] == "disputed", trade

    status, message = await post_photo(buyer, tid, png(), text="The bank's receipt")
    assert status == 201, message
    [row] = await stored(market, tid)
    async with market.session_factory() as s:
        [statement] = (await s.execute(select(DisputeStatement).where(
            DisputeStatement.author_id == buyer.user.id))).scalars().all()  # fmt: skip
    assert (statement.text, statement.file_id) == ("The bank's receipt", row.file_id)
