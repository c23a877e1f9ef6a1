"""Messages reaching people through Telegram: a trade chat message of any length Telegram lets a
user send reaches the counterpart whole; a user who blocked the bot and came back hears from it
again; a channel Telegram holds back (429) does not hold back anyone else's notifications."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from core import events, outbox
from core.db import transaction
from core.money import MICRO
from core.outbox import OutboxMessage
from core.users import User
from sandbox.telegram import SimUser
from tests.conftest import new_id
from tests.e2e.harness import ADMIN_TOKEN, Market, eventually, running_market
from tests.market.conftest import close_all_offers
from tests.market.flows import T, open_trade, send, send_photo


async def _relayed(seller: SimUser, after: int, header: str, expected: str) -> None:
    """The seller's chat, after message ``after``, shows ``expected`` whole, in one or more
    messages that each start with the relay's header."""

    async def whole() -> bool:
        pieces = [m.text for m in seller.chat(T) if m.from_bot and m.message_id > after and m.text.startswith(header)]
        return "".join(p.removeprefix(header + "\n") for p in pieces) == expected

    await eventually(whole, timeout=10)


def _last_id(user: SimUser) -> int:
    return max(m.message_id for m in user.chat(T))


async def test_long_messages_and_captions_reach_the_counterpart_whole(market: Market) -> None:
    seller = await market.newcomer("Samir", lang="en")
    buyer = await market.newcomer("Bilal", lang="en")
    _, trade_id = await open_trade(market, seller, buyer)
    await seller.wait_for(T, contains="New trade on your offer")
    header = f"💬 Trade #{trade_id} · the buyer writes:"

    # 4,096 characters, each escaped to 4 or 5 (&amp; &lt;): the most a user can send.
    markup = "&<" * 2048
    after = _last_id(seller)
    await send(buyer, markup)
    await _relayed(seller, after, header, markup)

    # Arabic with spaces, as long as Telegram allows.
    arabic = ("حوّلت المبلغ & أرسلت الإيصال <الآن> ، " * 200)[:4096].strip()
    after = _last_id(seller)
    await send(buyer, arabic)
    await _relayed(seller, after, header, arabic)

    # A photo with the longest caption Telegram allows, full of &.
    caption = "R&D " * 255 + "&end"
    assert len(caption) == 1024
    after = _last_id(seller)
    await send_photo(buyer, b"\xff\xd8 receipt", caption=caption)
    await _relayed(seller, after, header, caption)
    photo = next(m for m in seller.chat(T) if m.message_id > after and m.photo)
    assert photo.text.startswith(header)

    assert not [m for m in buyer.chat(T) if "cannot receive messages" in m.text]
    assert [m for m in seller.chat(T) if m.message_id > after][-1].buttons == [[f"Open trade #{trade_id}"]]


async def _notify(market: Market, user: SimUser, reason: str) -> None:
    async with transaction(market.session_factory) as s:
        outbox.emit(s, events.AccountUnfrozen(user_id=user.id, reason=reason), [outbox.user(user.id)])
    market.runtime.wake_notifier.set()


async def _rows_settled(market: Market, recipient: str) -> bool:
    async with market.session_factory() as s:
        pending = select(OutboxMessage.id).where(
            OutboxMessage.recipient == recipient,
            OutboxMessage.delivered_at.is_(None),
            OutboxMessage.failed_at.is_(None),
        )
        return (await s.execute(pending)).first() is None


async def _blocked(market: Market, user: SimUser) -> bool:
    async with market.session_factory() as s:
        return bool((await s.get(User, user.id, populate_existing=True)).bot_blocked)  # type: ignore[union-attr]


async def test_rows_the_previous_release_queued_are_delivered_after_the_upgrade(market: Market) -> None:
    """At deploy time the outbox holds rows in the old shapes (a string kind, a dict payload):
    they read as their event; a row nothing can read is given up, and holds back nothing."""
    layla = await market.newcomer("Layla", lang="en")
    async with transaction(market.session_factory) as s:
        s.add(OutboxMessage(kind="trade.teleported", recipient=outbox.user(layla.id), payload={}))
        s.add(OutboxMessage(kind="account.unfrozen", recipient=outbox.user(layla.id),
                            payload={"user_id": layla.id, "reason": "queued before the upgrade"}))  # fmt: skip
    market.runtime.wake_notifier.set()
    told = await layla.wait_for(T, contains="queued before the upgrade")
    assert told.text.startswith("Your account is active again.")

    async def given_up() -> bool:
        async with market.session_factory() as s:
            row = await s.scalar(select(OutboxMessage).where(OutboxMessage.kind == "trade.teleported",
                                                             OutboxMessage.recipient == outbox.user(layla.id)))  # fmt: skip
        return row is not None and row.failed_at is not None and (row.last_error or "").startswith("unreadable")

    await eventually(given_up)


