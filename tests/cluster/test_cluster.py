"""Traders trade through nginx and two web workers while one is killed (kill -9 in the middle of
an update, then again from outside), restarted, and the other stopped with SIGTERM: Telegram
(the stand-in) retries what was not answered 200, so no update is lost; none is handled twice
(core.inbox); every trade's notifications go out once (the one worker's notifier); the
scheduler runs in the worker only; the ledger audit and the reconciliation hold."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from core.db import transaction
from core.escrow import offers as escrow_offers
from core.escrow.models import Side, Trade, TradeStatus
from core.money import MICRO, Asset, Fiat
from core.wallet.addressbook import deposit_address
from sandbox.telegram import SimMessage, SimUser
from tests.cluster.cluster import WEB, Cluster
from tests.cluster.conftest import FIGURES
from tests.conftest import new_id
from tests.faults.stack import Stack
from tests.faults.test_money_under_faults import available, eventually, send, trades_of
from tests.market.flows import pace

pytestmark = pytest.mark.timeout(900)

PAIRS = 3
MAX_TRADES = 5  # per pair: 50 USDT each, within a level-0 trader's day
SELLER_DEPOSIT = 300 * MICRO
OFFER = 250 * MICRO


async def ask(user: SimUser, stack: Stack, action: Callable[[], Awaitable[object]], expect: str,
              timeout: float = 90) -> SimMessage:  # fmt: skip
    """One tap or message, once (a person who sees nothing happen would tap again; this one
    does not: the answer must come whatever process dies meanwhile)."""
    await pace(user)
    await action()
    return await user.wait_for(stack.traders_token, contains=expect, timeout=timeout)


async def newcomer(stack: Stack, name: str) -> SimUser:
    user = stack.tg.add_user(name, language_code="en", user_id=new_id())
    bot = stack.traders_token
    await ask(user, stack, lambda: user.send(bot, "/start"), "Please choose your language")
    await ask(user, stack, lambda: user.press(bot, "English"), "KOXX P2P")
    return user


async def publish(stack: Stack, seller: SimUser, amount: int) -> int:
    async with transaction(stack.factory) as s:
        offer = await escrow_offers.publish_offer(s, maker_id=seller.id, draft=escrow_offers.OfferDraft(
            side=Side.SELL, asset=Asset.USDT, fiat=Fiat.IQD, amount=amount, min_fiat=Decimal(50_000),
            max_fiat=Decimal(262_000), payment_methods=("zaincash",), price=Decimal(1310)))  # fmt: skip
        return offer.id


async def open_trade(stack: Stack, buyer: SimUser, offer_id: int, fiat: str = "65500") -> int:
    bot = stack.traders_token
    await ask(buyer, stack, lambda: buyer.send(bot, f"/start offer_{offer_id}"), f"Offer #{offer_id}")
    await ask(buyer, stack, lambda: buyer.press(bot, "🤝 Trade"), "How much do you want to buy?")
    await ask(buyer, stack, lambda: buyer.send(bot, fiat), "Check before you confirm")
    opened = await ask(buyer, stack, lambda: buyer.press(bot, "Confirm and open the trade"), "Trade opened")
    return int(opened.text.split("Trade #")[1].split(" ")[0])


async def trade(stack: Stack, seller: SimUser, buyer: SimUser, offer_id: int) -> int:
    """Open, pay, release: 50 USDT for 65,500 IQD."""
    bot = stack.traders_token
    trade_id = await open_trade(stack, buyer, offer_id)
    await ask(buyer, stack, lambda: buyer.press(bot, "I have paid"), "Send a photo of your payment receipt")
    await ask(buyer, stack, lambda: buyer.press(bot, "Yes, I have paid"), "Marked as paid")
    paid = await seller.wait_for(bot, contains=f"Trade #{trade_id}", timeout=90,
                                 match=lambda m: "says the payment was sent" in m.text)  # fmt: skip
    await ask(seller, stack, lambda: seller.press(bot, "Release USDT", message=paid), "Release 50 USDT to the buyer?")
    await ask(seller, stack, lambda: seller.press(bot, "Yes, I received 65,500 IQD"), "You released 50 USDT")
    return trade_id


def sends(stack: Stack, chat_id: int, trade_id: int, headline: str) -> list[str]:
    """The new messages the bot sent ``chat_id`` about the trade with that headline (the card
    may be edited later by the reader's own taps: those are not counted)."""
    found = []
    for call in stack.tg.calls(stack.traders_token):
        params = call.params
        body = str(params.get("text") or params.get("caption") or "")
        if call.status == 200 and str(params.get("chat_id")) == str(chat_id) and headline in body \
                and f"Trade #{trade_id}</b>" in body and call.method.lower().startswith("send"):  # fmt: skip
            found.append(f"{call.method}: {body[:120]!r}")
    return found


async def test_no_update_lost_or_handled_twice_while_web_workers_die(cluster: Cluster) -> None:
    stack = cluster.stack
    bot = stack.traders_token
    bot_id = int(bot.split(":")[0])
    kills: dict[str, int] = {"kill -9 mid-update": 0, "kill -9": 0, "SIGTERM": 0}

    # Traders arrive through nginx; the sellers' coins come by deposit (chain, scanner, credit).
    sellers = await asyncio.gather(*(newcomer(stack, f"Seller{i}") for i in range(PAIRS)))
    buyers = await asyncio.gather(*(newcomer(stack, f"Buyer{i}") for i in range(PAIRS)))
    for seller in sellers:
        async with transaction(stack.factory) as s:
            address = await deposit_address(s, seller.id, stack.config.xpub)
        await send(stack, Asset.USDT, address, SELLER_DEPOSIT)
    await stack.finalize()

    async def funded() -> bool:
        return all([await available(stack, s.id, Asset.USDT) == SELLER_DEPOSIT for s in sellers])

    await eventually(funded, timeout=90, what="the sellers' deposits credited")
    offers = [await publish(stack, seller, OFFER) for seller in sellers]

    # web1 dies (kill -9 from inside) in the middle of the first "paid" it handles.
    await cluster.start_web("web1", crash_at="trade.paid.before_commit")
    chaos_done = asyncio.Event()

    async def chaos() -> None:
        try:
            code = await stack.procs["web1"].wait(120)
            assert code == -signal.SIGKILL, stack.procs["web1"].tail()
            kills["kill -9 mid-update"] += 1
        except TimeoutError:  # every "paid" went to web2: kill it from outside instead
            await stack.procs["web1"].kill()
            kills["kill -9"] += 1
        await cluster.start_web("web1")
        await asyncio.sleep(2)
        web2 = stack.procs["web2"]
        await web2.kill(signal.SIGTERM)  # graceful: finishes the updates in hand
        assert web2.proc is not None and web2.proc.returncode == 0, web2.tail()
        kills["SIGTERM"] += 1
        await cluster.start_web("web2")
        await asyncio.sleep(2)
        await stack.procs["web1"].kill()
        kills["kill -9"] += 1
        await cluster.start_web("web1")
        chaos_done.set()

    async def trades_of_pair(seller: SimUser, buyer: SimUser, offer_id: int) -> list[int]:
        done = [await trade(stack, seller, buyer, offer_id)]
        while not chaos_done.is_set() and len(done) < MAX_TRADES:
            done.append(await trade(stack, seller, buyer, offer_id))
        return done

    async with stack.mining():
        chaos_task = asyncio.create_task(chaos())
        traded = await asyncio.gather(*(trades_of_pair(*pair) for pair in zip(sellers, buyers, offers, strict=True)))
        await chaos_task

        # A trade left unpaid: its payment window ends and the worker's timer cancels it, once.
        expiring = await open_trade(stack, buyers[0], await publish(stack, sellers[0], 40 * MICRO), fiat="50000")
        async with transaction(stack.factory) as s:
            await s.execute(update(Trade).where(Trade.id == expiring).values(
                expires_at=datetime.now(UTC) - timedelta(minutes=1)))  # fmt: skip

        async def cancelled() -> bool:
            async with stack.factory() as s:
                return await s.scalar(select(Trade.status).where(Trade.id == expiring)) == TradeStatus.CANCELLED

        await eventually(cancelled, what="the unpaid trade cancelled by the worker's timer")
        await buyers[0].wait_for(bot, contains="The payment window ended", timeout=60)
        await sellers[0].wait_for(bot, contains="The payment window ended", timeout=60)
        await stack.tg.settle(bot, timeout=60)

    # No update lost: every update the stand-in made for the bot was answered 200 and committed.
    sim_bot = stack.tg.find_bot(bot)
    deliveries = stack.tg.deliveries(bot)
    sent = {d.update_id for d in deliveries} | {u["update_id"] for u in sim_bot.updates}
    answered = {d.update_id for d in deliveries if d.status == 200}
    failed_posts = sum(1 for d in deliveries if d.status != 200)
    handled = await cluster.handled(bot_id)
    lost = len(sent) - handled
    assert answered == sent and lost == 0, f"{len(sent)} sent, {len(answered)} answered, {handled} handled"

    # None handled twice: each trade opened once per confirmation, paid and released once, its
    # notifications sent once; the buyers hold exactly what they bought.
    repeats: list[str] = []
    for seller, buyer, trade_ids in zip(sellers, buyers, traded, strict=True):
        trades = [t for t in await trades_of(stack, buyer.id) if t.id != expiring]
        assert [t.id for t in trades] == trade_ids
        assert all(t.status == TradeStatus.COMPLETED for t in trades)
        assert await available(stack, buyer.id, Asset.USDT) == sum(t.buyer_receives for t in trades)
        for trade_id in trade_ids:
            for chat_id, headline in ((seller.id, "says the payment was sent"), (buyer.id, "The seller released the coins")):
                sent_to = sends(stack, chat_id, trade_id, headline)
                assert sent_to, f"trade {trade_id}: {headline!r} never reached {chat_id}"
                repeats += sent_to[1:]
    for chat_id in (buyers[0].id, sellers[0].id):
        assert sends(stack, chat_id, expiring, "The payment window ended"), "the expiry never reached a party"
        repeats += sends(stack, chat_id, expiring, "The payment window ended")[1:]
    duplicated = len(repeats)
    assert not repeats, "\n".join(repeats)

    # The scheduler runs in the worker only.
    assert cluster.log_lines("worker", "scheduler started") == 1
    assert all(cluster.log_lines(name, "scheduler started") == 0 for name in WEB)
    for name in ("worker", *WEB, "nginx"):
        assert stack.procs[name].alive, f"{name} is down:\n{stack.procs[name].tail()}"

    report = await stack.assert_reconciled()  # the ledger audit, the wallet against the chain
    statuses = cluster.nginx_statuses()
    skipped = sum(cluster.log_lines(name, "handled already: skipped") for name in WEB)
    n_trades = sum(len(t) for t in traded)
    FIGURES.append(
        f"cluster: {len(sent)} updates sent, {len(sent) - lost} handled, {lost} lost, {duplicated} duplicated; "
        f"{failed_posts} deliveries failed and were retried (nginx: {len(statuses)} requests, "
        f"{sum(1 for s in statuses if s >= 500)} answered 5xx), {skipped} redeliveries skipped as handled already; "
        f"{n_trades} trades completed + 1 expired by the worker, notifications each sent once; "
        f"kills survived: {sum(kills.values())} ({', '.join(f'{k} {v}' for k, v in kills.items())}); "
        f"reconciliation: {'OK' if report.ok else 'FAILED'}"
    )
    print(FIGURES[-1])
