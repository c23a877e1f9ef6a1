"""What the market did in a period, as charts (core.reports.figures) and totals: the queries
behind /stats, its CSV and the weekly summary. Every aggregate is computed by PostgreSQL, per
Baghdad hour or day (``date_trunc`` of the local time); medians are ``percentile_disc`` (a price
that was really paid, exact Decimal)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from core.money import Asset
from core.reports.figures import Chart, Series, Value, coins
from core.reports.periods import ZONE_NAME, Period, today

HOURS = Decimal("0.1")

# One scan for both: per bucket and pair, and (bucket NULL) per pair over the whole period.
_TRADES = text("""
    SELECT bucket, asset, fiat, count(*) AS n, sum(crypto_amount) AS crypto, sum(fiat_amount) AS fiat_total,
           sum(seller_fee + buyer_fee) AS fees, percentile_disc(0.5) WITHIN GROUP (ORDER BY price) AS median
    FROM (SELECT date_trunc(:unit, completed_at AT TIME ZONE :zone) AS bucket, asset, fiat, crypto_amount,
                 fiat_amount, seller_fee, buyer_fee, price
          FROM trades
          WHERE status = 'completed' AND completed_at >= :start AND completed_at < :end) AS t
    GROUP BY GROUPING SETS ((bucket, asset, fiat), (asset, fiat))
    ORDER BY asset, fiat
""")
# Parties of the trades opened, per bucket and (bucket NULL) over the period.
_ACTIVE = text("""
    SELECT bucket, count(DISTINCT party)
    FROM (SELECT date_trunc(:unit, created_at AT TIME ZONE :zone) AS bucket, party
          FROM trades CROSS JOIN LATERAL (VALUES (buyer_id), (seller_id)) AS p(party)
          WHERE created_at >= :start AND created_at < :end) AS t
    GROUP BY GROUPING SETS ((bucket), ())
""")
_NEW = text("""
    SELECT date_trunc(:unit, created_at AT TIME ZONE :zone), count(*)
    FROM users WHERE created_at >= :start AND created_at < :end GROUP BY 1
""")
_OPENED = text("""
    SELECT date_trunc(:unit, opened_at AT TIME ZONE :zone), count(*)
    FROM disputes WHERE opened_at >= :start AND opened_at < :end GROUP BY 1
""")
_RESOLVED = text("""
    SELECT date_trunc(:unit, resolved_at AT TIME ZONE :zone), count(*),
           extract(epoch FROM percentile_disc(0.5) WITHIN GROUP (ORDER BY resolved_at - opened_at))
    FROM disputes WHERE resolved_at >= :start AND resolved_at < :end GROUP BY 1
""")
_DISPUTE_TOTALS = text("""
    SELECT (SELECT count(*) FROM disputes WHERE opened_at >= :start AND opened_at < :end),
           count(*),
           extract(epoch FROM percentile_disc(0.5) WITHIN GROUP (ORDER BY resolved_at - opened_at))
    FROM disputes WHERE resolved_at >= :start AND resolved_at < :end
""")
# Deposits credited and withdrawals sent, from the platform's side of their ledger entries.
_FLOWS = text("""
    SELECT date_trunc(:unit, e.created_at AT TIME ZONE :zone), e.kind, a.asset, sum(p.amount)
    FROM ledger_entries e
    JOIN ledger_postings p ON p.entry_id = e.id
    JOIN ledger_accounts a ON a.id = p.account_id
    WHERE e.kind IN ('deposit', 'withdrawal_sent') AND e.created_at >= :start AND e.created_at < :end
      AND a.owner_kind = 'platform' AND a.purpose IN ('deposits', 'withdrawals')
    GROUP BY 1, 2, 3
""")
_HOLDINGS = text("""
    SELECT day, asset, hot, cold, liabilities FROM report_holdings_daily
    WHERE day >= :first AND day <= :last
""")
_RATES = text("""
    SELECT day, asset, fiat, rate FROM report_rates_daily WHERE day >= :first AND day <= :last
