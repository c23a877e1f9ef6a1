"""The money paths under faults, on the real processes (tests/faults/stack.py): kill -9 at every
crash point of deposits, withdrawals, sweeps and trades (core/faults.py), a TRON backend that
errs, lags or forks, Telegram answering 429 and 403, Redis and PostgreSQL restarted mid-run.
After each run the reconciliation (core/wallet/reconcile.py) holds exactly: no money created or
lost, no second send, every deposit credited once.

The tests run in order on one stack (module scope) and build on each other's users.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from core import users
from core.db import transaction
from core.escrow import offers as escrow_offers
from core.escrow.models import Offer, Side, Trade, TradeStatus
from core.ledger import AccountRef, balance
from core.money import MICRO, Asset, Fiat
from core.wallet.addressbook import deposit_address
from core.wallet.models import Deposit, DepositStatus, Sweep, SweepStatus, Withdrawal, WithdrawalStatus
from sandbox.telegram import SimMessage, SimUser
from tests.conftest import new_id
from tests.faults.stack import CONFIRMATIONS, INJECTED, ROOT, Proc, Stack, injected, survived
from tests.market.flows import pace

pytestmark = pytest.mark.timeout(600)

DEPOSIT_POINTS = [
    "deposit.detected.before_commit",
    "deposit.detected.after_commit",
    "deposit.confirmed.before_credit",
    "deposit.credited.before_commit",
    "deposit.credited.after_commit",
]
KILL = "kill -9"


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 60, what: str = "condition") -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what}: not reached within {timeout}s")
        await asyncio.sleep(0.3)


async def new_user(stack: Stack) -> tuple[int, str]:
    """A registered user (core service) and their deposit address."""
    uid = new_id()
    async with transaction(stack.factory) as s:
        await users.register(s, user_id=uid, username=None, first_name=f"u{uid}")
        address = await deposit_address(s, uid, stack.config.xpub)
    return uid, address


async def available(stack: Stack, uid: int, asset: Asset) -> int:
    async with stack.factory() as s:
        return await balance(s, AccountRef.user(uid), asset)


async def credited(stack: Stack, uid: int) -> list[tuple[str, int]]:
    async with stack.factory() as s:
        rows = await s.execute(
            select(Deposit.asset, Deposit.amount).where(
                Deposit.user_id == uid, Deposit.status == DepositStatus.CREDITED
            )
        )
        return sorted(rows.tuples())


async def send(stack: Stack, asset: Asset, to: str, amount: int) -> str:
    action = "send_usdt" if asset == Asset.USDT else "send_trx"
    return str((await stack.control(action, to=to, amount=amount))["txid"])


async def crash_run(stack: Stack, crash_at: str, *args: str, tries: int = 4) -> None:
    """Run a step with a crash point until the point kills it (mining a block between tries)."""
    for _ in range(tries):
        if await stack.step(*args, crash_at=crash_at) < 0:
            injected(KILL)
            return
        await stack.mine(1)
    raise AssertionError(f"crash point {crash_at} was never reached by {args}")


# ---- deposits ---------------------------------------------------------------------------------


async def test_deposits_are_credited_once_whatever_step_the_scanner_dies_at(stack: Stack) -> None:
    uid, address = await new_user(stack)
    expected: list[tuple[str, int]] = []
    kills = 0
    for round_, assets in enumerate([(Asset.USDT,), (Asset.TRX,), (Asset.USDT, Asset.TRX)]):
        for i, asset in enumerate(assets):
            amount = (20 + round_ * 3 + i) * MICRO + 123
            await send(stack, asset, address, amount)
            expected.append((str(asset), amount))
        await stack.mine(1)
        for point in DEPOSIT_POINTS:
            if point == "deposit.confirmed.before_credit":
                await stack.finalize()
            await crash_run(stack, point, "scan")
            kills += 1
        await stack.step("scan")
    assert await credited(stack, uid) == sorted(expected)
    for asset in Asset:
        assert await available(stack, uid, asset) == sum(a for name, a in expected if name == asset)
    await stack.assert_reconciled()
    survived(KILL, kills)


# ---- sweeps -------------------------------------------------------------------------------------


async def sweeps(stack: Stack, uid: int) -> list[Sweep]:
    async with stack.factory() as s:
        return list(await s.scalars(select(Sweep).where(Sweep.user_id == uid).order_by(Sweep.id)))


async def funded_user(stack: Stack, usdt: int, trx: int = 0) -> tuple[int, str]:
    uid, address = await new_user(stack)
    await send(stack, Asset.USDT, address, usdt)
    if trx:
        await send(stack, Asset.TRX, address, trx)
    await stack.finalize()
    await stack.step("scan")
    assert await available(stack, uid, Asset.USDT) == usdt
    return uid, address


async def test_a_sweep_moves_each_deposit_once_whatever_step_the_sweeper_dies_at(stack: Stack) -> None:
    """(Before the withdrawal tests: their users would be sweep candidates too.)"""
    uid, address = await funded_user(stack, 150 * MICRO)
    await crash_run(stack, "sweep.gas.after_send", "sweep")
    await stack.mine(1)
    await crash_run(stack, "sweep.usdt.after_send", "sweep")
    await stack.finalize()
    await crash_run(stack, "sweep.done.before_commit", "sweep")
    await stack.step("sweep")
    [sweep] = await sweeps(stack, uid)
    assert (sweep.status, sweep.amount) == (SweepStatus.DONE, 150 * MICRO)
    assert (await stack.control("balance", address=address))["usdt"] == 0
    assert len(await arrivals(stack, address)) == 2  # the deposit and the gas, nothing more

    # Killed before the gas or the sweep transaction was broadcast: the sweep waits (it gives up
    # after sweeper.GIVE_UP_AFTER and starts again); nothing is sent twice, nobody's balance moves.
    stuck_gas, gas_address = await funded_user(stack, 120 * MICRO)
    await crash_run(stack, "sweep.gas.before_send", "sweep")
    stuck_send, send_address = await funded_user(stack, 110 * MICRO, trx=60 * MICRO)
    await crash_run(stack, "sweep.usdt.before_send", "sweep")
    await stack.step("sweep")
    await stack.finalize()
    await stack.step("sweep")
    assert [s.status for s in await sweeps(stack, stuck_gas)] == [SweepStatus.GAS_SENT]
    assert [s.status for s in await sweeps(stack, stuck_send)] == [SweepStatus.SENT]
    assert (await stack.control("balance", address=gas_address))["usdt"] == 120 * MICRO
    assert (await stack.control("balance", address=send_address))["usdt"] == 110 * MICRO
    assert await available(stack, stuck_gas, Asset.USDT) == 120 * MICRO
    await stack.assert_reconciled()
    survived(KILL, 5)


# ---- withdrawals ------------------------------------------------------------------------------


async def withdrawal(stack: Stack, key: str) -> Withdrawal | None:
    async with stack.factory() as s:
        return await s.scalar(select(Withdrawal).where(Withdrawal.client_key == key))


async def arrivals(stack: Stack, address: str) -> list[dict[str, object]]:
    found = (await stack.control("transactions", address=address))["transactions"]
    return [t for t in found if t["to"] == address and t["result"] == "SUCCESS"]


@pytest.mark.parametrize("asset", [Asset.USDT, Asset.TRX])
async def test_withdrawals_are_sent_once_whatever_step_the_sender_dies_at(stack: Stack, asset: Asset) -> None:
    uid, address = await new_user(stack)
    await send(stack, asset, address, 200 * MICRO)
    await stack.finalize()
    await stack.step("scan")
    assert await available(stack, uid, asset) == 200 * MICRO
    dest = (await stack.control("outside_address", label=f"dest-{uid}"))["address"]
    amount, fee = 15 * MICRO, stack.config.withdrawal_fee[asset]
    first, second = f"w1-{uid}", f"w2-{uid}"
    withdraw = ("withdraw", str(uid), str(asset), str(amount), dest)

    async def status(key: str) -> str | None:
        w = await withdrawal(stack, key)
        return None if w is None else w.status

    await crash_run(stack, "withdrawal.requested.before_commit", *withdraw, first)
    assert await status(first) is None and await available(stack, uid, asset) == 200 * MICRO
    await stack.step(*withdraw, first)
    assert await status(first) == WithdrawalStatus.APPROVED
    await crash_run(stack, "withdrawal.signed.before_commit", "send")
    assert await status(first) == WithdrawalStatus.APPROVED
    await crash_run(stack, "withdrawal.signed.after_commit", "send")
    assert await status(first) == WithdrawalStatus.SIGNED
    await crash_run(stack, "withdrawal.broadcast.before_commit", "send")  # the follow-up broadcasts again
    await stack.step("send")
    assert await status(first) == WithdrawalStatus.BROADCAST
    await stack.step(*withdraw, second)
    await crash_run(stack, "withdrawal.broadcast.after_send", "send")
    assert await status(second) == WithdrawalStatus.SIGNED
    await stack.step("send")
    assert await status(second) == WithdrawalStatus.BROADCAST
    await stack.finalize()
    await crash_run(stack, "withdrawal.confirmed.before_commit", "send")
    await crash_run(stack, "withdrawal.confirmed.after_commit", "send")
    await stack.step("send")
    assert (await status(first), await status(second)) == (WithdrawalStatus.SENT, WithdrawalStatus.SENT)
    sent = await arrivals(stack, dest)
    assert [(t["asset"], t["amount"]) for t in sent] == [(str(asset), amount)] * 2
    assert {t["txid"] for t in sent} == {(await withdrawal(stack, k)).txid for k in (first, second)}  # type: ignore[union-attr]
    assert await available(stack, uid, asset) == 200 * MICRO - 2 * (amount + fee)
    await stack.assert_reconciled()
    survived(KILL, 7)


# ---- the real processes: trades through the bot, and the worker killed mid-step -----------------


async def died(proc: Proc, what: str, timeout: float = 60) -> None:
    """Wait until a crash point killed ``proc``."""
    try:
        code = await proc.wait(timeout)
    except TimeoutError:
        raise AssertionError(f"{what}: the crash point was never reached\n{proc.tail()}") from None
    assert code == -9, f"{what}: exited with {code}\n{proc.tail()}"
    injected(KILL)


async def act(user: SimUser, stack: Stack, action: Callable[[], Awaitable[object]], expect: str,
              *, tries: int = 3, timeout: float = 25) -> SimMessage:  # fmt: skip
    """Do what a person would (press, type) and wait for the bot's answer; a person whose
    answer never came (the process died with their update) does it again."""
    for attempt in range(tries):
        await pace(user)
        await action()
        try:
            return await user.wait_for(stack.traders_token, contains=expect, timeout=timeout)
        except AssertionError:
            if attempt == tries - 1:
                raise
    raise AssertionError("unreachable")


async def newcomer(stack: Stack, name: str) -> SimUser:
    user = stack.tg.add_user(name, language_code="en", user_id=new_id())
    bot = stack.traders_token
    await act(user, stack, lambda: user.send(bot, "/start"), "Please choose your language", timeout=40)
    await act(user, stack, lambda: user.press(bot, "English"), "KOXX P2P")
    return user


async def trades_of(stack: Stack, buyer_id: int) -> list[Trade]:
    async with stack.factory() as s:
        return list(await s.scalars(select(Trade).where(Trade.buyer_id == buyer_id).order_by(Trade.id)))


async def test_trades_through_the_bot_and_the_worker_survive_kill_9(stack: Stack) -> None:
    bot = stack.traders_token
    worker = await stack.start_app("worker", crash_at="deposit.credited.before_commit")
    await stack.start_app("web", crash_at="trade.take.before_commit")
    seller, buyer = await newcomer(stack, "Seller"), await newcomer(stack, "Buyer")
    async with transaction(stack.factory) as s:
        seller_address = await deposit_address(s, seller.id, stack.config.xpub)
    await send(stack, Asset.USDT, seller_address, 300 * MICRO)
    await stack.finalize()
    await died(worker, "worker at deposit.credited.before_commit")
    worker = await stack.start_app("worker", crash_at="withdrawal.broadcast.after_send")

    async def seller_funded() -> bool:
        return await available(stack, seller.id, Asset.USDT) == 300 * MICRO

    await eventually(seller_funded, what="the seller's deposit credited after the restart")
    await seller.wait_for(bot, contains="Deposit of 300 USDT credited", timeout=30)
    dest = (await stack.control("outside_address", label="seller-bank"))["address"]
    await stack.step("withdraw", str(seller.id), "USDT", str(20 * MICRO), dest, "seller-w")
    await died(worker, "worker at withdrawal.broadcast.after_send")
    async with stack.mining():  # the withdrawal reaches a block while the trade goes on
        await _trade_while_the_web_process_dies(stack, seller, buyer, dest)


async def _trade_while_the_web_process_dies(stack: Stack, seller: SimUser, buyer: SimUser, dest: str) -> None:
    bot = stack.traders_token
    web = stack.procs["web"]
    worker = await stack.start_app("worker", crash_at="trade.expiry.before_commit")

    async with transaction(stack.factory) as s:
        offer = await escrow_offers.publish_offer(s, maker_id=seller.id, draft=escrow_offers.OfferDraft(
            side=Side.SELL, asset=Asset.USDT, fiat=Fiat.IQD, amount=200 * MICRO, min_fiat=Decimal(50_000),
            max_fiat=Decimal(262_000), payment_methods=("zaincash",), price=Decimal(1310)))  # fmt: skip
        offer_id = offer.id

    # take: the web process dies inside the update; Telegram delivers it again to the new one,
    # which handles it (its first attempt committed nothing: core.inbox has no row for it)
    await act(buyer, stack, lambda: buyer.send(bot, f"/start offer_{offer_id}"), f"Offer #{offer_id}")
    await act(buyer, stack, lambda: buyer.press(bot, "🤝 Trade"), "How much do you want to buy?")
    await act(buyer, stack, lambda: buyer.send(bot, "131000"), "Check before you confirm")
    await buyer.press(bot, "Confirm and open the trade")
    await died(web, "web at trade.take.before_commit")
    web = await stack.start_app("web", crash_at="trade.paid.before_commit")
    opened = await buyer.wait_for(bot, contains="Trade opened", timeout=40)
    trade_id = int(opened.text.split("Trade #")[1].split(" ")[0])
    assert [t.id for t in await trades_of(stack, buyer.id)] == [trade_id]

    await act(buyer, stack, lambda: buyer.press(bot, "I have paid"), "Send a photo of your payment receipt")
    await buyer.press(bot, "Yes, I have paid")
    await died(web, "web at trade.paid.before_commit")
    web = await stack.start_app("web", crash_at="trade.release.before_commit")
    await buyer.wait_for(bot, contains="Marked as paid", timeout=40)
    paid = await seller.wait_for(bot, contains="says the payment was sent", timeout=40)
    await act(seller, stack, lambda: seller.press(bot, "Release USDT", message=paid), "Release 100 USDT to the buyer?")
    await seller.press(bot, "Yes, I received 131,000 IQD")
    await died(web, "web at trade.release.before_commit")
    web = await stack.start_app("web")
    await seller.wait_for(bot, contains="You released 100 USDT", timeout=40)
    [trade] = await trades_of(stack, buyer.id)
    assert trade.status == TradeStatus.COMPLETED
    assert await available(stack, buyer.id, Asset.USDT) == trade.buyer_receives

    # expiry: a second trade whose payment window ends; the worker dies refunding it
    await act(buyer, stack, lambda: buyer.send(bot, f"/start offer_{offer_id}"), f"Offer #{offer_id}")
    await act(buyer, stack, lambda: buyer.press(bot, "🤝 Trade"), "How much do you want to buy?")
    await act(buyer, stack, lambda: buyer.send(bot, "65500"), "Check before you confirm")
    await act(buyer, stack, lambda: buyer.press(bot, "Confirm and open the trade"), "Trade opened")
    _first, second = await trades_of(stack, buyer.id)
    async with stack.factory() as s:
        remaining = (await s.get(Offer, offer_id)).remaining  # type: ignore[union-attr]
    async with transaction(stack.factory) as s:
        await s.execute(update(Trade).where(Trade.id == second.id).values(
            expires_at=datetime.now(UTC) - timedelta(minutes=1)))  # fmt: skip
    await died(worker, "worker at trade.expiry.before_commit")
    await stack.start_app("worker")

    async def expired() -> bool:
        return (await trades_of(stack, buyer.id))[1].status == TradeStatus.CANCELLED

    await eventually(expired, what="the expired trade refunded after the restart")
    async with stack.factory() as s:
        assert (await s.get(Offer, offer_id)).remaining == remaining + second.crypto_amount  # type: ignore[union-attr]

    async def withdrawn() -> bool:
        return (await withdrawal(stack, "seller-w")).status == WithdrawalStatus.SENT  # type: ignore[union-attr]

    await eventually(withdrawn, what="the seller's withdrawal confirmed")
    assert len(await arrivals(stack, dest)) == 1
    await stack.assert_reconciled()
    survived(KILL, 6)


# ---- the TRON backend, Telegram, Redis and PostgreSQL misbehaving under the running processes ---


class Faults:
    """Faults of this test, counted as survived only when the test ends reconciled."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def add(self, kind: str, n: int = 1) -> None:
        if n > 0:
            injected(kind, n)
            self.counts[kind] = self.counts.get(kind, 0) + n

    def all_survived(self) -> None:
        for kind, n in self.counts.items():
            survived(kind, n)


