"""A month's report over 1,000,000 trades, against a plain scan of the same rows, in one run.

    python -m bench.reports [--trades 1000000] [--users 20000]

A scratch database on the test server, migrated; synthetic rows loaded with COPY: users joining
through the month, four offers (USDT and TRX against IQD and USD), ``--trades`` completed trades
spread over November 2026 (Baghdad), a dispute per hundred trades (resolved), and per trade the
release entry's fee posting to the platform's FEES account (what the revenue report reads), plus
deposits and withdrawals. Then, timed:

- report: core.reports.market.market_report (all eight charts and the totals) and
  core.reports.revenue.revenue for the month, the queries /stats and /revenue run;
- reference: ``SELECT count(*), sum(crypto_amount), sum(fiat_amount), sum(fees)`` over the same
  month's trades, the least any report has to read.

Prints both, their ratio, and whether the report met the 30 s goal. The database is dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg
from sqlalchemy import text

from bench.ledger import _create_db, _drop_db, _url
from core import migrate
from core.db import make_engine, make_session_factory
from core.reports import market, periods, revenue

GOAL_SECONDS = 30.0
MONTH = periods.month(2026, 11)
PAIRS = (("USDT", "IQD", Decimal(1310)), ("USDT", "USD", Decimal("1.00")), ("TRX", "IQD", Decimal(400)),
         ("TRX", "USD", Decimal("0.30")))  # fmt: skip
REFERENCE = text("""
    SELECT count(*), sum(crypto_amount), sum(fiat_amount), sum(seller_fee + buyer_fee) FROM trades
    WHERE status = 'completed' AND completed_at >= :start AND completed_at < :end
