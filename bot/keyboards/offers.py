"""Buttons of the offer journeys: the new-offer conversation, browsing, one offer, my offers.

Every callback names what it acts on; the handler checks who pressed it (core checks again).
"""

from __future__ import annotations

from decimal import Decimal

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.keyboards.menu import MenuCb
from bot.keyboards.trades import TakeCb
from bot.views.common import method_name
from botkit import fmt
from botkit.i18n import lang
from botkit.keyboard_builder import InlineKeyboardBuilder
from core.escrow import PAYMENT_METHODS


class WizardCb(CallbackData, prefix="nw"):
    """A choice in the new-offer conversation; ``step`` must be the step the user is at."""

    step: str
    value: str = ""


class BrowseCb(CallbackData, prefix="br"):
    """The market for a side/asset/fiat with its filters; empty fields are still to be chosen.
    ``side`` is the offers' side: "sell" offers are what a buyer sees."""

    side: str = ""
    asset: str = ""
    fiat: str = ""
    method: str = ""
    amount: str = ""
    page: int = 0
    city: str = ""  # cash offers in that city (bot.handlers.payment_accounts.city_buttons)


class OfferCb(CallbackData, prefix="of"):
    """open | take | maker | pause | resume | close | close_yes | edit_amount | repeat | mine"""

    action: str
    offer_id: int


class ListedCb(CallbackData, prefix="lo"):
    """An offer opened from a market list filtered by ``amount`` (fiat): its card offers to
    trade that amount in one tap."""

    offer_id: int
    amount: str


PAGE_SIZE = 5


def wizard_nav(step: str, *, back: bool = True) -> list[tuple[str, WizardCb]]:
    buttons = []
    if back:
        buttons.append((_("⬅️ Back"), WizardCb(step=step, value="_back")))
    buttons.append((_("✖️ Cancel"), WizardCb(step=step, value="_cancel")))
    return buttons


