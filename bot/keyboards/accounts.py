"""Keyboards of the accounts features: verification, limits, internal transfers, referrals,
premium. Callback data carry no amounts: a confirmation button carries the one-time token the
handler stored in the user's FSM data, so a stale or forged button matches nothing."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from botkit.keyboard_builder import InlineKeyboardBuilder
from core.money import Asset


class VerifyCb(CallbackData, prefix="kyc"):
    action: str  # start | cancel


class TransferCb(CallbackData, prefix="xfer"):
    action: str  # asset | skip_note | confirm | cancel
    value: str = ""  # the asset, or the confirmation token


class PremiumCb(CallbackData, prefix="prem"):
    action: str  # buy | confirm | cancel
    token: str = ""


class PromoteCb(CallbackData, prefix="promo"):
    offer_id: int
    on: bool


def share_contact() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=_("📱 Share my phone number"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def verify_next() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🪪 Verify my identity"), callback_data=VerifyCb(action="start"))
    return builder.as_markup()


def verify_cancel() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Cancel"), callback_data=VerifyCb(action="cancel"))
    return builder.as_markup()


def transfer_assets() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for asset in Asset:
        builder.button(text=asset.value, callback_data=TransferCb(action="asset", value=asset.value))
    builder.button(text=_("Cancel"), callback_data=TransferCb(action="cancel"))
    builder.adjust(2, 1)
    return builder.as_markup()


def transfer_note() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Skip"), callback_data=TransferCb(action="skip_note"))
    builder.button(text=_("Cancel"), callback_data=TransferCb(action="cancel"))
    return builder.as_markup()


def transfer_cancel() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Cancel"), callback_data=TransferCb(action="cancel"))
    return builder.as_markup()


def transfer_confirm(token: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✅ Confirm"), callback_data=TransferCb(action="confirm", value=token))
    builder.button(text=_("Cancel"), callback_data=TransferCb(action="cancel"))
    return builder.as_markup()


def premium_offer(price_text: str, days_text: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("⭐ Buy {days} for {price}").format(days=days_text, price=price_text),
                   callback_data=PremiumCb(action="buy"))
    return builder.as_markup()


def premium_confirm(token: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✅ Confirm"), callback_data=PremiumCb(action="confirm", token=token))
    builder.button(text=_("Cancel"), callback_data=PremiumCb(action="cancel"))
    return builder.as_markup()


def promote_buttons(offers: list[tuple[int, str, bool]]) -> InlineKeyboardMarkup:
    """One button per open offer: (offer id, label, promoted now)."""
    builder = InlineKeyboardBuilder()
    for offer_id, label, promoted in offers:
        text = _("⭐ Stop promoting: {offer}") if promoted else _("⭐ Promote: {offer}")
        builder.button(text=text.format(offer=label), callback_data=PromoteCb(offer_id=offer_id, on=not promoted))
    builder.adjust(1)
    return builder.as_markup()
