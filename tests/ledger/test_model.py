"""Property-based: random sequences of service calls against a plain in-memory model of
what every balance should be (hypothesis stateful testing)."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db import make_engine, make_session_factory
from core.ledger import (
    AccountRef,
    IdempotencyConflict,
    InsufficientFunds,
    Posting,
    Purpose,
    UserBalances,
    audit,
    balance,
    post_entry,
    statement,
    transfer,
    user_balances,
)
from core.money import Asset
from tests.conftest import new_id

T = TypeVar("T")
FEES = AccountRef.platform(Purpose.FEES)
WITHDRAWALS = AccountRef.platform(Purpose.WITHDRAWALS)


class Loop:
    """An event loop in its own thread: hypothesis drives the machine synchronously."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=60)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


@pytest.fixture
def ledger_loop(private_url: str) -> Iterator[tuple[Loop, async_sessionmaker[AsyncSession]]]:
    loop = Loop()
    engine = make_engine(private_url, pool_size=2, pool_pre_ping=False)
    try:
        yield loop, make_session_factory(engine)
    finally:
        loop.run(engine.dispose())
        loop.close()


def make_machine(loop: Loop, factory: async_sessionmaker[AsyncSession]) -> type[RuleBasedStateMachine]:
    accounts_ix = st.integers(0, 5)
    assets = st.sampled_from(list(Asset))

    class LedgerMachine(RuleBasedStateMachine):
        """Three users; user 0 has an offer reserve, user 1 a trade escrow, user 2 a hold."""

        @initialize()
        def start(self) -> None:
            self.users = [new_id(), new_id(), new_id()]
            u = self.users
            self.accounts = [
                AccountRef.user(u[0]),
                AccountRef.user(u[1]),
                AccountRef.user(u[2]),
                AccountRef.offer_reserve(new_id(), u[0]),
                AccountRef.trade_escrow(new_id(), u[1]),
                AccountRef.withdrawal_hold(new_id(), u[2]),
            ]
            self.model: dict[tuple[AccountRef, Asset], int] = {}
            for asset in Asset:
                for account in self.accounts:
                    self.model[(account, asset)] = 0
                self.model[(FEES, asset)] = self.read(FEES, asset)
            self.posted: list[tuple[str, str, list[Posting], int]] = []

        # helpers ---------------------------------------------------------------------------
        def read(self, account: AccountRef, asset: Asset) -> int:
            async def go() -> int:
                async with factory() as s:
                    return await balance(s, account, asset)

            return loop.run(go())

        def post(self, kind: str, postings: list[Posting]) -> None:
            """Post a fresh entry; the model says whether it must be refused."""
            short = any(
                p.amount < 0
                and not p.account.may_go_negative
                and self.model[(p.account, p.asset)] + p.amount < 0
                for p in postings
            )
            key = f"model:{uuid.uuid4().hex}"

            async def go() -> int:
                async with factory() as s, s.begin():
                    return (await post_entry(s, kind=kind, key=key, postings=postings)).entry_id

            if short:
                with pytest.raises(InsufficientFunds):
                    loop.run(go())
                return
            entry_id = loop.run(go())
            for p in postings:
                if (p.account, p.asset) in self.model:
                    self.model[(p.account, p.asset)] += p.amount
            self.posted.append((key, kind, postings, entry_id))

        # rules -----------------------------------------------------------------------------
        @rule(who=st.integers(0, 2), asset=assets, amount=st.integers(1, 10_000))
        def deposit(self, who: int, asset: Asset, amount: int) -> None:
            self.post(
                "deposit",
                [
                    Posting(AccountRef.platform(Purpose.DEPOSITS), asset, -amount),
                    Posting(self.accounts[who], asset, amount),
                ],
            )

        @rule(src=accounts_ix, dst=accounts_ix, asset=assets, amount=st.integers(1, 12_000))
        def move(self, src: int, dst: int, asset: Asset, amount: int) -> None:
            if src == dst:
                return
            self.post(
                "transfer",
                [Posting(self.accounts[src], asset, -amount), Posting(self.accounts[dst], asset, amount)],
            )

        @rule(dst=st.integers(0, 2), asset=assets, amount=st.integers(1, 12_000), fee=st.integers(0, 100))
        def release_with_fee(self, dst: int, asset: Asset, amount: int, fee: int) -> None:
            fee = min(fee, amount - 1)
            postings = [
                Posting(self.accounts[4], asset, -amount),
                Posting(self.accounts[dst], asset, amount - fee),
            ]
            if fee:
                postings.append(Posting(FEES, asset, fee))
            self.post("trade_release", postings)

        @rule(asset=assets, amount=st.integers(1, 12_000))
        def withdrawal_sent(self, asset: Asset, amount: int) -> None:
            self.post(
                "withdrawal_sent",
                [Posting(self.accounts[5], asset, -amount), Posting(WITHDRAWALS, asset, amount)],
            )

        @precondition(lambda self: self.posted)
        @rule(data=st.data())
        def replay(self, data: st.DataObject) -> None:
            key, kind, postings, entry_id = data.draw(st.sampled_from(self.posted))

            async def go() -> tuple[int, bool]:
                async with factory() as s, s.begin():
                    result = await post_entry(s, kind=kind, key=key, postings=postings)
                    return result.entry_id, result.created

            assert loop.run(go()) == (entry_id, False)

        @precondition(lambda self: self.posted)
        @rule(data=st.data(), extra=st.integers(1, 5))
        def conflicting_replay(self, data: st.DataObject, extra: int) -> None:
            key, kind, postings, _ = data.draw(st.sampled_from(self.posted))
            first, *rest = postings
            changed = [
                Posting(first.account, first.asset, first.amount - extra),
                *rest,
                Posting(AccountRef.platform(Purpose.ADJUSTMENTS), first.asset, extra),
            ]

            async def go() -> None:
                async with factory() as s, s.begin():
                    await post_entry(s, kind=kind, key=key, postings=changed)

            with pytest.raises(IdempotencyConflict):
                loop.run(go())

        @rule(src=accounts_ix, dst=accounts_ix, asset=assets)
        def move_everything(self, src: int, dst: int, asset: Asset) -> None:
            """Emptying an account exactly is allowed (the boundary of the overdraft rule)."""
            amount = self.model[(self.accounts[src], asset)]
            if src == dst or amount == 0:
                return

            async def go() -> None:
                async with factory() as s, s.begin():
                    await transfer(
                        s,
                        kind="transfer",
                        key=f"model:{uuid.uuid4().hex}",
                        src=self.accounts[src],
                        dst=self.accounts[dst],
                        asset=asset,
                        amount=amount,
                    )

            loop.run(go())
            self.model[(self.accounts[src], asset)] = 0
            self.model[(self.accounts[dst], asset)] += amount

        # invariants ------------------------------------------------------------------------
        @invariant()
        def balances_match_the_model(self) -> None:
            async def go() -> tuple[list[dict[Asset, UserBalances]], dict[Asset, int], dict[Asset, int]]:
                async with factory() as s:
                    per_user = [await user_balances(s, u) for u in self.users]
                    fees = {a: await balance(s, FEES, a) for a in Asset}
                    lines = await statement(s, self.users[0], limit=10_000)
                    from_statement = {a: sum(x.amount for x in lines if x.asset == a) for a in Asset}
                    return per_user, fees, from_statement

            per_user, fees, from_statement = loop.run(go())
            m = self.model
            acc = self.accounts
            for asset in Asset:
                assert per_user[0][asset] == UserBalances(
                    available=m[(acc[0], asset)], in_offers=m[(acc[3], asset)]
                )
                assert per_user[1][asset] == UserBalances(
                    available=m[(acc[1], asset)], in_escrow=m[(acc[4], asset)]
                )
                assert per_user[2][asset] == UserBalances(
                    available=m[(acc[2], asset)], in_withdrawals=m[(acc[5], asset)]
                )
                assert fees[asset] == m[(FEES, asset)]
                assert from_statement[asset] == m[(acc[0], asset)]

        def teardown(self) -> None:
            async def go() -> Any:
                async with factory() as s:
                    return await audit(s)

            report = loop.run(go())
            assert report.ok, report.violations

    return LedgerMachine


def test_service_api_follows_the_model(ledger_loop: tuple[Loop, async_sessionmaker[AsyncSession]]) -> None:
    loop, factory = ledger_loop
    run_state_machine_as_test(
        make_machine(loop, factory),
        settings=settings(
            max_examples=30,
            stateful_step_count=30,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
