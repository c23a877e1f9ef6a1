"""The main menu and the language picker."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from botkit.keyboard_builder import InlineKeyboardBuilder

LANGUAGE_NAMES = {"ar": "العربية", "en": "English"}


class LanguageCb(CallbackData, prefix="lang"):
    code: str


class MenuCb(CallbackData, prefix="menu"):
    item: str  # express_buy | express_sell | offers | new_offer | wallet | trades | settings | help | home


def language_picker(preselected: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code in ("ar", "en"):
        mark = "✓ " if code == preselected else ""
        builder.button(text=f"{mark}{LANGUAGE_NAMES[code]}", callback_data=LanguageCb(code=code))
    return builder.as_markup()


def main_menu() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("⚡ Buy USDT"), callback_data=MenuCb(item="express_buy"))  # bot.handlers.express
    builder.button(text=_("⚡ Sell USDT"), callback_data=MenuCb(item="express_sell"))
    builder.button(text=_("🛒 Buy / Sell"), callback_data=MenuCb(item="offers"))
    builder.button(text=_("➕ New offer"), callback_data=MenuCb(item="new_offer"))
    builder.button(text=_("💼 Wallet"), callback_data=MenuCb(item="wallet"))
    builder.button(text=_("📋 My trades"), callback_data=MenuCb(item="trades"))
    builder.button(text=_("⚙️ Settings"), callback_data=MenuCb(item="settings"))
    builder.button(text=_("❓ Help"), callback_data=MenuCb(item="help"))
    builder.adjust(2)
    return builder.as_markup()


def back_to_menu() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("⬅️ Main menu"), callback_data=MenuCb(item="home"))
    return builder.as_markup()
