"""The service API against a real PostgreSQL: money moves, refusals, idempotency, reads."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from core.ledger import (
    AccountRef,
    IdempotencyConflict,
    InsufficientFunds,
    Posting,
    Purpose,
    UnbalancedEntry,
    UserBalances,
    balance,
    post_entry,
    statement,
    transfer,
    user_balances,
)
from core.money import Asset
from tests.conftest import new_id

USDT, TRX = Asset.USDT, Asset.TRX
FEES = AccountRef.platform(Purpose.FEES)


def key() -> str:
    return f"test:{uuid.uuid4().hex}"


async def entry_count(session, k: str) -> int:
    return (
        await session.execute(text("SELECT count(*) FROM ledger_entries WHERE key = :k"), {"k": k})
    ).scalar_one()


async def test_deposit_then_transfer_moves_exactly_the_amount(session_factory, deposit):
    alice, bob = new_id(), new_id()
    await deposit(alice, 5_000_000)
    async with session_factory() as s, s.begin():
        result = await transfer(
            s,
            kind="transfer",
            key=key(),
            src=AccountRef.user(alice),
            dst=AccountRef.user(bob),
            asset=USDT,
            amount=1_250_000,
            ref="transfer:1",
        )
        assert result.created and result.entry_id > 0
    async with session_factory() as s:
        assert await balance(s, AccountRef.user(alice), USDT) == 3_750_000
        assert await balance(s, AccountRef.user(bob), USDT) == 1_250_000
        assert await balance(s, AccountRef.user(bob), TRX) == 0  # never used: 0


async def test_overdraw_is_refused_with_the_facts_and_changes_nothing(session_factory, deposit):
    alice, bob = new_id(), new_id()
    await deposit(alice, 100)
    k = key()
    async with session_factory() as s, s.begin():
        with pytest.raises(InsufficientFunds) as refused:
            await transfer(
                s,
                kind="transfer",
                key=k,
                src=AccountRef.user(alice),
                dst=AccountRef.user(bob),
                asset=USDT,
                amount=101,
            )
        assert refused.value.code == "insufficient_funds"
        assert refused.value.params == {"asset": USDT, "needed": 101, "available": 100}
        # nothing was written, and the caller's transaction is still usable
        assert await entry_count(s, k) == 0
        assert await balance(s, AccountRef.user(alice), USDT) == 100
        assert await balance(s, AccountRef.user(bob), USDT) == 0
        await transfer(
            s,
            kind="transfer",
            key=key(),
            src=AccountRef.user(alice),
            dst=AccountRef.user(bob),
            asset=USDT,
            amount=100,
        )
    async with session_factory() as s:
        assert await balance(s, AccountRef.user(alice), USDT) == 0
        assert await balance(s, AccountRef.user(bob), USDT) == 100


async def test_an_account_that_was_never_funded_cannot_pay(session_factory):
    async with session_factory() as s, s.begin():
        with pytest.raises(InsufficientFunds) as refused:
            await transfer(
                s,
                kind="transfer",
                key=key(),
                src=AccountRef.user(new_id()),
                dst=AccountRef.user(new_id()),
                asset=TRX,
                amount=1,
            )
        assert refused.value.params == {"asset": TRX, "needed": 1, "available": 0}


async def test_replay_returns_the_first_result_and_moves_nothing(session_factory, deposit):
    alice, bob = new_id(), new_id()
    await deposit(alice, 1_000)
    k = key()
    args = dict(
        kind="transfer", key=k, src=AccountRef.user(alice), dst=AccountRef.user(bob), asset=USDT, amount=600
    )
    async with session_factory() as s, s.begin():
        first = await transfer(s, **args)
        again_in_same_transaction = await transfer(s, **args)
    async with session_factory() as s, s.begin():
        again_later = await transfer(s, **args)  # alice has only 400 left: a replay must not care
    assert first.created
    assert not again_in_same_transaction.created and again_in_same_transaction.entry_id == first.entry_id
    assert not again_later.created and again_later.entry_id == first.entry_id
    async with session_factory() as s:
        assert await balance(s, AccountRef.user(alice), USDT) == 400
        assert await balance(s, AccountRef.user(bob), USDT) == 600
        assert await entry_count(s, k) == 1


async def test_same_key_with_other_postings_or_kind_is_a_conflict(session_factory, deposit):
    alice, bob = new_id(), new_id()
    await deposit(alice, 1_000)
    k = key()
    base = dict(key=k, src=AccountRef.user(alice), dst=AccountRef.user(bob), asset=USDT)
    async with session_factory() as s, s.begin():
        await transfer(s, kind="transfer", amount=10, **base)
    for kind, amount, asset in [("transfer", 11, USDT), ("adjustment", 10, USDT)]:
        async with session_factory() as s, s.begin():
            with pytest.raises(IdempotencyConflict):
                await transfer(s, kind=kind, amount=amount, **{**base, "asset": asset})
    async with session_factory() as s, s.begin():
        with pytest.raises(IdempotencyConflict):
            await transfer(
                s,
                kind="transfer",
                key=k,
                src=AccountRef.user(alice),
                dst=AccountRef.user(new_id()),
                asset=USDT,
                amount=10,
            )
        # the transaction is still usable after the refusal
        await transfer(
            s,
            kind="transfer",
            key=key(),
            src=AccountRef.user(alice),
            dst=AccountRef.user(bob),
            asset=USDT,
            amount=5,
        )
    async with session_factory() as s:
        assert await balance(s, AccountRef.user(alice), USDT) == 985
        assert await balance(s, AccountRef.user(bob), USDT) == 15


async def test_unbalanced_entries_are_refused(session_factory, deposit):
    alice = new_id()
    await deposit(alice, 1_000)
    cases = [
        [Posting(AccountRef.user(alice), USDT, -10), Posting(FEES, USDT, 9)],
        [Posting(AccountRef.user(alice), USDT, -10), Posting(FEES, TRX, 10)],  # balanced only across assets
        [Posting(AccountRef.user(alice), USDT, -10)],
        [],
        [
            Posting(AccountRef.user(alice), USDT, -10),
            Posting(AccountRef.user(alice), USDT, 10),
        ],  # nets to nothing
    ]
    for postings in cases:
        k = key()
        async with session_factory() as s, s.begin():
            with pytest.raises(UnbalancedEntry):
                await post_entry(s, kind="fee", key=k, postings=postings)
            assert await entry_count(s, k) == 0
    async with session_factory() as s:
        assert await balance(s, AccountRef.user(alice), USDT) == 1_000


async def test_amounts_must_be_positive_integers(session_factory):
    a, b = AccountRef.user(new_id()), AccountRef.user(new_id())
    async with session_factory() as s:
        for amount in (0, -5):
            with pytest.raises(ValueError):
                await transfer(s, kind="transfer", key=key(), src=a, dst=b, asset=USDT, amount=amount)
        with pytest.raises(TypeError):
            await transfer(s, kind="transfer", key=key(), src=a, dst=b, asset=USDT, amount=1.5)  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            await transfer(s, kind="transfer", key=key(), src=a, dst=a, asset=USDT, amount=1)


async def test_release_with_fee_in_one_entry_merges_postings_to_one_account(session_factory, deposit):
    seller, buyer, trade = new_id(), new_id(), new_id()
    await deposit(seller, 1_000_000)
    escrow = AccountRef.trade_escrow(trade, seller)
    async with session_factory() as s, s.begin():
        await transfer(
            s,
            kind="trade_lock",
            key=f"trade:{trade}:lock",
            src=AccountRef.user(seller),
            dst=escrow,
            asset=USDT,
            amount=1_000_000,
            ref=f"trade:{trade}",
        )
        fees_before = await balance(s, FEES, USDT)
    async with session_factory() as s, s.begin():
        await post_entry(
            s,
            kind="trade_release",
            key=f"trade:{trade}:release",
            ref=f"trade:{trade}",
            postings=[
                Posting(escrow, USDT, -1_000_000),
                Posting(AccountRef.user(buyer), USDT, 996_000),
                Posting(FEES, USDT, 2_000),  # maker fee
                Posting(FEES, USDT, 2_000),  # taker fee
            ],
        )
        rows = (
            await s.execute(
                text(
                    "SELECT count(*) FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id WHERE e.key = :k"
                ),
                {"k": f"trade:{trade}:release"},
            )
        ).scalar_one()
    assert rows == 3
    async with session_factory() as s:
        assert await balance(s, escrow, USDT) == 0
        assert await balance(s, AccountRef.user(buyer), USDT) == 996_000
        assert await balance(s, FEES, USDT) - fees_before >= 4_000  # other tests may add fees too


async def test_outside_world_accounts_may_go_negative_and_nothing_else(session_factory, deposit):
    alice = new_id()
    await deposit(alice, 50, TRX)
    async with session_factory() as s:
        assert await balance(s, AccountRef.platform(Purpose.DEPOSITS), TRX) <= -50
    for purpose in (Purpose.FEES, Purpose.REVENUE, Purpose.NETWORK_FEES):
        async with session_factory() as s, s.begin():
            with pytest.raises(InsufficientFunds):
                # more than any test could ever have put there
                await transfer(
                    s,
                    kind="adjustment",
                    key=key(),
                    src=AccountRef.platform(purpose),
                    dst=AccountRef.user(alice),
                    asset=TRX,
                    amount=10**15,
                )
    async with session_factory() as s, s.begin():
        await transfer(
            s,
            kind="adjustment",
            key=key(),
            src=AccountRef.platform(Purpose.ADJUSTMENTS),
            dst=AccountRef.user(alice),
            asset=TRX,
            amount=7,
        )
    async with session_factory() as s:
        assert await balance(s, AccountRef.user(alice), TRX) == 57


async def test_the_database_itself_refuses_a_negative_balance(session_factory, deposit):
    alice = new_id()
    await deposit(alice, 10)
    async with session_factory() as s, s.begin():
        with pytest.raises(IntegrityError, match="ck_ledger_accounts_non_negative"):
            await s.execute(
                text("UPDATE ledger_accounts SET balance = -1 WHERE owner_kind = 'user' AND owner_id = :u"),
                {"u": alice},
            )


async def test_the_database_function_refuses_an_unbalanced_entry(session_factory):
    async with session_factory() as s, s.begin():
        with pytest.raises(DBAPIError) as refused:
            await s.execute(
                text(
                    "SELECT * FROM ledger_post('fee', :k, NULL, NULL, 'x', ARRAY['platform', 'platform'], "
                    "ARRAY[0, 0]::bigint[], ARRAY['adjustments', 'fees'], ARRAY['USDT', 'USDT'], "
                    "ARRAY[NULL, NULL]::bigint[], ARRAY[-5, 4]::bigint[])"
                ),
                {"k": key()},
            )
        assert refused.value.orig.sqlstate == "KX001"


async def test_a_rolled_back_transaction_moves_nothing(session_factory, deposit):
    alice, bob = new_id(), new_id()
    await deposit(alice, 300)
    k = key()
    async with session_factory() as s:
        async with s.begin():
            await transfer(
                s,
                kind="transfer",
                key=k,
                src=AccountRef.user(alice),
                dst=AccountRef.user(bob),
                asset=USDT,
                amount=300,
            )
            await s.rollback()
    async with session_factory() as s:
        assert await balance(s, AccountRef.user(alice), USDT) == 300
        assert await entry_count(s, k) == 0


async def test_user_balances_attribute_offers_escrow_and_withdrawals(session_factory, deposit):
    maker, other = new_id(), new_id()
    offer, trade, withdrawal = new_id(), new_id(), new_id()
    await deposit(maker, 10_000)
    await deposit(maker, 70, TRX)
    async with session_factory() as s, s.begin():
        me = AccountRef.user(maker)
        await transfer(
            s,
            kind="offer_fund",
            key=key(),
            src=me,
            dst=AccountRef.offer_reserve(offer, maker),
            asset=USDT,
            amount=4_000,
        )
        await transfer(
            s,
            kind="trade_lock",
            key=key(),
            src=AccountRef.offer_reserve(offer, maker),
            dst=AccountRef.trade_escrow(trade, maker),
            asset=USDT,
            amount=1_500,
        )
        await transfer(
            s,
            kind="withdrawal_hold",
            key=key(),
            src=me,
            dst=AccountRef.withdrawal_hold(withdrawal, maker),
            asset=USDT,
            amount=500,
        )
        await transfer(
            s, kind="transfer", key=key(), src=me, dst=AccountRef.user(other), asset=TRX, amount=20
        )
    async with session_factory() as s:
        assert await user_balances(s, maker) == {
            USDT: UserBalances(available=5_500, in_offers=2_500, in_escrow=1_500, in_withdrawals=500),
            TRX: UserBalances(available=50),
        }
        assert (await user_balances(s, maker))[USDT].total == 10_000
        assert await user_balances(s, other) == {USDT: UserBalances(), TRX: UserBalances(available=20)}


async def test_statement_is_newest_first_and_pages(session_factory, deposit):
    alice, bob = new_id(), new_id()
    await deposit(alice, 1_000)
    await deposit(alice, 9, TRX)
    async with session_factory() as s, s.begin():
        for i in range(5):
            await transfer(
                s,
                kind="transfer",
                key=key(),
                src=AccountRef.user(alice),
                dst=AccountRef.user(bob),
                asset=USDT,
                amount=10 + i,
                ref=f"transfer:{i}",
                memo={"to": bob, "n": i, "price": Decimal("1520.25")},
            )
        # an entry that does not touch alice's available balance is not on her statement
        await transfer(
            s,
            kind="offer_fund",
            key=key(),
            src=AccountRef.user(bob),
            dst=AccountRef.offer_reserve(new_id(), bob),
            asset=USDT,
            amount=5,
        )
    async with session_factory() as s:
        lines = await statement(s, alice, limit=3)
        assert [(x.kind, x.amount, x.ref) for x in lines] == [
            ("transfer", -14, "transfer:4"),
            ("transfer", -13, "transfer:3"),
            ("transfer", -12, "transfer:2"),
        ]
        assert lines[0].memo == {"to": bob, "n": 4, "price": "1520.25"}
        rest = await statement(s, alice, limit=10, before_entry_id=lines[-1].entry_id)
        assert [(x.kind, x.amount, x.asset) for x in rest] == [
            ("transfer", -11, USDT),
            ("transfer", -10, USDT),
            ("deposit", 9, TRX),
            ("deposit", 1_000, USDT),
        ]
        assert [x.amount for x in await statement(s, alice, asset=TRX)] == [9]
        assert [x.amount for x in await statement(s, bob)] == [-5, 14, 13, 12, 11, 10]


async def test_concurrent_first_posts_of_one_key_move_money_once(session_factory, deposit):
    alice, bob = new_id(), new_id()
    await deposit(alice, 100)
    k = key()
    args = dict(
        kind="transfer", key=k, src=AccountRef.user(alice), dst=AccountRef.user(bob), asset=USDT, amount=100
    )
    async with session_factory() as first:
        async with first.begin():
            assert (await transfer(first, **args)).created

            # a second client posts the same key while the first has not committed yet: it waits
            async def second() -> bool:
                async with session_factory() as s, s.begin():
                    return (await transfer(s, **args)).created

            racer = asyncio.create_task(second())
            await asyncio.sleep(0.3)
            assert not racer.done()
        # alice has 0 now: the second must answer "replay", not "insufficient funds"
        assert await racer is False
    async with session_factory() as s:
        assert await balance(s, AccountRef.user(alice), USDT) == 0
        assert await balance(s, AccountRef.user(bob), USDT) == 100
        assert await entry_count(s, k) == 1


async def test_concurrent_posts_of_one_key_with_disjoint_accounts_conflict(session_factory, deposit):
    alice, bob = new_id(), new_id()
    await deposit(alice, 100)
    await deposit(bob, 100)
    k = key()
    async with session_factory() as first:
        async with first.begin():
            await transfer(
                first, kind="transfer", key=k, src=AccountRef.user(alice), dst=FEES, asset=USDT, amount=1
            )

            async def second() -> None:
                async with session_factory() as s, s.begin():
                    await transfer(
                        s,
                        kind="transfer",
                        key=k,
                        src=AccountRef.user(bob),
                        dst=AccountRef.user(new_id()),
                        asset=USDT,
                        amount=1,
                    )

            racer = asyncio.create_task(second())
            await asyncio.sleep(0.3)
        with pytest.raises(IdempotencyConflict):
            await racer
    async with session_factory() as s:
        assert await balance(s, AccountRef.user(bob), USDT) == 100


async def test_every_purpose_and_owner_kind_is_accepted_by_the_database(session_factory):
    owner = new_id()
    accounts = [
        AccountRef.user(owner),
        AccountRef.offer_reserve(new_id(), owner),
        AccountRef.trade_escrow(new_id(), owner),
        AccountRef.withdrawal_hold(new_id(), owner),
        *(AccountRef.platform(p) for p in Purpose),
    ]
    source = AccountRef.platform(Purpose.ADJUSTMENTS)
    targets = [a for a in accounts if a != source]
    async with session_factory() as s, s.begin():
        before = [await balance(s, a, TRX) for a in targets]
        await post_entry(
            s,
            kind="adjustment",
            key=key(),
            postings=[Posting(source, TRX, -len(targets)), *(Posting(a, TRX, 1) for a in targets)],
        )
        assert [await balance(s, a, TRX) for a in targets] == [b + 1 for b in before]
        await s.rollback()


def test_account_refs_refuse_nonsense():
    with pytest.raises(ValueError):
        AccountRef("bank", 1, Purpose.AVAILABLE)
    with pytest.raises(ValueError):
        AccountRef("platform", 5, Purpose.FEES)
    with pytest.raises(ValueError):
        AccountRef("user", 1, "pocket")  # type: ignore[arg-type]
    assert AccountRef.user(7).user_id == 7
    assert AccountRef.platform(Purpose.DEPOSITS).may_go_negative
    assert not AccountRef.platform(Purpose.FEES).may_go_negative
