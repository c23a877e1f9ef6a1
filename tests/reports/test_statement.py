"""A trader's statement: its closing balance equals the ledger's (everything the trader owns),
in English and Arabic, in the CSV and the PDF; each trade names the counterparty's nickname,
each withdrawal its txid; a period with nothing is still a valid pair of files."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from pypdf import PdfReader

from botkit.i18n import use_locale
from botkit.report_texts import statement_texts
from core.escrow.models import Trade
from core.ledger import user_balances
from core.money import MICRO, Asset
from core.reports import periods, statement_files
from core.reports.statement import build_statement
from core.users import User
from tests.reports.conftest import Script


def _texts(lang: str, name: str, period: periods.Period) -> statement_files.StatementTexts:
    with use_locale(lang):
        return statement_texts(lang, name, period, datetime.now(UTC))


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM spreadsheets need for Arabic
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) >= 1
    return "\n".join(page.extract_text() for page in reader.pages)


async def test_closing_balances_match_the_ledger_in_both_languages(script: Script) -> None:
    period = periods.days(periods.today() - timedelta(days=30), periods.today())
    for user_id in (script.seller, script.buyer, script.buyer2, script.referrer):
        async with script.factory() as s:
            st = await build_statement(s, user_id, period)
            owned = await user_balances(s, user_id)
        for asset in Asset:
            b = st.balance(asset)
            assert b.opening == 0 and b.closing == owned[asset].total
            assert sum(line.change for line in st.lines if line.asset == asset) == b.closing - b.opening
        for lang, header, closing in (("en", "Date (Baghdad)", "Closing balance"), ("ar", "التاريخ (بغداد)", "الرصيد الختامي")):
            csv_file, pdf_file = await statement_files.render_files(st, _texts(lang, st.name, period))
            rows = _csv_rows(csv_file)
            assert rows[0][0] == header
            closings = {r[2]: Decimal(r[-1]) for r in rows if r[1] == closing}
            assert closings == {a.value: Decimal(owned[a].total) / MICRO for a in Asset}
            text = _pdf_text(pdf_file)
            if lang == "en":
                assert "Account statement" in text and "Closing balance" in text


async def test_lines_name_the_trade_the_counterparty_and_the_txid(script: Script) -> None:
    period = periods.days(periods.today() - timedelta(days=30), periods.today())
    async with script.factory() as s:
        buyer_st = await build_statement(s, script.buyer, period)
        seller_st = await build_statement(s, script.seller, period)
        seller = await s.get(User, script.seller)
        first = await s.get(Trade, script.yesterday_trade)
    assert seller is not None and first is not None
    bought = next(line for line in buyer_st.lines if line.reference == f"trade:{first.id}")
    assert (bought.kind, bought.side, bought.amount, bought.price, bought.fiat_total, bought.fee) == (
        "trade", "buy", 100 * MICRO, Decimal(1310), Decimal(131000), first.buyer_fee)
    assert bought.counterparty == seller.nickname and bought.method == "zaincash"
    assert bought.change == first.buyer_receives
    kinds = [line.kind for line in buyer_st.lines]
    assert {"deposit", "trade", "premium", "transfer"} <= set(kinds)
    assert [line.side for line in buyer_st.lines if line.kind == "transfer"] == ["out"]
    sent = next(line for line in seller_st.lines if line.kind == "withdrawal")
    assert sent.txid == script.withdrawal.txid and sent.amount == 100 * MICRO
    assert sent.change == -(script.withdrawal.amount + script.withdrawal.fee)
    deposit = next(line for line in seller_st.lines if line.kind == "deposit")
    assert deposit.txid and len(deposit.txid) == 64
    # the rows of the files say the same, in the trader's words
    rows = _csv_rows(statement_files.statement_csv(buyer_st, _texts("en", buyer_st.name, period)))
    trade_row = next(r for r in rows if r[1] == "trade (buy)" and r[4] == "1310 IQD")
    assert trade_row[7] == seller.nickname and trade_row[8] == "ZainCash" and trade_row[5] == "131000 IQD"
    ar_rows = _csv_rows(statement_files.statement_csv(buyer_st, _texts("ar", buyer_st.name, period)))
    assert any(r[1] == "صفقة (شراء)" for r in ar_rows)


async def test_a_period_with_nothing_still_gives_valid_files(script: Script) -> None:
    period = periods.year(2020)
    async with script.factory() as s:
        st = await build_statement(s, script.buyer, period)
    assert st.lines == () and all(b.opening == b.closing == 0 for b in st.balances)
    for lang in ("en", "ar"):
        csv_file, pdf_file = await statement_files.render_files(st, _texts(lang, st.name, period))
        rows = _csv_rows(csv_file)
        assert len(rows) == 1 + 2 * len(Asset)  # header, opening and closing per asset
        assert rows[1][0] == date(2020, 1, 1).isoformat() and rows[-1][0] == date(2020, 12, 31).isoformat()
        text = _pdf_text(pdf_file)
        if lang == "en":
            assert "Nothing happened in this period." in text