""")
_LIVE_RATES = text("SELECT asset, fiat, rate FROM market_rates")


@dataclass(frozen=True)
class PairTotal:
    asset: str
    fiat: str
    trades: int
    crypto: int  # micro units
    fiat_total: Decimal
    fees: int  # micro units
    median_price: Decimal

    @property
    def pair(self) -> str:
        return f"{self.asset}/{self.fiat}"


@dataclass(frozen=True)
class Totals:
    pairs: tuple[PairTotal, ...]
    active_traders: int  # parties to a trade opened in the period
    new_traders: int
    disputes_opened: int
    disputes_resolved: int
    median_resolve_hours: Decimal | None


@dataclass(frozen=True)
class MarketReport:
    period: Period
    charts: tuple[Chart, ...]
    totals: Totals

    def chart(self, key: str) -> Chart:
        return next(c for c in self.charts if c.key == key)


def _params(period: Period) -> dict[str, Any]:
    return {"unit": period.bucket, "zone": ZONE_NAME, "start": period.start, "end": period.end}


def _pair_key(asset: str, fiat: str) -> str:
    return f"{asset}/{fiat}"


def _hours(seconds: Any) -> Decimal | None:
    return None if seconds is None else (Decimal(seconds) / 3600).quantize(HOURS)


async def _totals(
    session: AsyncSession, p: dict[str, Any], pairs: tuple[PairTotal, ...], active: int
) -> Totals:
    new = int((await session.execute(text(
        "SELECT count(*) FROM users WHERE created_at >= :start AND created_at < :end"), p)).scalar_one())
    opened, resolved, median = (await session.execute(_DISPUTE_TOTALS, p)).one()
    return Totals(pairs, active, new, int(opened), int(resolved), _hours(median))


async def market_report(session: AsyncSession, period: Period, *, now: datetime | None = None) -> MarketReport:
    """Every chart of /stats for ``period``, and the period's totals."""
    buckets = tuple(period.buckets())
    index = {b: i for i, b in enumerate(buckets)}
    p = _params(period)

    def blank() -> list[Value]:
        return [None] * len(buckets)

    def zeros() -> list[Value]:
        return [Decimal(0)] * len(buckets)

    live_rates = {(a, f): Decimal(r) for a, f, r in (await session.execute(_LIVE_RATES)).tuples()}
    rows = list((await session.execute(_TRADES, p)).tuples())
    trade_rows = [row for row in rows if row[0] is not None]
    pair_totals = tuple(
        PairTotal(a, f, int(n), int(c), Decimal(t), int(fee), Decimal(m))
        for bucket, a, f, n, c, t, fee, m in rows if bucket is None
    )
    pairs = sorted({(a, f) for _, a, f, *_ in trade_rows} | set(live_rates))
    assets = sorted({a for a, _ in pairs} | {asset.value for asset in Asset})

    volume = {pair: zeros() for pair in pairs}
    count = {pair: zeros() for pair in pairs}
    median = {pair: blank() for pair in pairs}
    fees = {asset: zeros() for asset in assets}
    for bucket, a, f, n, crypto, _fiat_total, fee, med in trade_rows:
        i = index[bucket]
        volume[a, f][i] = coins(int(crypto))
        count[a, f][i] = Decimal(n)
        median[a, f][i] = Decimal(med)
        fees[a][i] = (fees[a][i] or Decimal(0)) + coins(int(fee))

    traders, active_total = await _trader_series(session, p, index, zeros)
    charts = [
        Chart("volume", "bar", buckets, tuple(Series(_pair_key(*pair), pair[0], tuple(v)) for pair, v in volume.items())),
        Chart("trades", "bar", buckets, tuple(Series(_pair_key(*pair), "count", tuple(v)) for pair, v in count.items())),
        Chart("prices", "line", buckets, await _price_series(session, period, pairs, median, live_rates, index, now)),
        Chart("fees", "bar", buckets, tuple(Series(a, a, tuple(v)) for a, v in fees.items())),
        Chart("traders", "bar", buckets, traders),
        Chart("disputes", "bar", buckets, await _dispute_series(session, p, index, zeros, blank)),
        Chart("flows", "bar", buckets, await _flow_series(session, p, index, assets, zeros)),
        Chart("holdings", "line", buckets, await _holding_series(session, period, buckets, assets)),
    ]  # fmt: skip
    return MarketReport(period, tuple(charts), await _totals(session, p, pair_totals, active_total))


