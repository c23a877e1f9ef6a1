"""/export: a statement of the trader's account for a chosen period, as a CSV and a PDF in
their language (core.reports.statement builds it; the files are made in a worker thread)."""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.keyboards.export import ExportCb, export_periods
from botkit.i18n import lang
from botkit.report_texts import period_label, statement_texts
from core.reports import periods, statement_files
from core.reports.statement import build_statement
from core.users import User

router = Router(name="export")


@router.message(Command("export"))
async def export(message: Message) -> None:
    await message.answer(
        _("📄 A statement of your account: every trade, deposit, withdrawal, transfer and fee, with the "
          "opening and closing balances, as a spreadsheet (CSV) and a PDF. Which period?"),
        reply_markup=export_periods(),
    )  # fmt: skip


@router.callback_query(ExportCb.filter())
async def send_statement(query: CallbackQuery, callback_data: ExportCb, me: User, session: AsyncSession) -> None:
    if callback_data.span not in {s.value for s in periods.Span} or not isinstance(query.message, Message):
        await query.answer()
        return
    period = periods.span(callback_data.span)
    statement = await build_statement(session, me.id, period)
    texts = statement_texts(lang(), statement.name, period, datetime.now(UTC))
    csv_file, pdf_file = await statement_files.render_files(statement, texts)  # in a worker thread
    await query.answer()
    stem = f"koxx-statement-{period.first_day.isoformat()}-{period.last_day.isoformat()}"
    caption = _("Your statement, {period}.").format(period=period_label(period, lang()))
    await query.message.answer_document(BufferedInputFile(csv_file, f"{stem}.csv"))
    await query.message.answer_document(BufferedInputFile(pdf_file, f"{stem}.pdf"), caption=caption)
