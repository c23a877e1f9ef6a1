"""Who may advertise (issue 22): admins set the market's rules for publishing in the admin bot;
a trader short of them is refused with each rule's value and their own figure, and publishes once
they meet them. With the rules at 0 (the default) nobody is asked anything."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from core.escrow.models import Offer
from core.users import User
from tests.e2e.harness import Market
from tests.i18n.arabic_text import problems
from tests.market.conftest import fund
from tests.market.flows import publish_sell_offer, say


async def offers_of(market: Market, user_id: int) -> int:
    async with market.session_factory() as s:
        return int(await s.scalar(select(func.count()).select_from(Offer).where(Offer.maker_id == user_id)) or 0)


async def admin_sets(market: Market, name: str, value: int) -> None:
    await market.admin.send(market.admin_bot, f"/set {name} {value}")
    await market.admin.wait_for(market.admin_bot, contains=f"{name} is now {value}")


async def test_a_new_trader_is_refused_with_the_rules_and_what_they_lack(market: Market) -> None:
    await admin_sets(market, "advertise_min_account_age_days", 30)
    await admin_sets(market, "advertise_min_trades", 20)
    await admin_sets(market, "advertise_min_completion_pct", 80)
    await admin_sets(market, "advertise_min_counterparties", 10)
    await admin_sets(market, "advertise_min_kyc_level", 1)
    await market.admin.send(market.admin_bot, "/market")
    listed = await market.admin.wait_for(market.admin_bot, contains="advertise_min_trades")
    assert "advertise_min_trades = 20" in listed.text

    newcomer = await market.newcomer("Nadia", lang="en")
    refused = await say(newcomer, "/newoffer", "You cannot publish offers yet")
    assert "❌ Account age: 30 days · yours: 0 days" in refused.text
    assert "❌ Completed trades: 20 · yours: 0" in refused.text
    assert "❌ Completion rate over 30 days: 80% · yours: 0%" in refused.text
    assert "❌ Different traders completed with: 10 · yours: 0" in refused.text
    assert "❌ Verification level: 1 · yours: 0" in refused.text
    assert await offers_of(market, newcomer.id) == 0

    arab = await market.newcomer("Karim", lang="ar")
    await arab.send(market.traders, "/newoffer")
    told = await arab.wait_for(market.traders, contains="❌")
    assert "٣٠" in told.text and problems(told.text) == []


async def test_a_trader_who_meets_the_rules_publishes(market: Market) -> None:
    await admin_sets(market, "advertise_min_account_age_days", 30)
    await admin_sets(market, "advertise_min_kyc_level", 1)
    maker = await market.newcomer("Samir", lang="en")
    async with market.session_factory() as s, s.begin():
        await s.execute(update(User).where(User.id == maker.id).values(kyc_level=1))
    refused = await say(maker, "/newoffer", "You cannot publish offers yet")
    assert "✅ Verification level: 1 · yours: 1" in refused.text and "❌ Account age" in refused.text

    async with market.session_factory() as s, s.begin():
        await s.execute(update(User).where(User.id == maker.id)
                        .values(created_at=datetime.now(UTC) - timedelta(days=31)))  # fmt: skip
    await fund(market.session_factory, maker.id, 500)
    await publish_sell_offer(market, maker)
    assert await offers_of(market, maker.id) == 1


async def test_by_default_nobody_is_asked_anything(market: Market) -> None:
    maker = await market.newcomer("Huda", lang="en")
    await fund(market.session_factory, maker.id, 500)
    await publish_sell_offer(market, maker)
    assert await offers_of(market, maker.id) == 1
