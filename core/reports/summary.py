"""The weekly market summary for the payments channel: the last complete week (Monday to
Sunday, Baghdad), posted once (report_summaries_posted) by an hourly job."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core import events, outbox
from core.reports import market, periods
from core.reports.models import SummaryPosted


def summary_event(report: market.MarketReport) -> events.MarketSummary:
    t = report.totals
    daily = [sum(int(s.values[i] or 0) for s in report.chart("trades").series) for i in range(len(report.period.buckets()))]
    return events.MarketSummary(
        first_day=report.period.first_day.isoformat(), last_day=report.period.last_day.isoformat(),
        pairs=tuple(p.pair for p in t.pairs), trades=tuple(p.trades for p in t.pairs),
        volumes=tuple(p.crypto for p in t.pairs), medians=tuple(p.median_price for p in t.pairs),
        daily_trades=tuple(daily), traders=t.active_traders, disputes_opened=t.disputes_opened,
        disputes_resolved=t.disputes_resolved,
    )  # fmt: skip


async def post_weekly_summary(session: AsyncSession, *, now: datetime | None = None) -> bool:
    """Emit last week's summary unless it was posted; True when it was emitted now."""
    monday = market.week_of(periods.today(now)) - timedelta(days=7)
    claimed = await session.execute(
        insert(SummaryPosted).values(week=monday).on_conflict_do_nothing().returning(SummaryPosted.week)
    )
    if claimed.first() is None:
        return False
    report = await market.market_report(session, periods.days(monday, monday + timedelta(days=6)), now=now)
    outbox.emit(session, summary_event(report), [outbox.PAYMENTS_CHANNEL])
    return True
