"""/stats' figures after the scripted market: every chart is drawn (a PNG of the expected size,
titled in the admin's language, Arabic digits in Arabic), and every figure of its CSV equals
what the trade, dispute, user and ledger tables say, computed here independently (in Python,
by Baghdad day)."""

from __future__ import annotations

import csv
import io
import re
import statistics
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from PIL import Image
from sqlalchemy import select, text

from botkit.i18n import use_locale
from botkit.report_texts import chart_texts
from core.escrow.models import Dispute, Trade, TradeStatus
from core.ledger import Purpose
from core.money import MICRO
from core.reports import charts, market, periods
from core.reports.figures import CSV_HEADER, charts_csv
from core.reports.periods import ZONE
from core.users import User
from tests.reports.conftest import Script

CHARTS = ("volume", "trades", "prices", "fees", "traders", "disputes", "flows", "holdings")
DOCS = Path(__file__).resolve().parents[2] / "docs"
LATIN_DIGIT = re.compile(r"[0-9]")


def _day(moment: datetime) -> str:
    return datetime.combine(moment.astimezone(ZONE).date(), datetime.min.time()).isoformat()


def _coins(micro: int) -> Decimal:
    return Decimal(micro) / MICRO


async def _expected(script: Script, period: periods.Period) -> dict[tuple[str, str, str, str], Decimal]:
    """Every non-zero figure the month's charts must show, from the tables."""
    want: dict[tuple[str, str, str, str], Decimal] = defaultdict(Decimal)
    async with script.factory() as s:
        all_trades = list((await s.execute(select(Trade))).scalars())
        done = [t for t in all_trades if t.status == TradeStatus.COMPLETED and period.start <= t.completed_at < period.end]
        prices: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
        for t in done:
            pair, day = f"{t.asset}/{t.fiat}", _day(t.completed_at)
            want["volume", t.asset, pair, day] += _coins(t.crypto_amount)
            want["trades", "count", pair, day] += 1
            prices[pair, day].append(t.price)
        for (pair, day), values in prices.items():
            want["prices", pair, "median", day] = statistics.median_low(sorted(values))
        rates = (await s.execute(text("SELECT asset, fiat, rate FROM market_rates"))).tuples()
        today = _day(datetime.now(ZONE))
        for asset, fiat, rate in rates:
            want["prices", f"{asset}/{fiat}", "reference", today] = rate  # no history before today
        active: dict[str, set[int]] = defaultdict(set)
        for t in all_trades:
            if period.start <= t.created_at < period.end:
                active[_day(t.created_at)] |= {t.buyer_id, t.seller_id}
        for day, parties in active.items():
            want["traders", "count", "active", day] = Decimal(len(parties))
        for user in (await s.execute(select(User))).scalars():
            if period.start <= user.created_at < period.end:
                want["traders", "count", "new", _day(user.created_at)] += 1
        for d in (await s.execute(select(Dispute))).scalars():
            want["disputes", "count", "opened", _day(d.opened_at)] += 1
            assert d.resolved_at is not None
            want["disputes", "count", "resolved", _day(d.resolved_at)] += 1
            want["disputes", "hours", "median_resolve", _day(d.resolved_at)] = Decimal("3.0")
        # the ledger: fees to the platform at release, deposits credited, withdrawals sent
        rows = await s.execute(text("""
            SELECT e.kind, e.created_at, a.asset, a.purpose, p.amount FROM ledger_entries e
            JOIN ledger_postings p ON p.entry_id = e.id JOIN ledger_accounts a ON a.id = p.account_id
            WHERE a.owner_kind = 'platform'"""))
        for kind, at, asset, purpose, amount in rows.tuples():
            if kind == "trade_release" and purpose == Purpose.FEES:
                want["fees", asset, asset, _day(at)] += _coins(amount)
            elif kind == "deposit" and purpose == Purpose.DEPOSITS:
                want["flows", asset, "deposits", _day(at)] += _coins(-amount)
            elif kind == "withdrawal_sent" and purpose == Purpose.WITHDRAWALS:
                want["flows", asset, "withdrawals", _day(at)] += _coins(amount)
        owned = await s.execute(text(
            "SELECT asset, sum(balance) FROM ledger_accounts WHERE user_id IS NOT NULL GROUP BY asset"))
        for asset, total in owned.tuples():
            if total:
                want["holdings", asset, "liabilities", today] = _coins(int(total))
    return {key: value for key, value in want.items() if value != 0}


