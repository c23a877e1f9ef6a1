"""Monthly dispute statistics for the payments channel (issue 22): how many disputes were opened
last month, how many were resolved, for which side, and the median time to resolve. Counts
only: no trade, party or moderator is named. Posted once per month (``dispute_reports``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core import events, outbox
from core.escrow.models import Dispute, DisputeReport


def _month_start(day: date) -> datetime:
    return datetime.combine(day.replace(day=1), time(), tzinfo=UTC)


async def month_stats(session: AsyncSession, month: date) -> events.DisputeMonthlyStats:
    """The statistics of the disputes opened in ``month`` (any day of it)."""
    start = _month_start(month)
    end = _month_start((start + timedelta(days=32)).date())
    minutes = func.extract("epoch", Dispute.resolved_at - Dispute.opened_at) / 60
    row = (await session.execute(
        select(func.count(), func.count(Dispute.resolution),
               func.count().filter(Dispute.resolution == "release"),
               func.count().filter(Dispute.resolution == "refund"),
               func.percentile_cont(0.5).within_group(minutes))
        .where(Dispute.opened_at >= start, Dispute.opened_at < end)
    )).one()  # fmt: skip
    opened, resolved, for_buyer, for_seller, median = row
    return events.DisputeMonthlyStats(month=start.strftime("%Y-%m"), opened=opened, resolved=resolved,
                                      for_buyer=for_buyer, for_seller=for_seller,
                                      median_minutes=round(median) if median is not None else None)  # fmt: skip


async def monthly_report_due(session: AsyncSession, now: datetime | None = None) -> bool:
    """Post last month's statistics to the payments channel, once (a month without disputes
    is not posted); True when posted now."""
    now = now or datetime.now(UTC)
    last_month = (_month_start(now.date()) - timedelta(days=1)).date().replace(day=1)
    claimed = await session.scalar(
        insert(DisputeReport).values(month=last_month).on_conflict_do_nothing()
        .returning(DisputeReport.month)
    )  # fmt: skip
    if claimed is None:
        return False
    stats = await month_stats(session, last_month)
    if not stats.opened:
        return False
    outbox.emit(session, stats, [outbox.PAYMENTS_CHANNEL])
    return True
