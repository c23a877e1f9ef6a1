"""Premium: too little balance is refused with nothing taken; a purchase moves the price to the
platform's revenue and renewals extend from the current end; the fee discount and promoted
offers follow the membership; the reminder is sent once and expiry removes badge and promotion."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import update

from core import events
from core.accounts import jobs
from core.errors import DomainError, InsufficientFunds
from core.escrow import premium
from core.escrow.models import Offer
from core.ledger import Purpose
from core.money import MICRO
from core.outbox import user as to_user
from core.users import Tier, User
from tests.accounts.conftest import Bench


def token() -> str:
    return uuid.uuid4().hex[:16]


async def buy(bench: Bench, user_id: int, now: datetime, key: str | None = None) -> premium.Purchase:
    async with bench.tx() as s:
        return await premium.buy(s, user_id=user_id, token=key or token(), now=now)


async def test_purchase_refused_without_balance_then_bought_and_renewed(bench: Bench) -> None:
    member = await bench.user()
    await bench.fund(member, 9 * MICRO)
    revenue = await bench.platform(Purpose.REVENUE)
    now = datetime.now(UTC)
    with pytest.raises(InsufficientFunds):
        await buy(bench, member, now)
    user = await bench.get(member)
    assert user.premium_until is None and user.tier == Tier.BASIC
    assert await bench.available(member) == 9 * MICRO and await bench.platform(Purpose.REVENUE) == revenue

    await bench.fund(member, 21 * MICRO)
    key = token()
    first = await buy(bench, member, now, key)
    assert first.created and first.until == now + timedelta(days=30) and first.price == 10 * MICRO
    replay = await buy(bench, member, now, key)  # a double press
    assert not replay.created and replay.until == first.until
    assert await bench.available(member) == 20 * MICRO
    assert await bench.platform(Purpose.REVENUE) == revenue + 10 * MICRO

    renewed = await buy(bench, member, now + timedelta(days=10))
    assert renewed.until == now + timedelta(days=60)  # from the current end, not from the renewal day
    user = await bench.get(member)
    assert user.tier == Tier.PREMIUM and premium.is_premium(user, now + timedelta(days=59))
    assert not premium.is_premium(user, now + timedelta(days=60))
    assert premium.fee_pct_for(user, Decimal("0.2"), now) == Decimal("0.100")
    assert premium.fee_pct_for(user, Decimal("0.2"), now + timedelta(days=61)) == Decimal("0.2")
    assert premium.fee_discount_pct(await bench.get(await bench.user()), now) == 0
    await bench.audit_ok()


async def test_frozen_account_cannot_buy(bench: Bench) -> None:
    frozen = await bench.user(banned=True)
    await bench.fund(frozen, 50 * MICRO)
    with pytest.raises(DomainError) as refused:
        await buy(bench, frozen, datetime.now(UTC))
    assert refused.value.code == "account_frozen" and await bench.available(frozen) == 50 * MICRO


async def test_promotion_reminder_and_expiry(bench: Bench, settings) -> None:  # type: ignore[no-untyped-def]
    settings(premium_promoted_offers="2")
    member, basic = await bench.user(level=2), await bench.user(level=2)
    offers = [await bench.sell_offer(member, 10 * MICRO) for _ in range(3)]
    plain = await bench.sell_offer(basic, 10 * MICRO)
    now = datetime.now(UTC)

    async def promote(user_id: int, offer_id: int, on: bool = True, at: datetime = now) -> None:
        async with bench.tx() as s:
            await premium.set_promoted(s, user_id=user_id, offer_id=offer_id, promoted=on, now=at)

    with pytest.raises(DomainError) as not_member:
        await promote(basic, plain.id)
    assert not_member.value.code == "premium_required"

    await bench.fund(member, 10 * MICRO)
    purchase = await buy(bench, member, now)
    with pytest.raises(DomainError) as not_yours:
        await promote(member, plain.id)
    assert not_yours.value.code == "forbidden"
    await promote(member, offers[0].id)
    await promote(member, offers[1].id)
    refreshed = [m.payload["offer_id"] for m in await bench.outbox(events.OfferChanged, "channel:offers", change="updated")]
    assert offers[0].id in refreshed and offers[1].id in refreshed  # the channel posts follow
    async with bench.factory() as s:
        assert not await premium.can_promote(s, await bench.get(member), now)
    with pytest.raises(DomainError) as limit:
        await promote(member, offers[2].id)
    assert limit.value.code == "promotion_limit" and limit.value.params == {"limit": 2}

    # Three days before the end: told once.
    almost = purchase.until - timedelta(days=2)
    for _ in range(2):
        async with bench.tx() as s:
            told = await premium.remind_expiring(s, almost)
    assert member not in told
    reminders = await bench.outbox(events.PremiumExpiring, to_user(member))
    assert len(reminders) == 1 and reminders[0].payload["until"] == purchase.until.isoformat()

    # The end: badge and promotion gone, the member told.
    async with bench.tx() as s:
        assert member not in await premium.expire_ended(s, purchase.until - timedelta(seconds=1))
    async with bench.tx() as s:
        assert member in await premium.expire_ended(s, purchase.until)
    user = await bench.get(member)
    assert user.tier == Tier.BASIC and not premium.is_premium(user, purchase.until)
    assert await bench.count(Offer, Offer.maker_id == member, Offer.is_promoted.is_(True)) == 0
    assert len(await bench.outbox(events.PremiumExpired, to_user(member))) == 1
    with pytest.raises(DomainError):
        await promote(member, offers[0].id, at=purchase.until)


async def test_scheduled_jobs_run_in_their_own_transactions(bench: Bench, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The scheduled jobs (core.escrow.premium, core.accounts.jobs): an ended membership is expired."""
    member = await bench.user()
    async with bench.tx() as s:
        await s.execute(update(User).where(User.id == member).values(
            tier=Tier.PREMIUM.value, premium_until=datetime.now(UTC) - timedelta(minutes=1)))
    await premium.premium_expiry(bench.factory)
    await jobs.kyc_retention(bench.factory)
    assert (await bench.get(member)).tier == Tier.BASIC
    assert len(await bench.outbox(events.PremiumExpired, to_user(member))) == 1


async def test_double_press_charges_once(bench: Bench) -> None:
    member = await bench.user()
    await bench.fund(member, 15 * MICRO)
    now, key = datetime.now(UTC), token()
    results = await asyncio.gather(*(buy(bench, member, now, key) for _ in range(3)))
    assert sorted(r.created for r in results) == [False, False, True]
    assert {r.until for r in results} == {now + timedelta(days=30)}
    assert await bench.available(member) == 5 * MICRO