def choices(step: str, options: list[tuple[str, str]], *, per_row: int = 2, back: bool = True,
            extra: list[tuple[str, WizardCb]] | None = None) -> InlineKeyboardMarkup:  # fmt: skip
    """Option buttons for a wizard step, then Back and Cancel on their own row."""
    builder = InlineKeyboardBuilder()
    for label, value in options:
        builder.button(text=label, callback_data=WizardCb(step=step, value=value))
    for label, data in extra or []:
        builder.button(text=label, callback_data=data)
    nav = wizard_nav(step, back=back)
    for label, data in nav:
        builder.button(text=label, callback_data=data)
    sizes = [per_row] * ((len(options) + per_row - 1) // per_row) + [1] * len(extra or []) + [len(nav)]
    builder.adjust(*sizes)
    return builder.as_markup()


def method_picker(step: str, chosen: list[str], note: str | None) -> InlineKeyboardMarkup:
    options = [(("✅ " if code in chosen else "") + method_name(code), code) for code in PAYMENT_METHODS]
    other = ("✅ " if note else "") + _("✍️ Other (type it)")
    extra = [(other, WizardCb(step=step, value="_other")), (_("Done ➡️"), WizardCb(step=step, value="_done"))]
    return choices(step, options, extra=extra)


def window_picker(step: str, windows: tuple[int, ...]) -> InlineKeyboardMarkup:
    return choices(step, [(_("{n} min").format(n=fmt.number(n, lang())), str(n)) for n in windows], per_row=4)


def summary_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✅ Publish"), callback_data=WizardCb(step="summary", value="_publish"))
    builder.button(text=_("⚙️ More options"), callback_data=WizardCb(step="summary", value="_options"))
    for label, data in wizard_nav("summary"):
        builder.button(text=label, callback_data=data)
    builder.adjust(1, 1, 2)
    return builder.as_markup()


def browse_side() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🟢 I want to buy"), callback_data=BrowseCb(side="sell"))
    builder.button(text=_("🔴 I want to sell"), callback_data=BrowseCb(side="buy"))
    builder.button(text=_("⬅️ Main menu"), callback_data=MenuCb(item="home"))
    builder.adjust(2, 1)
    return builder.as_markup()


def browse_pick(current: BrowseCb, field: str, values: list[str]) -> InlineKeyboardMarkup:
    """The asset ("?" still to choose: then the currency is asked) or the currency."""
    builder = InlineKeyboardBuilder()
    for value in values:
        builder.button(text=value, callback_data=current.model_copy(update={field: value, "page": 0}))
    builder.button(text=_("⬅️ Back"), callback_data=BrowseCb())
    builder.adjust(len(values), 1)
    return builder.as_markup()


def browse_page(current: BrowseCb, offers: list[tuple[int, str]], has_more: bool) -> InlineKeyboardMarkup:
    """``offers``: (id, label) of the page's offers; with an amount filter they carry it."""
    builder = InlineKeyboardBuilder()
    sizes = []
    for offer_id, label in offers:
        opener = (ListedCb(offer_id=offer_id, amount=current.amount) if current.amount
                  else OfferCb(action="open", offer_id=offer_id))  # fmt: skip
        builder.button(text=label, callback_data=opener)
    if offers:
        sizes += [2] * (len(offers) // 2) + [1] * (len(offers) % 2)
    nav = 0
    if current.page > 0:
        builder.button(text=_("⬅️ Previous"), callback_data=current.model_copy(update={"page": current.page - 1}))
        nav += 1
    if has_more:
        builder.button(text=_("Next ➡️"), callback_data=current.model_copy(update={"page": current.page + 1}))
        nav += 1
    if nav:
        sizes.append(nav)
    builder.button(text=_("🔎 Amount"), callback_data=current.model_copy(update={"amount": "?", "page": 0}))
    builder.button(text=_("💳 Payment method"), callback_data=current.model_copy(update={"method": "?", "page": 0}))
    sizes.append(2)
    if current.amount or current.method:
        builder.button(text=_("♻️ Clear filters"),
                       callback_data=current.model_copy(update={"amount": "", "method": "", "page": 0}))
        sizes.append(1)
    builder.button(text=_("💱 {asset} · {fiat}: change").format(asset=fmt.code(current.asset, lang()),
                                                                 fiat=fmt.code(current.fiat, lang())),
                   callback_data=BrowseCb(side=current.side, asset="?", fiat="?"))
    builder.button(text=_("⬅️ Back"), callback_data=BrowseCb())
    sizes += [1, 1]
    builder.adjust(*sizes)
    return builder.as_markup()


def browse_methods(current: BrowseCb) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code in PAYMENT_METHODS:
        builder.button(text=method_name(code), callback_data=current.model_copy(update={"method": code}))
    builder.button(text=_("⬅️ Back"), callback_data=current.model_copy(update={"method": ""}))
    builder.adjust(2)
    return builder.as_markup()


def offer_keyboard(offer_id: int, *, own: bool, status: str, back: BrowseCb | None,
                   quick: list[tuple[str, Decimal]] | None = None) -> InlineKeyboardMarkup:  # fmt: skip
    """``quick``: (label, fiat amount) buttons straight to a quote (bot.views.trades.quick_amounts)."""
    builder = InlineKeyboardBuilder()
    sizes: list[int] = []
    for label, amount in quick or []:
        builder.button(text=label, callback_data=TakeCb(action="quote", offer_id=offer_id, amount=str(amount)))
    if quick:
        sizes += [2] * (len(quick) // 2) + [1] * (len(quick) % 2)
    if own:
        if status == "active":
            builder.button(text=_("⏸ Pause"), callback_data=OfferCb(action="pause", offer_id=offer_id))
        elif status == "paused":
            builder.button(text=_("▶️ Resume"), callback_data=OfferCb(action="resume", offer_id=offer_id))
        if status != "closed":
            builder.button(text=_("✏️ Edit amount"), callback_data=OfferCb(action="edit_amount", offer_id=offer_id))
            builder.button(text=_("🗑 Close offer"), callback_data=OfferCb(action="close", offer_id=offer_id))
        builder.button(text=_("🔁 Repeat this offer"), callback_data=OfferCb(action="repeat", offer_id=offer_id))
        builder.button(text=_("📋 My offers"), callback_data=OfferCb(action="mine", offer_id=0))
    else:
        builder.button(text=_("🤝 Trade"), callback_data=OfferCb(action="take", offer_id=offer_id))
        builder.button(text=_("👤 Trader's profile"), callback_data=OfferCb(action="maker", offer_id=offer_id))
        if back is not None:
            builder.button(text=_("⬅️ Back"), callback_data=back)
    builder.adjust(*sizes, *([1] * 8))
    return builder.as_markup()


def confirm_close(offer_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🗑 Yes, close it"), callback_data=OfferCb(action="close_yes", offer_id=offer_id))
    builder.button(text=_("⬅️ Back"), callback_data=OfferCb(action="open", offer_id=offer_id))
    builder.adjust(1)
    return builder.as_markup()


def my_offers_keyboard(offer_ids: list[tuple[int, str]], repeat: int | None = None) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for offer_id, label in offer_ids:
        builder.button(text=label, callback_data=OfferCb(action="open", offer_id=offer_id))
    if repeat is not None:
        builder.button(text=_("🔁 Repeat my last offer"), callback_data=OfferCb(action="repeat", offer_id=repeat))
    builder.button(text=_("➕ New offer"), callback_data=MenuCb(item="new_offer"))
    builder.button(text=_("⬅️ Main menu"), callback_data=MenuCb(item="home"))
    builder.adjust(1)
    return builder.as_markup()


def cancel_only(data: CallbackData) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✖️ Cancel"), callback_data=data)
    return builder.as_markup()
