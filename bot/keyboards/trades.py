"""Buttons of a trade: taking an offer, the actions each party can do now, feedback, profiles."""

from __future__ import annotations

from decimal import Decimal

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from botkit import fmt
from botkit.i18n import lang
from botkit.keyboard_builder import InlineKeyboardBuilder
from core.escrow.models import TradeStatus


class TakeCb(CallbackData, prefix="tk"):
    """quote (a quick amount: its quote) | confirm | cancel a quote; ``amount`` in ``unit`` ("f" fiat, "c" micro units of crypto) at
    the quoted ``price``: core opens the trade only at that price. At most 62 bytes packed (10-digit
    offer id, the longest amount and price), within Telegram's 64."""

    action: str
    offer_id: int
    amount: str = ""
    unit: str = "f"
    price: Decimal = Decimal(0)


class TradeCb(CallbackData, prefix="td"):
    """view | paid | paid_skip | paid_yes | cancel | cancel_yes | release | release_yes | dispute
    | chat | back. The presser must be a party in the right role (core checks)."""

    action: str
    trade_id: int


class RateCb(CallbackData, prefix="fb"):
    """👍/👎 on a completed trade; ``send`` leaves it without a comment."""

    trade_id: int
    positive: bool
    send: bool = False


class ProfileCb(CallbackData, prefix="pf"):
    """The counterpart of a trade (``trade_id``) or the maker of an offer (``offer_id``):
    view | block | unblock. No user id travels in a button."""

    action: str
    trade_id: int = 0
    offer_id: int = 0


def quick_amounts(offer_id: int, amounts: list[tuple[str, Decimal]], cancel: CallbackData | None) -> InlineKeyboardMarkup:
    """One button per (label, fiat amount) straight to its quote, then Cancel (or nothing)."""
    builder = InlineKeyboardBuilder()
    for label, amount in amounts:
        builder.button(text=label, callback_data=TakeCb(action="quote", offer_id=offer_id, amount=str(amount)))
    if cancel is not None:
        builder.button(text=_("✖️ Cancel"), callback_data=cancel)
    builder.adjust(*([2] * (len(amounts) // 2) + [1] * (len(amounts) % 2)), 1)
    return builder.as_markup()


def quote_keyboard(offer_id: int, amount: str, unit: str, price: Decimal) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✅ Confirm and open the trade"),
                   callback_data=TakeCb(action="confirm", offer_id=offer_id, amount=amount, unit=unit, price=price))
    builder.button(text=_("✖️ Cancel"), callback_data=TakeCb(action="cancel", offer_id=offer_id))
    builder.adjust(1)
    return builder.as_markup()


def trade_actions(trade_id: int, *, status: str, role: str, asset: str, rated: bool = False) -> InlineKeyboardMarkup:
    """What ``role`` ("buyer" | "seller") can do in a trade of ``status`` now."""
    builder = InlineKeyboardBuilder()

    def add(label: str, action: str) -> None:
        builder.button(text=label, callback_data=TradeCb(action=action, trade_id=trade_id))

    if status == TradeStatus.AWAITING_PAYMENT:
        if role == "buyer":
            add(_("✅ I have paid"), "paid")
            add(_("❌ Cancel trade"), "cancel")
        else:
            add(_("🔓 Release {asset}").format(asset=fmt.code(asset, lang())), "release")
    elif status == TradeStatus.PAID:
        if role == "seller":
            add(_("🔓 Release {asset}").format(asset=fmt.code(asset, lang())), "release")
        add(_("⚖️ Open a dispute"), "dispute")
    elif status == TradeStatus.COMPLETED and not rated:
        builder.button(text=_("👍 Positive"), callback_data=RateCb(trade_id=trade_id, positive=True))
        builder.button(text=_("👎 Negative"), callback_data=RateCb(trade_id=trade_id, positive=False))
    if status in (TradeStatus.COMPLETED, TradeStatus.CANCELLED):
        builder.button(text=_("👤 Counterparty's profile"), callback_data=ProfileCb(action="view", trade_id=trade_id))
    else:
        add(_("🔄 Refresh"), "view")
    builder.adjust(1)
    return builder.as_markup()


def confirm(trade_id: int, yes_label: str, yes_action: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=yes_label, callback_data=TradeCb(action=yes_action, trade_id=trade_id))
    builder.button(text=_("⬅️ Back"), callback_data=TradeCb(action="view", trade_id=trade_id))
    builder.adjust(1)
    return builder.as_markup()


def trades_list(items: list[tuple[int, str]]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for trade_id, label in items:
        builder.button(text=label, callback_data=TradeCb(action="view", trade_id=trade_id))
    builder.adjust(1)
    return builder.as_markup()


def profile_keyboard(*, trade_id: int = 0, offer_id: int = 0, blocked: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if blocked:
        builder.button(text=_("✅ Unblock"), callback_data=ProfileCb(action="unblock", trade_id=trade_id, offer_id=offer_id))
    else:
        builder.button(text=_("🚫 Block this user"),
                       callback_data=ProfileCb(action="block", trade_id=trade_id, offer_id=offer_id))
    if trade_id:
        builder.button(text=_("⬅️ Back to the trade"), callback_data=TradeCb(action="view", trade_id=trade_id))
    builder.adjust(1)
    return builder.as_markup()


def comment_prompt(trade_id: int) -> InlineKeyboardMarkup:
    return back_to_trade(trade_id)


def back_to_trade(trade_id: int) -> InlineKeyboardMarkup:
    """One way back (a prompt waiting for a typed message)."""
    builder = InlineKeyboardBuilder()
    builder.button(text=_("⬅️ Back to the trade"), callback_data=TradeCb(action="view", trade_id=trade_id))
    return builder.as_markup()
