"""A statement (core.reports.statement) as files: a CSV (Latin digits and dots, for a
spreadsheet) and a PDF (fpdf2; Arabic shaped by HarfBuzz through uharfbuzz, right to left, in
DejaVu Sans, the font matplotlib ships). The same rows feed both. CPU work: ``render_files``
runs in a worker thread."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import datetime
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.enums import TableCellFillMode

from core.reports.figures import coins
from core.reports.periods import ZONE
from core.reports.statement import Statement, StatementLine
from core.reports.texts import StatementTexts

FONT = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
FONT_BOLD = FONT.with_name("DejaVuSans-Bold.ttf")

COLUMNS = (
    "date", "kind", "asset", "amount", "price", "fiat_total", "fee", "counterparty", "method", "txid",
    "change", "balance",
)  # fmt: skip
NUMERIC = frozenset({"date", "amount", "price", "fiat_total", "fee", "change", "balance"})
# PDF column widths (mm, landscape A4: 277 mm of text width); the txid wraps.
WIDTHS = (27, 18, 13, 22, 17, 24, 16, 26, 17, 48, 24, 25)


def _when(moment: datetime) -> str:
    return moment.astimezone(ZONE).strftime("%Y-%m-%d %H:%M")


def _row(line: StatementLine, texts: StatementTexts) -> dict[str, str]:
    kind = texts.kinds.get(line.kind, line.kind)
    if line.side:
        kind = f"{kind} ({texts.kinds.get(line.side, line.side)})"
    return {
        "date": _when(line.at), "kind": kind, "asset": line.asset,
        "amount": "" if line.amount is None else str(coins(line.amount)),
        "price": "" if line.price is None else f"{line.price} {line.fiat}",
        "fiat_total": "" if line.fiat_total is None else f"{line.fiat_total} {line.fiat}",
        "fee": "" if line.fee is None else str(coins(line.fee)), "counterparty": line.counterparty or "",
        "method": texts.kinds.get(line.method, line.method) if line.method else "", "txid": line.txid or "",
        "change": str(coins(line.change)), "balance": str(coins(line.balance)),
    }  # fmt: skip


def _balance_rows(statement: Statement, texts: StatementTexts, closing: bool) -> list[dict[str, str]]:
    word = texts.closing if closing else texts.opening
    day = statement.period.last_day if closing else statement.period.first_day
    return [
        {**dict.fromkeys(COLUMNS, ""), "date": day.isoformat(), "kind": word, "asset": b.asset,
         "balance": str(coins(b.closing if closing else b.opening))}
        for b in statement.balances
    ]  # fmt: skip


def rows(statement: Statement, texts: StatementTexts) -> list[dict[str, str]]:
    """Opening balances, every line, closing balances: what both files show."""
    return [
        *_balance_rows(statement, texts, closing=False),
        *(_row(line, texts) for line in statement.lines),
        *_balance_rows(statement, texts, closing=True),
    ]


def statement_csv(statement: Statement, texts: StatementTexts) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([texts.headers[c] for c in COLUMNS])
    for row in rows(statement, texts):
        writer.writerow([row[c] for c in COLUMNS])
    return out.getvalue().encode("utf-8-sig")  # the BOM: spreadsheets then read Arabic right


def statement_pdf(statement: Statement, texts: StatementTexts) -> bytes:
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_auto_page_break(auto=True, margin=10)
    pdf.set_margins(10, 10, 10)
    pdf.add_font("dejavu", fname=str(FONT))
    pdf.add_font("dejavu", style="B", fname=str(FONT_BOLD))
    pdf.set_text_shaping(use_shaping_engine=True, direction="rtl" if texts.rtl else "ltr")
    pdf.add_page()
    align = "R" if texts.rtl else "L"
    d = texts.digits
    pdf.set_font("dejavu", "B", 15)
    pdf.cell(0, 9, texts.title, align=align, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("dejavu", "", 10)
    for line in (texts.trader, d(texts.period)):
        pdf.cell(0, 6, line, align=align, new_x="LMARGIN", new_y="NEXT")
    for b in statement.balances:
        pdf.cell(0, 6, d(f"{b.asset} | {texts.opening}: {coins(b.opening)} | {texts.closing}: {coins(b.closing)}"),
                 align=align, new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.ln(3)
    columns = list(COLUMNS)
    widths = list(WIDTHS)
    if texts.rtl:  # the first column on the right
        columns.reverse()
        widths.reverse()
    if not statement.lines:
        pdf.cell(0, 8, texts.empty, align=align, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("dejavu", "", 6.5)
    with pdf.table(col_widths=widths, text_align="RIGHT" if texts.rtl else "LEFT",
                   cell_fill_mode=TableCellFillMode.ROWS, cell_fill_color=245, line_height=3.6) as table:  # fmt: skip
        table.row([texts.headers[c] for c in columns])
        for row in rows(statement, texts):
            table.row([d(row[c]) if c in NUMERIC else row[c] for c in columns])
    pdf.ln(3)
    pdf.set_font("dejavu", "", 8)
    pdf.cell(0, 5, d(texts.generated), align=align)
    return bytes(pdf.output())


def render_both(statement: Statement, texts: StatementTexts) -> tuple[bytes, bytes]:
    return statement_csv(statement, texts), statement_pdf(statement, texts)


async def render_files(statement: Statement, texts: StatementTexts) -> tuple[bytes, bytes]:
    """(CSV, PDF), made in a worker thread."""
    return await asyncio.to_thread(render_both, statement, texts)