async def test_the_csv_of_every_chart_equals_the_tables_and_the_ledger(script: Script) -> None:
    period = periods.window("month")
    async with script.factory() as s:
        report = await market.market_report(s, period)
    assert [c.key for c in report.charts] == list(CHARTS)
    reader = csv.reader(io.StringIO(charts_csv(list(report.charts)).decode()))
    assert tuple(next(reader)) == CSV_HEADER
    shown = {(c, p, n, b): Decimal(v) for c, p, n, b, v in reader if v and Decimal(v) != 0}
    assert shown == await _expected(script, period)
    # what the scripted market did, in plain numbers
    assert shown["volume", "USDT", "USDT/IQD", _day(datetime.now(ZONE))] == Decimal(250)  # 50 + 200 today
    assert report.totals.disputes_opened == report.totals.disputes_resolved == 1
    assert report.totals.median_resolve_hours == Decimal("3.0")
    iqd = next(p for p in report.totals.pairs if p.pair == "USDT/IQD")
    assert (iqd.trades, iqd.crypto, iqd.median_price) == (3, 350 * MICRO, Decimal(1310))


async def test_a_day_has_one_bucket_per_hour(script: Script) -> None:
    async with script.factory() as s:
        report = await market.market_report(s, periods.window("day"))
    volume = report.chart("volume")
    assert len(volume.buckets) == 24 and volume.buckets[0].hour == 0
    today_iqd = sum(v or 0 for s in volume.series if s.name == "USDT/IQD" for v in s.values)
    assert today_iqd == Decimal(250)  # yesterday's 100 is not in today


async def test_every_chart_is_a_png_titled_in_the_admins_language(script: Script) -> None:
    async with script.factory() as s:
        report = await market.market_report(s, periods.window("week"))
    for lang, title in (("en", "Completed trades"), ("ar", "الصفقات المكتملة")):
        with use_locale(lang):
            texts = chart_texts(lang, report.period)
        images = await charts.render_all(report.charts, texts)
        assert len(images) == len(CHARTS)
        for png in images:
            image = Image.open(io.BytesIO(png))
            assert image.format == "PNG" and image.size == (charts.WIDTH, charts.HEIGHT)
        figure = charts.draw(report.chart("trades"), texts)
        assert figure.get_suptitle().split("\n")[0] == title
        figure.canvas.draw()
        ticks = [t.get_text() for ax in figure.axes for t in (*ax.get_xticklabels(), *ax.get_yticklabels())]
        ticks = [t for t in ticks if t]
        assert ticks
        if lang == "ar":
            assert not any(LATIN_DIGIT.search(t) for t in ticks), ticks
            assert all(re.search("[٠-٩]", t) for t in ticks)
            assert re.search("[٠-٩]", texts.period) and not LATIN_DIGIT.search(texts.period)
        else:
            assert all(LATIN_DIGIT.search(t) for t in ticks)


async def test_an_empty_period_still_draws_every_chart() -> None:
    """A fresh database: all zeros, "nothing in this period" on the picture, a CSV of zeros."""
    from core.reports.figures import Chart

    period = periods.days(date(2020, 1, 1), date(2020, 1, 7))
    chart = Chart("volume", "bar", tuple(period.buckets()), ())
    with use_locale("ar"):
        texts = chart_texts("ar", period)
    image = Image.open(io.BytesIO(charts.render(chart, texts)))
    assert image.size == (charts.WIDTH, charts.HEIGHT)
    assert charts_csv([chart]).decode().splitlines() == [",".join(CSV_HEADER)]


async def test_docs_screenshots(script: Script) -> None:
    """``KOXX_DOCS_SCREENSHOTS=1`` rewrites docs/stats-en.png and docs/stats-ar.png: four of the
    week's charts of the scripted market, two by two."""
    import os

    if not os.environ.get("KOXX_DOCS_SCREENSHOTS"):
        return
    async with script.factory() as s:
        report = await market.market_report(s, periods.window("week"))
    shown = [report.chart(key) for key in ("volume", "prices", "disputes", "flows")]
    for lang in ("en", "ar"):
        with use_locale(lang):
            texts = chart_texts(lang, report.period)
        images = [Image.open(io.BytesIO(png)) for png in await charts.render_all(shown, texts)]
        sheet = Image.new("RGB", (2 * charts.WIDTH, 2 * charts.HEIGHT), "white")
        for i, image in enumerate(images):
            column = (1 - i % 2) if lang == "ar" else i % 2  # Arabic reads the sheet from the right
            sheet.paste(image, (column * charts.WIDTH, (i // 2) * charts.HEIGHT))
        sheet.save(DOCS / f"stats-{lang}.png", optimize=True)