async def _price_series(
    session: AsyncSession, period: Period, pairs: list[tuple[str, str]], median: dict[tuple[str, str], list[Value]],
    live: dict[tuple[str, str], Decimal], index: dict[datetime, int], now: datetime | None,
) -> tuple[Series, ...]:
    """The median price paid and the reference rate of that day (the recorded one; today: the
    rate in force now)."""
    recorded: dict[tuple[date, str, str], Decimal] = {
        (d, a, f): Decimal(r)
        for d, a, f, r in (await session.execute(_RATES, {"first": period.first_day, "last": period.last_day})).tuples()
    }
    current_day = today(now)
    out: list[Series] = []
    for a, f in pairs:
        reference: list[Value] = []
        for bucket in index:
            day = bucket.date()
            reference.append(live.get((a, f)) if day == current_day else recorded.get((day, a, f)))
        key = _pair_key(a, f)
        out += [Series("median", key, tuple(median[a, f])), Series("reference", key, tuple(reference))]
    return tuple(out)


async def _counts(session: AsyncSession, query: Any, p: dict[str, Any], index: dict[datetime, int], zeros: Any) -> list[Value]:
    values: list[Value] = zeros()
    for bucket, n, *_ in (await session.execute(query, p)).tuples():
        values[index[bucket]] = Decimal(n)
    return values


async def _trader_series(
    session: AsyncSession, p: dict[str, Any], index: dict[datetime, int], zeros: Any
) -> tuple[tuple[Series, ...], int]:
    """New and active traders per bucket, and the active ones over the whole period."""
    active: list[Value] = zeros()
    total = 0
    for bucket, n in (await session.execute(_ACTIVE, p)).tuples():
        if bucket is None:
            total = int(n)
        else:
            active[index[bucket]] = Decimal(n)
    new = tuple(await _counts(session, _NEW, p, index, zeros))
    return (Series("new", "count", new), Series("active", "count", tuple(active))), total


async def _dispute_series(
    session: AsyncSession, p: dict[str, Any], index: dict[datetime, int], zeros: Any, blank: Any
) -> tuple[Series, ...]:
    resolved: list[Value] = zeros()
    hours: list[Value] = blank()
    for bucket, n, seconds in (await session.execute(_RESOLVED, p)).tuples():
        resolved[index[bucket]] = Decimal(n)
        hours[index[bucket]] = _hours(seconds)
    return (
        Series("opened", "count", tuple(await _counts(session, _OPENED, p, index, zeros))),
        Series("resolved", "count", tuple(resolved)),
        Series("median_resolve", "hours", tuple(hours)),
    )


async def _flow_series(
    session: AsyncSession, p: dict[str, Any], index: dict[datetime, int], assets: list[str], zeros: Any
) -> tuple[Series, ...]:
    flows: dict[tuple[str, str], list[Value]] = defaultdict(zeros)
    for bucket, kind, asset, total in (await session.execute(_FLOWS, p)).tuples():
        name = "deposits" if kind == "deposit" else "withdrawals"
        flows[name, asset][index[bucket]] = coins(abs(int(total)))
    return tuple(Series(name, a, tuple(flows[name, a])) for a in assets for name in ("deposits", "withdrawals"))


async def _holding_series(
    session: AsyncSession, period: Period, buckets: tuple[datetime, ...], assets: list[str]
) -> tuple[Series, ...]:
    """The daily readings (core.reports.snapshots); an hour of a day shows that day's reading."""
    rows = (await session.execute(_HOLDINGS, {"first": period.first_day, "last": period.last_day})).tuples()
    by_day = {(d, a): (hot, cold, owed) for d, a, hot, cold, owed in rows}
    out: list[Series] = []
    for asset in assets:
        for i, name in enumerate(("hot", "cold", "liabilities")):
            values = []
            for bucket in buckets:
                reading = by_day.get((bucket.date(), asset))
                micro = reading[i] if reading is not None else None
                values.append(None if micro is None else coins(int(micro)))
            out.append(Series(name, asset, tuple(values)))
    return tuple(out)


def week_of(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())