async def node_errors(stack: Stack, faults: Faults, status: int, n: int, *, retry_after_0: bool = False) -> None:
    """The next ``n`` requests to the node answer ``status`` (whoever makes them); the client
    backs off 0.5 s, 1 s, 2 s... unless told ``Retry-After: 0``."""
    await stack.control("inject_busy" if retry_after_0 else "inject_errors", status=status, count=n)
    faults.add(f"TRON {status}", n)


async def drain_node_errors(stack: Stack, faults: Faults) -> None:
    """Errors the processes did not meet are taken out of the count (read by this probe)."""
    for _ in range(500):
        answer = await stack.http.post("wallet/getnodeinfo", json={})
        if answer.status_code == 200:
            return
        faults.counts[f"TRON {answer.status_code}"] -= 1
        INJECTED[f"TRON {answer.status_code}"] -= 1
    raise AssertionError("the node kept answering errors")


async def test_node_telegram_redis_and_postgres_faults_under_the_running_processes(stack: Stack) -> None:
    bot = stack.traders_token
    for role in ("worker", "web"):
        if role not in stack.procs or not stack.procs[role].alive:
            await stack.start_app(role)
    faults = Faults()
    trader = await newcomer(stack, "Trader")
    async with transaction(stack.factory) as s:
        address = await deposit_address(s, trader.id, stack.config.xpub)
    expected = 0

    async def deposit(amount: int, *, extra_blocks: int = 0, wait: bool = True) -> None:
        nonlocal expected
        await send(stack, Asset.USDT, address, amount)
        expected += amount
        await stack.mine(1)
        if wait:
            await stack.mine(CONFIRMATIONS + extra_blocks)
            await credited_all()

    async def credited_all() -> None:
        async def arrived() -> bool:
            await stack.mine(1)
            return await available(stack, trader.id, Asset.USDT) == expected

        await eventually(arrived, timeout=90, what=f"deposits credited up to {expected}")

    # A TRON backend answering 503, 429 and 403 (the client backs off), then more with
    # Retry-After: 0 (retried at once), in bursts while deposits come in.
    for i, status in enumerate([503, 429, 403] * 4):
        await node_errors(stack, faults, status, 1)
        await node_errors(stack, faults, 429 if i % 2 else 503, 6, retry_after_0=True)
        await deposit((2 + i) * MICRO + 7, wait=False)
        await asyncio.sleep(1)
    await stack.mine(CONFIRMATIONS)
    await credited_all()
    await drain_node_errors(stack, faults)
    await trader.wait_for(bot, contains="credited", timeout=30)

    # A backend N blocks behind (a load balancer's lagging node), for deposits and a withdrawal.
    dest = (await stack.control("outside_address", label="trader-dest"))["address"]
    await stack.step("withdraw", str(trader.id), "USDT", str(6 * MICRO), dest, "trader-w")
    expected -= 6 * MICRO + stack.config.withdrawal_fee[Asset.USDT]  # on hold
    for lag in (2, 5, 3, 6, 4, 1):
        await stack.control("view_lag", n=lag)
        faults.add("TRON lagging backend")
        await node_errors(stack, faults, 503, 8, retry_after_0=True)
        await deposit(3 * MICRO + lag, extra_blocks=lag)
        await stack.control("view_lag", n=0)

    async def withdrawn() -> bool:
        await stack.mine(1)
        return (await withdrawal(stack, "trader-w")).status == WithdrawalStatus.SENT  # type: ignore[union-attr]

    await eventually(withdrawn, what="the withdrawal sent under a lagging backend")
    assert len(await arrivals(stack, dest)) == 1

    # Forks of the last block: a deposit seen by the scanner leaves the chain (lost, or back in
    # a later block).
    for i in range(8):
        reinclude = i % 2 == 0
        txid = await send(stack, Asset.USDT, address, 4 * MICRO + i)
        await stack.mine(1)

        async def detected(txid: str = txid) -> bool:
            async with stack.factory() as s:
                return await s.scalar(select(Deposit.id).where(Deposit.txid == txid)) is not None

        await eventually(detected, what="a deposit detected before the fork")
        await stack.control("fork", depth=1, reinclude=reinclude)
        faults.add("TRON fork")
        if reinclude:
            expected += 4 * MICRO + i
        await stack.mine(1)

    async def settled() -> bool:
        await stack.mine(1)
        return await available(stack, trader.id, Asset.USDT) == expected

    await eventually(settled, timeout=90, what="the deposits after the forks settled")

    # Telegram: 429 with retry_after for a while, then the trader blocks the bot.
    before = len(stack.tg.calls(bot))
    stack.tg.rate_limit(bot, n=15, retry_after=1)
    for i in range(3):
        await deposit(5 * MICRO + i, wait=i == 2)
    await trader.wait_for(bot, contains=f"Deposit of {_usdt(5 * MICRO + 2)} credited", timeout=90)
    faults.add("Telegram 429", sum(1 for c in stack.tg.calls(bot)[before:] if c.status == 429))
    # Telegram answers 403 for a while (a blocked bot announces itself with a my_chat_member
    # update, after which nothing is sent at all; this is the 403 that comes without one).
    before = len(stack.tg.calls(bot))
    stack.tg.deactivate(trader)
    await deposit(6 * MICRO)
    await eventually(lambda: _true(any(c.status == 403 for c in stack.tg.calls(bot)[before:])),
                     what="a notification refused with 403")  # fmt: skip
    faults.add("Telegram 403", sum(1 for c in stack.tg.calls(bot)[before:] if c.status == 403))
    stack.tg.deactivated.discard(trader.id)
    await act(trader, stack, lambda: trader.send(bot, "/start"), "KOXX P2P")

    # Redis and PostgreSQL restarted under the running processes.
    for i in range(2):
        await stack.restart_redis()
        faults.add("Redis restart")
        await act(trader, stack, lambda: trader.send(bot, "/start"), "KOXX P2P", timeout=20)
        await deposit(7 * MICRO + i)
    for i in range(2):
        await stack.restart_postgres()
        faults.add("PostgreSQL restart")
        await deposit(8 * MICRO + i)
        await act(trader, stack, lambda: trader.send(bot, "/start"), "KOXX P2P", timeout=20)

    for role in ("worker", "web"):
        assert stack.procs[role].alive, f"{role} died:\n{stack.procs[role].tail()}"
    await drain_node_errors(stack, faults)
    assert await available(stack, trader.id, Asset.USDT) == expected
    await stack.assert_reconciled()
    faults.all_survived()


