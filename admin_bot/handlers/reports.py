"""/stats (the market today and over 30 days, then charts of a chosen period and their CSV),
/revenue (the operator's month) and /reconcile (ledger audit, hot/cold report)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, CallbackQuery, InputMediaPhoto, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from admin_bot import keyboards as kb
from admin_bot import views
from admin_bot.access import needs
from admin_bot.handlers.errors import guarded
from admin_bot.keyboards import StatsCb
from botkit.report_texts import chart_texts
from core.admin import reports
from core.admin.staff import Permission
from core.config import Settings
from core.reports import charts, figures, market, periods, revenue

router = guarded(Router(name="admin_reports"), Permission.VIEW)


@router.message(Command("stats"))
async def stats(message: Message, session: AsyncSession, i18n: I18n) -> None:
    await message.answer(views.stats(await reports.stats(session), i18n.current_locale), reply_markup=kb.stats_periods())


def _period(window: str) -> periods.Period | None:
    return periods.window(window) if window in {w.value for w in periods.Window} else None


@router.callback_query(StatsCb.filter(F.action == "charts"))
async def stats_charts(query: CallbackQuery, callback_data: StatsCb, session: AsyncSession, i18n: I18n) -> None:
    period = _period(callback_data.window)
    if period is None or not isinstance(query.message, Message):
        await query.answer()
        return
    report = await market.market_report(session, period)
    lang = i18n.current_locale
    images = await charts.render_all(report.charts, chart_texts(lang, period))  # in a worker thread
    await query.answer()
    caption = views.market_totals(report.totals, period, lang)
    album = [
        InputMediaPhoto(media=BufferedInputFile(png, f"{chart.key}.png"), caption=caption if i == 0 else None)
        for i, (chart, png) in enumerate(zip(report.charts, images, strict=True))
    ]
    await query.message.answer_media_group(album)  # type: ignore[arg-type]
    await query.message.answer(_("The same figures as a spreadsheet:"), reply_markup=kb.stats_csv(callback_data.window))


@router.callback_query(StatsCb.filter(F.action == "csv"))
async def stats_csv(query: CallbackQuery, callback_data: StatsCb, session: AsyncSession) -> None:
    period = _period(callback_data.window)
    if period is None or not isinstance(query.message, Message):
        await query.answer()
        return
    report = await market.market_report(session, period)
    await query.answer()
    name = f"koxx-stats-{callback_data.window}-{period.last_day.isoformat()}.csv"
    await query.message.answer_document(BufferedInputFile(figures.charts_csv(list(report.charts)), name))


@router.message(Command("revenue"), flags=needs(Permission.RECONCILE))
async def revenue_month(message: Message, command: CommandObject, session: AsyncSession, i18n: I18n) -> None:
    period = periods.parse_month(command.args)  # DomainError("month_invalid") for anything else
    await message.answer(views.revenue(await revenue.revenue(session, period), i18n.current_locale))


@router.message(Command("reconcile"), flags=needs(Permission.RECONCILE))
async def reconcile(message: Message, session: AsyncSession, settings: Settings, i18n: I18n) -> None:
    await message.answer(_("Checking the books…"))
    node = config = hot = None
    if settings.tron_api_url and (settings.hot_wallet_key or settings.hot_wallet_address):
        from core.wallet.config import wallet_config
        from core.wallet.node import Node

        config = wallet_config(settings)
        api_key = settings.tron_api_key.get_secret_value() if settings.tron_api_key else None
        node, hot = Node(settings.tron_api_url, api_key, retries=1), config.hot_address
    try:
        result = await reports.reconcile(session, node, config, hot)
    finally:
        if node is not None:
            await node.close()
    await message.answer(views.reconciliation(result, i18n.current_locale))
