"""The weekly summary reaches the payments channel once per week, as a chart and a short text
with no trader named; the daily snapshot keeps one row per day and asset, the last reading
winning."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from PIL import Image
from sqlalchemy import select

from bootstrap import build_renderers
from botkit.rendering import Recipient
from core import events, outbox
from core.money import MICRO, Asset
from core.outbox import OutboxMessage
from core.reports import charts, periods, snapshots, summary
from core.reports.models import HoldingsDay
from core.users import User
from core.wallet.report import AssetReport
from tests.reports.conftest import Script


async def test_the_weekly_summary_is_posted_once_with_a_chart_and_no_names(script: Script) -> None:
    next_week = datetime.now(UTC) + timedelta(days=7)  # this week is then the last complete one
    async with script.tx() as s:
        assert await summary.post_weekly_summary(s, now=next_week)
    async with script.tx() as s:
        assert not await summary.post_weekly_summary(s, now=next_week)  # the same week again: nothing
    async with script.factory() as s:
        rows = list((await s.execute(select(OutboxMessage).where(
            OutboxMessage.kind == events.kind_of(events.MarketSummary)))).scalars())  # fmt: skip
        nicknames = [u.nickname for u in (await s.execute(select(User))).scalars() if u.nickname]
    assert [r.recipient for r in rows] == [outbox.PAYMENTS_CHANNEL]
    event = events.parse(rows[0].kind, rows[0].payload)
    assert isinstance(event, events.MarketSummary)
    assert event.pairs == ("USDT/IQD", "USDT/USD") and event.trades == (3, 1)
    assert event.volumes == (350 * MICRO, 20 * MICRO) and sum(event.daily_trades) == 4
    renderers = build_renderers()
    for lang, words in (("en", "The market this week"), ("ar", "السوق هذا الأسبوع")):
        rendered = renderers.render(event, Recipient(events.CHANNEL, -100, lang))
        assert rendered is not None and words in rendered.text
        assert not any(name in rendered.text for name in nicknames)
        assert callable(rendered.photo)  # drawn by the notifier in a worker thread
        image = Image.open(io.BytesIO(rendered.photo()))
        assert image.size == (charts.WIDTH, charts.HEIGHT)


async def test_the_snapshot_keeps_the_days_last_reading(script: Script) -> None:
    def line(asset: Asset, hot: int) -> AssetReport:
        return AssetReport(asset, hot=hot, liabilities=0, pending_withdrawals=0, cold=7 * MICRO)

    later = datetime.now(UTC) + timedelta(days=400)  # a day of its own: the market's charts keep today's
    async with script.tx() as s:
        await snapshots.record_day(s, lines=[line(Asset.USDT, 1 * MICRO), line(Asset.TRX, 2 * MICRO)], now=later)
    async with script.tx() as s:
        await snapshots.record_day(s, lines=[line(Asset.USDT, 3 * MICRO), line(Asset.TRX, 4 * MICRO)], now=later)
    async with script.factory() as s:
        rows = {r.asset: r for r in (await s.execute(
            select(HoldingsDay).where(HoldingsDay.day == periods.today(later)))).scalars()}  # fmt: skip
    assert {a: (r.hot, r.cold) for a, r in rows.items()} == {"USDT": (3 * MICRO, 7 * MICRO), "TRX": (4 * MICRO, 7 * MICRO)}
    assert rows["USDT"].liabilities > 0


async def test_two_workers_post_a_week_once(script: Script) -> None:
    """Two processes running the job at once: the week's row is claimed by one of them."""
    import asyncio

    week_after = datetime.now(UTC) + timedelta(days=14)

    async def run() -> bool:
        async with script.tx() as s:
            return await summary.post_weekly_summary(s, now=week_after)

    assert sorted(await asyncio.gather(run(), run(), run())) == [False, False, True]
