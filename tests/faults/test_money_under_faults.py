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
from core.wallet.models import Deposit, DepositStatus
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
