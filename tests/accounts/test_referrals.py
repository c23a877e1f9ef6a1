"""Referrals: a new user is linked once (never to themselves, never re-linked, never later, never
in a circle); a referred user's completed trade credits the referrer exactly once, from the
platform's fees, even when the reward is asked for twice at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from core import events
from core.accounts import referrals
from core.ledger import Purpose, statement
from core.money import MICRO, Asset
from core.outbox import user as to_user
from tests.accounts.conftest import Bench


async def link(bench: Bench, user_id: int, code: str) -> bool:
    async with bench.tx() as s:
        return await referrals.link_referral(s, await bench.get(user_id), code)


async def test_linked_once_never_to_oneself_never_later_never_in_a_circle(bench: Bench) -> None:
    referrer = await bench.get(await bench.user())
    other = await bench.get(await bench.user())
    newcomer = await bench.user(age_minutes=0)
    assert referrals.parse_payload(referrals.start_payload(referrer)) == referrer.referral_code

    assert not await link(bench, newcomer, "ref_ZZZZZZZZ")  # nobody has this code
    assert not await link(bench, newcomer, (await bench.get(newcomer)).referral_code)  # oneself
    assert await link(bench, newcomer, referrals.start_payload(referrer))
    assert not await link(bench, newcomer, referrals.start_payload(other))  # no re-linking
    assert not await link(bench, newcomer, referrals.start_payload(referrer))
    assert (await bench.get(newcomer)).referred_by == referrer.id
    joined = await bench.outbox(events.ReferralJoined, to_user(referrer.id))
    assert [m.payload["user_id"] for m in joined] == [newcomer]

    old_timer = await bench.user(age_minutes=120)
    assert not await link(bench, old_timer, referrals.start_payload(referrer))
    assert (await bench.get(old_timer)).referred_by is None

    # A and B both new: B came through A's link, so A cannot come through B's (nor C's, below B).
    a, b, c = (
        await bench.user(age_minutes=0),
        await bench.user(age_minutes=0),
        await bench.user(age_minutes=0),
    )
    assert await link(bench, b, referrals.start_payload(await bench.get(a)))
    assert await link(bench, c, referrals.start_payload(await bench.get(b)))
    assert not await link(bench, a, referrals.start_payload(await bench.get(b)))
    assert not await link(bench, a, referrals.start_payload(await bench.get(c)))
    assert (await bench.get(a)).referred_by is None


async def test_completed_trade_rewards_the_referrer_exactly_once(bench: Bench) -> None:
    referrer = await bench.get(await bench.user())
    buyer = await bench.user(age_minutes=0, level=2)
    assert await link(bench, buyer, referrals.start_payload(referrer))
    seller = await bench.user(level=2)
    fees_before = await bench.platform(Purpose.FEES)
    trade = await bench.completed_trade(seller, buyer, 500)  # the release credits the referrer
    assert trade.buyer_fee == 1 * MICRO  # 0.2 % of 500 USDT
    assert await bench.available(referrer.id) == 200_000  # 20 % of the buyer's 1 USDT fee

    async def reward() -> int:
        async with bench.tx() as s:
            return await referrals.reward_referrer(
                s, trade_id=trade.id, user_id=buyer, fee_micro=trade.buyer_fee, asset=Asset.USDT
            )

    # Called again (even concurrently) for the same trade: nothing more moves.
    results = await asyncio.gather(reward(), reward(), reward())
    assert results == [0, 0, 0]
    assert await bench.available(referrer.id) == 200_000
    fees_of_trade = trade.buyer_fee + trade.seller_fee
    assert await bench.platform(Purpose.FEES) == fees_before + fees_of_trade - 200_000
    async with bench.factory() as s:
        lines = [x for x in await statement(s, referrer.id) if x.kind == "referral_reward"]
        summary = await referrals.summary(s, referrer)
    assert len(lines) == 1 and lines[0].ref == f"trade:{trade.id}"
    assert summary.referred == 1 and summary.earned == {Asset.USDT: 200_000, Asset.TRX: 0}
    assert len(await bench.outbox(events.ReferralReward, to_user(referrer.id))) == 1

    # The seller was referred by nobody: nothing. After the period: nothing.
    async with bench.tx() as s:
        assert (
            await referrals.reward_referrer(
                s, trade_id=trade.id, user_id=seller, fee_micro=trade.seller_fee, asset=Asset.USDT
            )
            == 0
        )
        late = datetime.now(UTC) + timedelta(days=181)
        assert (
            await referrals.reward_referrer(
                s, trade_id=trade.id + 10**9, user_id=buyer, fee_micro=MICRO, asset=Asset.USDT, now=late
            )
            == 0
        )
    await bench.audit_ok()