async def _true(value: bool) -> bool:
    return value


def _usdt(micro: int) -> str:
    whole, frac = divmod(micro, MICRO)
    return f"{whole}.{frac:06d}".rstrip("0").rstrip(".") + " USDT"


async def test_the_reconcile_command_agrees(stack: Stack) -> None:
    """`python -m core.wallet reconcile` as an operator runs it, on everything the suite did."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "core.wallet", "reconcile", cwd=ROOT, env=stack.env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 120)
    text = out.decode()
    assert proc.returncode == 0, text
    assert "reconcile: OK" in text and "USDT" in text and "TRX" in text


# ---- cold storage (last: it moves the hot wallet's excess away) -----------------------------------

COLD_POINTS = [
    "cold.out.signed.before_commit",
    "cold.out.signed.after_commit",
    "cold.out.broadcast.after_send",
    "cold.out.broadcast.before_commit",
]


async def test_the_excess_moves_to_cold_storage_once_whatever_step_the_job_dies_at(stack: Stack) -> None:
    import dataclasses

    from core.wallet.models import ColdStatus, ColdTransfer
    from sandbox.tron.dev_cold import DEV_COLD_ADDRESS

    cold = DEV_COLD_ADDRESS
    await new_user(stack)  # reconcile reads the chain from the first deposit address on
    for point in COLD_POINTS:
        await crash_run(stack, point, "cold", cold)
    await stack.mine(CONFIRMATIONS + 2)
    await crash_run(stack, "cold.out.done.before_commit", "cold", cold)
    for _ in range(3):
        await stack.step("cold", cold)
        await stack.mine(CONFIRMATIONS + 2)
    await stack.step("cold", cold)
    async with stack.factory() as s:
        moves = list(await s.scalars(select(ColdTransfer).order_by(ColdTransfer.id)))
    done = {m.asset: m for m in moves if m.status == ColdStatus.DONE}
    assert sorted(done) == ["TRX", "USDT"], [(m.asset, m.status, m.error) for m in moves]
    assert all(m.status == ColdStatus.DONE for m in moves), [(m.asset, m.status, m.error) for m in moves]
    hot = stack.config.hot_address
    chain = (await stack.control("transactions", address=cold))["transactions"]
    sent = [(t["asset"], t["txid"], t["amount"]) for t in chain if t["from"] == hot and t["to"] == cold]
    assert sorted(sent) == sorted((m.asset, m.txid, m.amount) for m in done.values())  # each once
    survived(KILL, len(COLD_POINTS) + 1)
    stack.config = dataclasses.replace(stack.config, cold_address=cold)
    report = await stack.assert_reconciled()
    assert report.counts["cold moves out"] == 2
    assert all(h.cold is not None and h.total >= h.owed_to_users for h in report.holdings)
