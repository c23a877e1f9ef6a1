"""Internal transfers: instant, free, through the ledger; both sides see them in their
statement; a double press moves once; frozen senders, oneself, too little balance and the daily
limit are refused with nothing moved; concurrent transfers in both directions never overdraw or
deadlock and the books balance."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from core import events
from core.errors import DomainError, InsufficientFunds
from core.ledger import statement
from core.money import MICRO, Asset
from core.outbox import user as to_user
from core.wallet import set_whitelist_only, transfers
from core.wallet.config import WalletConfig
from core.wallet.models import WalletPrefs, WhitelistRecipient
from core.wallet.whitelist import add_recipient
from tests.accounts.conftest import Bench
from tests.wallet.conftest import DEV_XPUB, USDT


def token() -> str:
    return uuid.uuid4().hex[:16]


async def send(
    bench: Bench,
    sender: int,
    recipient: int,
    amount: int,
    *,
    asset: Asset = Asset.USDT,
    note: str | None = None,
    key: str | None = None,
) -> transfers.TransferResult:
    async with bench.tx() as s:
        return await transfers.send(
            s,
            sender_id=sender,
            recipient_id=recipient,
            asset=asset,
            amount=amount,
            token=key or token(),
            note=note,
        )


async def test_transfer_moves_once_and_both_see_it(bench: Bench) -> None:
    alice = await bench.user(level=1, username=f"alice{uuid.uuid4().hex[:6]}")
    bob = await bench.user(level=0)
    await bench.fund(alice, 100 * MICRO)
    async with bench.tx() as s:
        found = await transfers.find_recipient(s, f"@{(await bench.get(alice)).username}")
        assert found.id == alice
        assert (await transfers.find_recipient(s, str(bob))).id == bob
        draft = await transfers.prepare(
            s, sender_id=alice, recipient_id=bob, asset=Asset.USDT, amount=25 * MICRO, note=" rent "
        )
    assert draft.note == "rent" and await bench.available(alice) == 100 * MICRO  # prepare moves nothing

    key = token()
    first = await send(bench, alice, bob, 25 * MICRO, note="rent", key=key)
    again = await send(bench, alice, bob, 25 * MICRO, note="rent", key=key)
    assert first.created and not again.created and again.entry_id == first.entry_id
    assert await bench.available(alice) == 75 * MICRO and await bench.available(bob) == 25 * MICRO

    async with bench.factory() as s:
        mine, theirs = (await statement(s, alice))[0], (await statement(s, bob))[0]
    assert (mine.kind, mine.amount, theirs.amount) == ("transfer", -25 * MICRO, 25 * MICRO)
    assert mine.memo == theirs.memo
    assert mine.memo is not None and mine.memo["note"] == "rent" and mine.memo["to_id"] == bob
    received = await bench.outbox(events.TransferReceived, to_user(bob))
    assert len(received) == 1 and received[0].payload["amount"] == 25 * MICRO
    await bench.audit_ok()


async def test_refusals_move_nothing(bench: Bench) -> None:
    alice, bob = await bench.user(level=0), await bench.user()
    frozen = await bench.user(level=2, banned=True)
    await bench.fund(alice, 300 * MICRO)
    await bench.fund(frozen, 10 * MICRO)
    cases = [
        (frozen, bob, 1 * MICRO, "account_frozen"),
        (alice, alice, 1 * MICRO, "transfer_to_self"),
        (alice, bob, 0, "amount_not_positive"),
        (alice, bob, 201 * MICRO, "limit_exceeded"),  # level 0: 200 USDT a day
    ]
    for sender, recipient, amount, code in cases:
        with pytest.raises(DomainError) as refused:
            await send(bench, sender, recipient, amount)
        assert refused.value.code == code
    with pytest.raises(DomainError) as long_note:
        await send(bench, alice, bob, MICRO, note="x" * 141)
    assert long_note.value.code == "note_too_long"
    with pytest.raises(DomainError) as unknown:
        async with bench.tx() as s:
            await transfers.find_recipient(s, "@nobody_has_this_name_here")
    assert unknown.value.code == "recipient_not_found"

    await send(bench, alice, bob, 150 * MICRO)
    with pytest.raises(DomainError) as daily:
        await send(bench, alice, bob, 60 * MICRO)
    assert daily.value.params["used"] == 150 * MICRO and daily.value.params["left"] == 50 * MICRO
    poor = await bench.user(level=2)
    await bench.fund(poor, 5 * MICRO)
    with pytest.raises(InsufficientFunds):
        await send(bench, poor, bob, 6 * MICRO)
    assert await bench.available(poor) == 5 * MICRO and await bench.available(frozen) == 10 * MICRO
    assert await bench.available(alice) == 150 * MICRO and await bench.available(bob) == 150 * MICRO


async def test_concurrent_transfers_both_ways_never_overdraw(bench: Bench) -> None:
    alice, bob = await bench.user(level=2), await bench.user(level=2)
    await bench.fund(alice, 50 * MICRO)
    await bench.fund(bob, 30 * MICRO)

    async def attempt(sender: int, recipient: int, amount: int) -> bool:
        try:
            await send(bench, sender, recipient, amount)
        except InsufficientFunds:
            return False
        return True

    jobs = []
    for i in range(40):
        jobs.append(attempt(alice, bob, (7 + i % 5) * MICRO))
        jobs.append(attempt(bob, alice, (6 + i % 4) * MICRO))
    results = await asyncio.gather(*jobs)
    assert any(results)
    a, b = await bench.available(alice), await bench.available(bob)
    assert a >= 0 and b >= 0 and a + b == 80 * MICRO
    async with bench.factory() as s:
        moved_a = sum(
            line.amount for line in await statement(s, alice, limit=1000) if line.kind == "transfer"
        )
        moved_b = sum(line.amount for line in await statement(s, bob, limit=1000) if line.kind == "transfer")
    assert moved_a == a - 50 * MICRO and moved_b == b - 30 * MICRO
    await bench.audit_ok()


async def test_a_double_press_near_the_limit_is_a_replay_not_a_refusal(bench: Bench) -> None:
    alice, bob = await bench.user(level=0), await bench.user()
    await bench.fund(alice, 500 * MICRO)
    key = token()
    results = await asyncio.gather(*(send(bench, alice, bob, 150 * MICRO, key=key) for _ in range(3)))
    assert sorted(r.created for r in results) == [False, False, True]
    assert len({r.entry_id for r in results}) == 1
    assert await bench.available(alice) == 350 * MICRO and await bench.available(bob) == 150 * MICRO


async def test_saved_addresses_only_also_holds_internal_transfers(bench: Bench) -> None:
    """An intruder cannot move the coins to an account of their own and withdraw from there:
    with «saved addresses only» on, a transfer goes only to a saved recipient, after the same
    cooling-off as a new address, and switching the protection off cools off as well."""
    config = WalletConfig(xpub=DEV_XPUB, usdt_contract=USDT)
    alice, intruder = await bench.user(level=1), await bench.user(level=1)
    await bench.fund(alice, 100 * MICRO)
    async with bench.tx() as s:
        await set_whitelist_only(s, config, alice, True)

    async def refused(code: str) -> DomainError:
        with pytest.raises(DomainError) as info:
            await send(bench, alice, intruder, 10 * MICRO)
        assert info.value.code == code and info.value.params["recipient_id"] == intruder
        with pytest.raises(DomainError) as early:  # refused as soon as the recipient is typed
            async with bench.tx() as s:
                await transfers.choose_recipient(s, alice, str(intruder))
        assert early.value.code == code
        return info.value

    await refused("recipient_not_saved")
    async with bench.tx() as s:
        entry = await add_recipient(s, config, alice, intruder)
    assert entry.usable_after > datetime.now(UTC) + timedelta(hours=23)
    cooling = await refused("recipient_cooling_off")
    assert datetime.fromisoformat(cooling.params["usable_after"]) == entry.usable_after
    assert await bench.available(alice) == 100 * MICRO and await bench.available(intruder) == 0

    async with bench.tx() as s:
        await s.execute(
            update(WhitelistRecipient)
            .where(WhitelistRecipient.user_id == alice)
            .values(usable_after=datetime.now(UTC) - timedelta(seconds=1))
        )
        assert (await transfers.choose_recipient(s, alice, str(intruder))).id == intruder
    await send(bench, alice, intruder, 10 * MICRO)
    assert await bench.available(intruder) == 10 * MICRO

    other = await bench.user(level=1)
    async with bench.tx() as s:
        await set_whitelist_only(s, config, alice, False)  # takes a day to take effect
    with pytest.raises(DomainError) as still:
        await send(bench, alice, other, 10 * MICRO)
    assert still.value.code == "recipient_not_saved"
    async with bench.tx() as s:
        await s.execute(
            update(WalletPrefs)
            .where(WalletPrefs.user_id == alice)
            .values(whitelist_off_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    await send(bench, alice, other, 10 * MICRO)  # off now: any recipient
    assert await bench.available(alice) == 80 * MICRO
    await bench.audit_ok()