async def test_a_user_who_blocked_the_bot_and_came_back_hears_from_it_again(market: Market) -> None:
    nadia = await market.newcomer("Nadia", lang="en")
    market.tg.block(nadia, T)
    await eventually(lambda: _blocked(market, nadia))  # Telegram tells the bot (my_chat_member: kicked)
    await _notify(market, nadia, "while blocked")
    await eventually(lambda: _rows_settled(market, outbox.user(nadia.id)))
    assert not [m for m in nadia.chat(T) if "while blocked" in m.text]

    # She restarts the bot.
    after = _last_id(nadia)
    await nadia.send(T, "/start")
    await nadia.wait_for(T, match=lambda m: m.from_bot and m.message_id > after)
    await _notify(market, nadia, "welcome back")
    await nadia.wait_for(T, contains="welcome back")
    assert not await _blocked(market, nadia)


async def test_a_flooded_channel_does_not_hold_back_a_traders_notice(market: Market) -> None:
    retry_after = 5
    trader = await market.newcomer("Tariq", lang="en")
    channel = market.payments_channel
    market.tg.rate_limit(T, n=1, retry_after=retry_after, chat=channel)

    def channel_calls() -> list:  # type: ignore[type-arg]
        return [c for c in market.tg.calls(T, "sendMessage") if str(c.params.get("chat_id")) == str(channel.id)]

    async with transaction(market.session_factory) as s:
        credited = events.DepositCredited(deposit_id=1, user_id=trader.id, asset="USDT", amount=25 * MICRO, txid="t")
        outbox.emit(s, credited, [outbox.PAYMENTS_CHANNEL])
    market.runtime.wake_notifier.set()

    async def refused() -> bool:
        return [c.status for c in channel_calls()] == [429]

    await eventually(refused)
    limited = channel_calls()[0]

    # Within the channel's retry_after, the trader's notice goes.
    await _notify(market, trader, "checked by the admins")
    await trader.wait_for(T, contains="checked by the admins")
    notice = next(c for c in market.tg.calls(T, "sendMessage")
                  if c.status == 200 and "checked by the admins" in str(c.params.get("text")))  # fmt: skip
    assert notice.at < limited.at + retry_after
    assert market.tg.channel_posts(channel) == []
    assert not await _rows_settled(market, outbox.PAYMENTS_CHANNEL)  # still in the outbox

    # The channel's post goes once its retry_after has passed, once.
    await eventually(lambda: _rows_settled(market, outbox.PAYMENTS_CHANNEL), timeout=retry_after + 10)
    assert [c.status for c in channel_calls()] == [429, 200]
    assert channel_calls()[1].at >= limited.at + retry_after
    assert len(market.tg.channel_posts(channel)) == 1


async def test_a_429_for_one_staff_member_sends_the_others_nothing_twice(market_db: str, tmp_path: Path) -> None:
    hana_id, omar_id = new_id(), new_id()
    async with running_market(market_db, tmp_path, admin_ids=[hana_id, omar_id]) as market:
        hana = market.tg.add_user("Hana", user_id=hana_id)
        omar = market.tg.add_user("Omar", user_id=omar_id)
        for staff in (hana, omar):
            market.tg.start_chat(staff, ADMIN_TOKEN)
        await eventually(lambda: _rows_settled(market, outbox.ADMINS), timeout=10)  # what earlier tests left
        market.tg.rate_limit(ADMIN_TOKEN, n=1, retry_after=1, chat=omar)
        async with transaction(market.session_factory) as s:
            outbox.emit(s, events.MarketSettingChanged(name="maker_fee_pct", value="0.3"), [outbox.ADMINS])
        market.runtime.wake_notifier.set()

        await eventually(lambda: _rows_settled(market, outbox.ADMINS), timeout=10)
        for staff in (hana, omar):
            assert len([m for m in staff.chat(ADMIN_TOKEN) if "maker_fee_pct" in m.text]) == 1
        to_omar = [c.status for c in market.tg.calls(ADMIN_TOKEN, "sendMessage")
                   if str(c.params.get("chat_id")) == str(omar.id) and "maker_fee_pct" in str(c.params["text"])]  # fmt: skip
        assert to_omar == [429, 200]
    await close_all_offers(market_db)
