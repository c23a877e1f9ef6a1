"""Buttons of payment accounts (the trader's list, adding, removing), of the trade's accounts
(the buyer chooses where to pay, and which account they paid from) and of the nickname."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.keyboards.menu import MenuCb
from bot.views.common import method_name
from botkit.keyboard_builder import InlineKeyboardBuilder
from core.accounts.payment_accounts import PAYMENT_METHODS


class AccountCb(CallbackData, prefix="pa"):
    """list | add | method (``method``) | remove | remove_yes (``account_id``: the presser's own,
    core checks)."""

    action: str
    account_id: int = 0
    method: str = ""


class PayToCb(CallbackData, prefix="pt"):
    """The buyer pays to this seller's account (the offer accepts several)."""

    trade_id: int
    account_id: int


class PaidFromCb(CallbackData, prefix="pd"):
    """"Yes, I have paid", from this saved account of the buyer's."""

    trade_id: int
    account_id: int


class NickCb(CallbackData, prefix="nk"):
    """use (the suggested ``nickname``) | change."""

    action: str
    nickname: str = ""


def accounts_list(items: list[tuple[int, str]]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for account_id, label in items:
        builder.button(text=_("🗑 Remove {account}").format(account=label),
                       callback_data=AccountCb(action="remove", account_id=account_id))
    builder.button(text=_("➕ Add an account"), callback_data=AccountCb(action="add"))
    builder.button(text=_("⬅️ Main menu"), callback_data=MenuCb(item="home"))
    builder.adjust(1)
    return builder.as_markup()


def methods() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code in PAYMENT_METHODS:
        builder.button(text=method_name(code), callback_data=AccountCb(action="method", method=code))
    builder.button(text=_("⬅️ Back"), callback_data=AccountCb(action="list"))
    builder.adjust(2)
    return builder.as_markup()


def back_to_list() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("⬅️ Back"), callback_data=AccountCb(action="list"))
    return builder.as_markup()


def holder_prompt(suggestion: str | None) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if suggestion:
        builder.button(text=suggestion, callback_data=AccountCb(action="holder"))
    builder.button(text=_("⬅️ Back"), callback_data=AccountCb(action="list"))
    builder.adjust(1)
    return builder.as_markup()


def remove_confirm(account_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🗑 Yes, remove it"), callback_data=AccountCb(action="remove_yes", account_id=account_id))
    builder.button(text=_("⬅️ Back"), callback_data=AccountCb(action="list"))
    builder.adjust(1)
    return builder.as_markup()


def nickname_prompt(suggestion: str | None) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if suggestion:
        builder.button(text=_("Use {nickname}").format(nickname=suggestion),
                       callback_data=NickCb(action="use", nickname=suggestion))
    builder.button(text=_("⬅️ Main menu"), callback_data=MenuCb(item="home"))
    builder.adjust(1)
    return builder.as_markup()


def with_settings(picker: InlineKeyboardMarkup) -> InlineKeyboardMarkup:
    """The settings screen: the language picker, then payment accounts and the nickname."""
    builder = InlineKeyboardBuilder()
    builder.button(text=_("💳 Payment accounts"), callback_data=AccountCb(action="list"))
    builder.button(text=_("🏷 Nickname"), callback_data=NickCb(action="change"))
    builder.adjust(2)
    return InlineKeyboardMarkup(inline_keyboard=[*picker.inline_keyboard, *builder.as_markup().inline_keyboard])
