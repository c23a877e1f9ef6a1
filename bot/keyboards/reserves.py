"""/proof's button: the standalone verifier, handed out as a file."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from botkit.keyboard_builder import InlineKeyboardBuilder


class VerifierCb(CallbackData, prefix="por"):
    pass


def verifier_button() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("📄 The verifier (Python)"), callback_data=VerifierCb())
    return builder.as_markup()
