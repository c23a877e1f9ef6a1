"""Keyboards of the security settings (/security): the second factor and the anti-phishing code."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.keyboards.menu import LANGUAGE_NAMES, LanguageCb, MenuCb
from botkit.keyboard_builder import InlineKeyboardBuilder


class SecurityCb(CallbackData, prefix="sec"):
    action: str  # home | on | off | keep | phrase | phrase_clear | cancel


def settings_menu(preselected: str) -> InlineKeyboardMarkup:
    """The settings screen: the language, then security."""
    builder = InlineKeyboardBuilder()
    for code in ("ar", "en"):
        mark = "✓ " if code == preselected else ""
        builder.button(text=f"{mark}{LANGUAGE_NAMES[code]}", callback_data=LanguageCb(code=code))
    builder.button(text=_("🛡 Security"), callback_data=SecurityCb(action="home"))
    builder.adjust(2, 1)
    return builder.as_markup()


def security_home(factor_on: bool, switching_off: bool, has_phrase: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if not factor_on:
        builder.button(text=_("🔐 Turn on the second factor"), callback_data=SecurityCb(action="on"))
    elif switching_off:
        builder.button(text=_("✅ Keep the second factor on"), callback_data=SecurityCb(action="keep"))
    else:
        builder.button(text=_("🔓 Turn off the second factor"), callback_data=SecurityCb(action="off"))
    builder.button(
        text=_("✏️ Change the anti-phishing code") if has_phrase else _("🔒 Set an anti-phishing code"),
        callback_data=SecurityCb(action="phrase"),
    )
    if has_phrase:
        builder.button(text=_("🗑 Remove the anti-phishing code"), callback_data=SecurityCb(action="phrase_clear"))
    builder.button(text=_("⬅️ Main menu"), callback_data=MenuCb(item="home"))
    builder.adjust(1)
    return builder.as_markup()


def security_cancel() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Cancel"), callback_data=SecurityCb(action="cancel"))
    return builder.as_markup()


def back_to_security() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🛡 Security"), callback_data=SecurityCb(action="home"))
    return builder.as_markup()
