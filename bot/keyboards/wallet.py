"""Keyboards of the wallet (/wallet): the balance screen, the deposit and withdrawal steps and
the history pages.

Callback data carry no amounts or addresses: the withdrawal's confirmation button carries the
one-time token the handler stored in the user's FSM data, so a stale, forged or someone else's
button matches nothing, and the token doubles as the withdrawal's idempotency key.
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.keyboards.menu import MenuCb
from botkit.keyboard_builder import InlineKeyboardBuilder
from core.money import Asset


class WalletCb(CallbackData, prefix="wal"):
    action: str  # home | open | deposit | deposit_asset | withdraw | withdraw_asset | confirm | cancel
    #              | pick | whitelist | wl_add | wl_on | wl_off
    value: str = ""  # the asset, the confirmation token, or a saved address (pick)


class HistoryPageCb(CallbackData, prefix="walh"):
    """A page of the statement. ``before`` is the entry id the page starts below (0: the newest);
    ``before`` = -1 means "count ``page`` pages from the newest" (used by Previous)."""

    page: int = 0
    before: int = 0


def wallet_home() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("📥 Deposit"), callback_data=WalletCb(action="deposit"))
    builder.button(text=_("📤 Withdraw"), callback_data=WalletCb(action="withdraw"))
    builder.button(text=_("📜 History"), callback_data=HistoryPageCb())
    builder.button(text=_("🔐 Saved addresses"), callback_data=WalletCb(action="whitelist"))
    builder.button(text=_("⬅️ Main menu"), callback_data=MenuCb(item="home"))
    builder.adjust(2, 2, 1)
    return builder.as_markup()


def choose_asset(action: str) -> InlineKeyboardMarkup:
    """USDT / TRX for ``action`` (deposit_asset or withdraw_asset), and Back."""
    builder = InlineKeyboardBuilder()
    for asset in Asset:
        builder.button(text=asset.value, callback_data=WalletCb(action=action, value=asset.value))
    builder.button(text=_("⬅️ Back"), callback_data=WalletCb(action="home"))
    builder.adjust(2, 1)
    return builder.as_markup()


def back_to_wallet() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("💼 Wallet"), callback_data=WalletCb(action="home"))
    return builder.as_markup()


def open_wallet() -> InlineKeyboardMarkup:
    """The Wallet button of a notice: the wallet opens as a new message, the notice (and its
    transaction id) stays."""
    builder = InlineKeyboardBuilder()
    builder.button(text=_("💼 Wallet"), callback_data=WalletCb(action="open"))
    return builder.as_markup()


def withdraw_cancel() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Cancel"), callback_data=WalletCb(action="cancel"))
    return builder.as_markup()


def withdraw_address_choices(saved: list[str]) -> InlineKeyboardMarkup:
    """The user's saved addresses that are ready, one button each (shortened), and Cancel."""
    builder = InlineKeyboardBuilder()
    for address in saved:
        builder.button(
            text=f"🔐 {address[:6]}…{address[-4:]}", callback_data=WalletCb(action="pick", value=address)
        )
    builder.button(text=_("Cancel"), callback_data=WalletCb(action="cancel"))
    builder.adjust(1)
    return builder.as_markup()


def withdraw_confirm(token: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✅ Confirm"), callback_data=WalletCb(action="confirm", value=token))
    builder.button(text=_("Cancel"), callback_data=WalletCb(action="cancel"))
    return builder.as_markup()


def history_nav(page: int, last_entry: int | None, more: bool) -> InlineKeyboardMarkup:
    """Previous (newer) / Next (older) and back to the wallet. Next pages on by entry id."""
    builder = InlineKeyboardBuilder()
    row = 0
    if page > 0:
        builder.button(text=_("⬅️ Previous"), callback_data=HistoryPageCb(page=page - 1, before=-1))
        row += 1
    if more and last_entry is not None:
        builder.button(text=_("Next ➡️"), callback_data=HistoryPageCb(page=page + 1, before=last_entry))
        row += 1
    builder.button(text=_("💼 Wallet"), callback_data=WalletCb(action="home"))
    builder.adjust(*([row] if row else []), 1)
    return builder.as_markup()


def whitelist(only: bool) -> InlineKeyboardMarkup:
    """Add an address; switch «saved addresses only» on (immediate) or off (after the cooling-off)."""
    builder = InlineKeyboardBuilder()
    builder.button(text=_("➕ Add an address"), callback_data=WalletCb(action="wl_add"))
    if only:
        builder.button(text=_("🔓 Allow any address"), callback_data=WalletCb(action="wl_off"))
    else:
        builder.button(text=_("🔐 Saved addresses only"), callback_data=WalletCb(action="wl_on"))
    builder.button(text=_("💼 Wallet"), callback_data=WalletCb(action="home"))
    builder.adjust(1)
    return builder.as_markup()


def whitelist_cancel() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Cancel"), callback_data=WalletCb(action="whitelist"))
    return builder.as_markup()
