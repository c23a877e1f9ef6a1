"""/export: which period the statement covers."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from botkit.keyboard_builder import InlineKeyboardBuilder


class ExportCb(CallbackData, prefix="exp"):
    span: str  # core.reports.periods.Span


def export_periods() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("This month"), callback_data=ExportCb(span="this_month"))
    kb.button(text=_("Last month"), callback_data=ExportCb(span="last_month"))
    kb.button(text=_("This year"), callback_data=ExportCb(span="this_year"))
    kb.button(text=_("Last year"), callback_data=ExportCb(span="last_year"))
    kb.adjust(2, 2)
    return kb.as_markup()