""")


def _moment(rng: random.Random) -> datetime:
    span = (MONTH.end - MONTH.start).total_seconds()
    return MONTH.start + timedelta(seconds=rng.uniform(0, span - 7200))


async def _load(url: str, n_trades: int, n_users: int) -> None:
    rng = random.Random(23)
    conn = await asyncpg.connect(url)
    try:
        users = [(i, f"u{i}", f"bench{i}", _moment(rng)) for i in range(1, n_users + 1)]
        await conn.copy_records_to_table("users", records=users, columns=["id", "first_name", "referral_code", "created_at"])
        for offer_id, (asset, fiat, price) in enumerate(PAIRS, start=1):
            await conn.execute(
                "INSERT INTO offers (id, maker_id, side, asset, fiat, price_type, price, amount, remaining, maker_fee_pct,"
                " min_fiat, max_fiat, payment_methods, payment_window, status) VALUES ($1, 1, 'sell', $2, $3, 'fixed', $4,"
                " 1, 0, 0.5, 1, 1, '{zaincash}', 30, 'active')", offer_id, asset, fiat, price)  # fmt: skip
            await conn.execute("INSERT INTO market_rates (asset, fiat, rate) VALUES ($1, $2, $3)", asset, fiat, price)
        trades, fees = [], []
        for trade_id in range(1, n_trades + 1):
            offer = rng.randrange(len(PAIRS))
            asset, fiat, rate = PAIRS[offer]
            price = (rate * Decimal(rng.randint(970, 1030)) / 1000).quantize(Decimal("0.01"))
            crypto = rng.randint(10, 2_000) * 1_000_000
            fiat_amount = (price * crypto / 1_000_000).quantize(Decimal("0.01"))
            fee = crypto // 200
            seller, buyer = rng.sample(range(1, n_users + 1), 2)
            opened = _moment(rng)
            done = opened + timedelta(minutes=rng.randint(5, 90))
            trades.append((trade_id, offer + 1, "sell", seller, buyer, seller, buyer, asset, fiat, price, fiat_amount,
                           crypto, fee, fee, "reserve", "zaincash", 30, "completed", opened,
                           opened + timedelta(minutes=30), done))  # fmt: skip
            fees.append((trade_id, asset, 2 * fee, done))
        await conn.copy_records_to_table("trades", records=trades, columns=[
            "id", "offer_id", "offer_side", "maker_id", "taker_id", "seller_id", "buyer_id", "asset", "fiat", "price",
            "fiat_amount", "crypto_amount", "seller_fee", "buyer_fee", "escrow_source", "payment_method",
            "payment_window", "status", "created_at", "expires_at", "completed_at"])  # fmt: skip
        disputes = [(t[0], t[5], "bench", t[18], t[20], "release") for t in trades[:: 100]]
        await conn.copy_records_to_table("disputes", records=disputes, columns=[
            "trade_id", "opened_by", "reason", "opened_at", "resolved_at", "resolution"])  # fmt: skip
        await _ledger(conn, rng, fees)
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


async def _ledger(conn: asyncpg.Connection, rng: random.Random, fees: list[tuple[int, str, int, datetime]]) -> None:
    """The platform's side of the month's entries: each release's fees to FEES, deposits and
    withdrawals against their outside accounts (the users' side is not needed by the reports)."""
    accounts = {}
    for purpose in ("fees", "deposits", "withdrawals"):
        for asset in ("USDT", "TRX"):
            accounts[purpose, asset] = await conn.fetchval(
                "INSERT INTO ledger_accounts (owner_kind, owner_id, purpose, asset) VALUES ('platform', 0, $1, $2) "
                "RETURNING id", purpose, asset)  # fmt: skip
    entries: list[tuple[int, str, str, str | None, str, datetime]] = []
    postings: list[tuple[int, int, int]] = []
    for trade_id, asset, fee, at in fees:
        entries.append((trade_id, "trade_release", f"trade:{trade_id}:release", f"trade:{trade_id}", "bench", at))
        postings.append((trade_id, accounts["fees", asset], fee))
    next_id = len(fees) + 1
    for n in range(len(fees) // 20):  # a deposit or a withdrawal per twenty trades
        kind, purpose, sign = ("deposit", "deposits", -1) if n % 3 else ("withdrawal_sent", "withdrawals", 1)
        asset = "USDT" if n % 2 else "TRX"
        entries.append((next_id, kind, f"bench:{kind}:{n}", None, "bench", _moment(rng)))
        postings.append((next_id, accounts[purpose, asset], sign * rng.randint(1, 5_000) * 1_000_000))
        next_id += 1
    await conn.copy_records_to_table("ledger_entries", records=entries,
                                     columns=["id", "kind", "key", "ref", "fingerprint", "created_at"])  # fmt: skip
    await conn.copy_records_to_table("ledger_postings", records=postings, columns=["entry_id", "account_id", "amount"])


async def _measure(url: str) -> tuple[float, float, int]:
    engine = make_engine(url)
    try:
        factory = make_session_factory(engine)
        async with factory() as s:
            await s.execute(text("SELECT 1"))
            started = time.perf_counter()
            n = int((await s.execute(REFERENCE, {"start": MONTH.start, "end": MONTH.end})).one()[0])
            reference = time.perf_counter() - started
        async with factory() as s:
            started = time.perf_counter()
            report = await market.market_report(s, MONTH, now=datetime(2026, 12, 5, tzinfo=UTC))
            fees = await revenue.revenue(s, MONTH)
            elapsed = time.perf_counter() - started
        assert sum(p.trades for p in report.totals.pairs) == n
        assert sum(line.amount for line in fees.lines if line.category == "trade_fees") == sum(
            p.fees for p in report.totals.pairs)
        return elapsed, reference, n
    finally:
        await engine.dispose()


async def _migrate(url: str) -> None:
    engine = make_engine(url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reports")
    parser.add_argument("--trades", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=20_000)
    args = parser.parse_args(argv)
    name = asyncio.run(_create_db("koxx_bench_reports"))
    try:
        asyncio.run(_migrate(_url(name, "postgresql+asyncpg")))
        started = time.perf_counter()
        asyncio.run(_load(_url(name, "postgresql"), args.trades, args.users))
        print(f"loaded {args.trades} trades, {args.users} users with COPY in {time.perf_counter() - started:.1f} s",
              flush=True)  # fmt: skip
        elapsed, reference, n = asyncio.run(_measure(_url(name, "postgresql+asyncpg")))
    finally:
        asyncio.run(_drop_db(name))
    print(f"report: a month ({n} completed trades): 8 charts, totals and revenue in {elapsed:.2f} s "
          f"(goal {GOAL_SECONDS:.0f} s: {'met' if elapsed < GOAL_SECONDS else 'MISSED'})")  # fmt: skip
    print(f"reference: one plain count/sum scan of the same trades in {reference:.2f} s")
    print(f"ratio report/reference: {elapsed / reference:.1f}x")
    return 0 if elapsed < GOAL_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
