"""The money paths under faults, on the real processes (tests/faults/stack.py): kill -9 at every
crash point of deposits, withdrawals, sweeps and trades (core/faults.py), a TRON backend that
errs, lags or forks, Telegram answering 429 and 403, Redis and PostgreSQL restarted mid-run.
After each run the reconciliation (core/wallet/reconcile.py) holds exactly: no money created or
lost, no second send, every deposit credited once.

The tests run in order on one stack (module scope) and build on each other's users.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import select

from core import users
from core.db import transaction
from core.ledger import AccountRef, balance
from core.money import MICRO, Asset
from core.wallet.addressbook import deposit_address
from core.wallet.models import Deposit, DepositStatus, Sweep, SweepStatus, Withdrawal, WithdrawalStatus
from tests.conftest import new_id
from tests.faults.stack import Stack, injected, survived

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
