"""Offers: publishing one through a short conversation, browsing the market, one offer, the
maker's own offers, and deep links ``t.me/<bot>?start=offer_<id>``.

The new-offer conversation is one FSM state (``OfferWizard.active``) whose data holds the step
and the answers so far. Every step has Back and Cancel; a button of another step (an older
message) is stale and changes nothing. Typed numbers go through botkit.numbers.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.handlers.payment_accounts import accounts_note, city_buttons
from bot.keyboards import offers as kb
from bot.keyboards.menu import MenuCb, back_to_menu
from bot.notifications.escrow import bot_username, remember_bot
from bot.views import offers as views
from bot.views import trades as trade_views
from bot.views.common import status_name
from botkit import fmt
from botkit.errors import register_error_texts
from botkit.i18n import lang, pick_language
from botkit.numbers import AmountError, amount_error_text, normalize, parse_amount, parse_percent
from core import escrow, users
from core.accounts.payment_accounts import check_public_text
from core.errors import DomainError
from core.escrow import Offer, OfferDraft, OfferPatch, Side
from core.escrow.offers import AUTO_REPLY_MAX
from core.escrow.pricing import floating_price
from core.escrow.trust import VISIBILITIES
from core.ledger import AccountRef, balance
from core.money import Asset, Fiat, to_micro
from core.users import User
from core.wallet.addressbook import qr_png

deep_links = Router(name="offers.deep_links")  # included before start.router
router = Router(name="offers")

MAX_CRYPTO = Decimal(100_000_000)  # units of USDT/TRX in one offer: more is a typo
MAX_FIAT = Decimal(10_000_000_000)
MAX_PRICE = Decimal(100_000_000)
STEPS = ("side", "market", "price", "amount", "methods", "note", "summary",
         "options", "min", "max", "window", "terms", "min_trades", "min_age", "visibility", "auto_reply")  # fmt: skip
# The way forward: the main path ends at the summary; the optional steps ("more options") lead
# back to it. Back goes the other way.
_FORWARD = {"side": "market", "market": "price", "price": "amount", "amount": "methods", "methods": "summary",
            "note": "methods", "min": "max", "max": "summary", "window": "summary", "terms": "summary",
            "min_trades": "min_age", "min_age": "summary", "visibility": "summary",
            "auto_reply": "summary"}  # fmt: skip
_BACKWARD = {"market": "side", "price": "market", "amount": "price", "methods": "amount", "note": "methods",
             "summary": "methods", "options": "summary", "min": "options", "max": "min", "window": "options",
             "terms": "options", "min_trades": "options", "min_age": "min_trades",
             "visibility": "options", "auto_reply": "options"}  # fmt: skip
OPTIONS = ("min", "window", "terms", "min_trades", "visibility", "auto_reply")  # the first step of each "more options" entry
MARKETS = ("USDT-IQD", "USDT-USD", "TRX-IQD", "TRX-USD")  # callback data may not hold ":"
PRICE_STEPS = ("-2", "-1", "0", "1", "2")  # percent from the reference rate: the price buttons
TERMS_MAX = 500


class OfferWizard(StatesGroup):
    active = State()


class OfferForms(StatesGroup):
    edit_amount = State()  # data: offer_id
    browse_amount = State()  # data: the Browse filters


# --- the new-offer conversation ------------------------------------------------------------------


def _next(step: str, data: dict[str, Any]) -> str:
    if step == "side" and data.get("asset") and data.get("fiat"):
        return "price"  # the market of the trader's last offer (changeable at the price step)
    return _FORWARD[step]


def _previous(step: str, data: dict[str, Any]) -> str:
    return _BACKWARD.get(step, "side")


async def _defaults(session: AsyncSession, me: User, side: str) -> dict[str, Any]:
    """The answers the trader's last offer gives (of that side, else any): market, price type,
    methods, window, terms, requirements; a first offer gets the market's usual window."""
    last = await escrow.last_offer(session, me.id, Side(side)) or await escrow.last_offer(session, me.id)
    windows = (await escrow.rules(session)).payment_windows
    data: dict[str, Any] = {"side": side, "ptype": "fixed", "window": str(30 if 30 in windows else windows[0])}
    if last is None:
        return data
    data.update(asset=last.asset, fiat=last.fiat, ptype="floating" if last.price_type == "floating" else "fixed",
                methods=list(last.payment_methods), note=last.payment_note, terms=last.terms,
                min_trades=last.min_trades, min_age=last.min_account_age_days,
                auto_reply=last.auto_reply)  # fmt: skip
    if last.payment_window in windows:
        data["window"] = str(last.payment_window)
    return data


def _price_buttons(data: dict[str, Any], reference: Decimal) -> list[tuple[str, str]]:
    """The reference rate and ±1 %, ±2 % as buttons: fixed prices, or margins when floating."""
    lg, fiat = lang(), Fiat(data["fiat"])
    options = []
    for pct in PRICE_STEPS:
        margin = Decimal(pct)
        shown = fmt.fiat(floating_price(reference, margin, fiat), fiat.value, lg)
        label = f"{shown} ({fmt.percent(margin, lg, signed=True)})" if margin else "= " + shown
        options.append((label, f"p{pct}"))
    return options


async def _ask(step: str, data: dict[str, Any], session: AsyncSession, me: User) -> dict[str, Any]:
    """The question of a step: text and keyboard."""
    lg = lang()
    asset, fiat = data.get("asset", "USDT"), data.get("fiat", "IQD")
    nav = kb.choices(step, [])
    if step == "side":
        text = _("<b>New offer</b>\nDo you want to sell crypto or buy it?")
        options = [(_("🔴 Sell crypto"), "sell"), (_("🟢 Buy crypto"), "buy")]
        if await escrow.last_offer(session, me.id) is not None:
            options.append((_("🔁 Repeat my last offer"), "_repeat"))
        return {"text": text, "reply_markup": kb.choices(step, options, back=False)}
    if step == "market":
        options = [(f"{fmt.code(a, lg)} · {fmt.code(f, lg)}", f"{a}-{f}") for a, f in (m.split("-") for m in MARKETS)]
        return {"text": _("Which asset, for which currency?"), "reply_markup": kb.choices(step, options)}
    if step == "price":
        reference = await escrow.get_reference_rate(session, Asset(asset), Fiat(fiat))
        market = _("💱 {asset} · {fiat}: change").format(asset=fmt.code(asset, lg), fiat=fmt.code(fiat, lg))
        extra = [(market, kb.WizardCb(step=step, value="_market"))]
        if reference is None:
            data["ptype"] = "fixed"
            text = _("Type your price in {fiat} for 1 {asset}, for example {example}.").format(
                fiat=fmt.code(fiat, lg), asset=fmt.code(asset, lg),
                example=fmt.number(1310 if fiat == "IQD" else Decimal("1.02"), lg))
            return {"text": text, "reply_markup": kb.choices(step, [], extra=extra)}
        floating = data.get("ptype") == "floating"
        text = _("Reference rate now: {price}").format(price=fmt.price(reference, fiat, asset, lg)) + "\n"
        if floating:
            text += _("Your price follows the reference rate with your margin: tap one, or type your margin in "
                      "percent, for example 1.5 (or -0.5 for below it).")
        else:
            text += _("Your price for 1 {asset}: tap one, or type it in {fiat}.").format(
                asset=fmt.code(asset, lg), fiat=fmt.code(fiat, lg))
        toggle = _("📈 Floating price: on") if floating else _("📌 Fixed price (tap for a floating one)")
        extra.insert(0, (toggle, kb.WizardCb(step=step, value="_toggle")))
        return {"text": text, "reply_markup": kb.choices(step, _price_buttons(data, reference), per_row=3,
                                                         extra=extra)}  # fmt: skip
    if step == "amount":
        if data["side"] == "sell":
            available = await balance(session, AccountRef.user(me.id), Asset(asset))
            text = _("How much {asset} do you want to sell in total? Available: {available}.").format(
                asset=fmt.code(asset, lg), available=fmt.crypto(available, asset, lg))
        else:
            text = _("How much {asset} do you want to buy in total?").format(asset=fmt.code(asset, lg))
        return {"text": text, "reply_markup": nav}
    if step == "min":
        return {"text": _("The minimum of one trade, in {fiat} (for example {example}):").format(
            fiat=fmt.code(fiat, lg), example=fmt.number(50000 if fiat == "IQD" else 20, lg)), "reply_markup": nav}
    if step == "max":
        return {"text": _("The maximum of one trade, in {fiat}:").format(fiat=fmt.code(fiat, lg)), "reply_markup": nav}
    if step == "methods":
        return {"text": _("Which payment methods do you accept? Tap to choose one or more, then Done."),
                "reply_markup": kb.method_picker(step, data.get("methods", []), data.get("note"))}
    if step == "note":
        return {"text": _("Type the payment method (up to 100 characters), for example \"Rafidain Bank\"."),
                "reply_markup": nav}
    if step == "window":
        windows = (await escrow.rules(session)).payment_windows
        return {"text": _("How long does the buyer have to pay?"), "reply_markup": kb.window_picker(step, windows)}
    if step == "terms":
        return {"text": _("Type your terms for the other side (up to {characters}), or skip.").format(
            characters=fmt.characters(TERMS_MAX, lg)), "reply_markup": kb.choices(step, [(_("Skip ➡️"), "_skip")])}
    if step == "min_trades":
        options = [(_("No minimum"), "0")] + [(fmt.number(n, lg), str(n)) for n in (3, 10, 25)]
        return {"text": _("Only trade with people who completed at least how many trades? Tap or type a number."),
                "reply_markup": kb.choices(step, options, per_row=4)}
    if step == "min_age":
        options = [(_("No minimum"), "0")] + [(fmt.days(n, lg), str(n)) for n in (7, 30, 90)]
        return {"text": _("How old must their account be, in days? Tap or type a number."),
                "reply_markup": kb.choices(step, options, per_row=4)}
    if step == "auto_reply":
        return {"text": _("Type the message sent into the chat of each trade this offer opens, for example how "
                          "and when you confirm payments (up to {characters}; no account numbers: the buyer sees "
                          "your saved account), or skip.").format(characters=fmt.characters(AUTO_REPLY_MAX, lg)),
                "reply_markup": kb.choices(step, [(_("Skip ➡️"), "_skip")])}
    if step == "visibility":
        options = [(_("🌐 Everyone: listed and in the channel"), "public"),
                   (_("🔗 Only people I send its link to"), "private"),
                   (_("🤝 Only my trusted traders"), "trusted")]  # fmt: skip
        return {"text": _("Who can see and take this offer? Your trusted traders are those you completed a trade "
                          "with and those you add with /trusted."), "reply_markup": kb.choices(step, options)}
    if step == "options":
        options = [(_("↔️ Limits per trade"), "min"), (_("⏱ Payment window"), "window"), (_("📝 Terms"), "terms"),
                   (_("👥 Requirements"), "min_trades"), (_("👁 Who sees it"), "visibility"),
                   (_("💬 Auto-reply"), "auto_reply")]  # fmt: skip
        return {"text": _("More options: change what you need; the rest keeps the values shown."),
                "reply_markup": kb.choices(step, options)}
    return {"text": views.draft_summary(data), "reply_markup": kb.summary_keyboard()}


async def _with_limits(data: dict[str, Any], session: AsyncSession) -> dict[str, Any]:
    """The summary's per-trade limits: the trader's own, else the defaults for the amount now."""
    if not data.get("limits_set") and data.get("amount"):
        low, high = await escrow.default_limits(
            session, asset=Asset(data["asset"]), fiat=Fiat(data["fiat"]), amount=int(data["amount"]),
            price=Decimal(data["price"]) if data.get("ptype") == "fixed" and data.get("price") else None,
            margin_pct=Decimal(data["margin"]) if data.get("ptype") == "floating" and data.get("margin") else None,
        )  # fmt: skip
        data["min_fiat"], data["max_fiat"] = str(low), str(high)
    return data


async def _go(step: str, state: FSMContext, session: AsyncSession, me: User, *,
              query: CallbackQuery | None = None, message: Message | None = None) -> None:  # fmt: skip
    data = await state.get_data()
    data["step"] = step
    if step == "summary":
        data = await _with_limits(data, session)
    view = await _ask(step, data, session, me)
    await state.set_data(data)
    if query is not None and isinstance(query.message, Message):
        await query.message.edit_text(**view)
    elif message is not None:
        await message.answer(**view)


@router.message(Command("newoffer"))
async def new_offer_command(message: Message, state: FSMContext, session: AsyncSession, me: User) -> None:
    await escrow.check_may_advertise(session, me)  # refused: the market's rules and where they stand
    await state.set_state(OfferWizard.active)
    await state.set_data({})
    await _go("side", state, session, me, message=message)


@router.callback_query(MenuCb.filter(F.item == "new_offer"))
async def new_offer_menu(query: CallbackQuery, state: FSMContext, session: AsyncSession, me: User) -> None:
    try:
        await escrow.check_may_advertise(session, me)
    except DomainError as refused:
        await _refused(query, refused)
        return
    await query.answer()
    await state.set_state(OfferWizard.active)
    await state.set_data({})
    await _go("side", state, session, me, query=query)


async def _refused(query: CallbackQuery, refused: DomainError) -> None:
    """The rules for advertisers as the screen itself (an alert holds 200 characters)."""
    if refused.code != "advertise_requirements":
        raise refused
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(views.advertise_requirements_text(refused.params["rules"]),
                                      reply_markup=back_to_menu())


async def _stale(query: CallbackQuery) -> None:
    await query.answer(_("This button is no longer active."))


async def _price_chosen(data: dict[str, Any], value: str, session: AsyncSession) -> None:
    """A price button: the reference rate moved by its percent, as a fixed price or a margin."""
    asset, fiat = Asset(data["asset"]), Fiat(data["fiat"])
    margin = Decimal(value[1:])
    if data.get("ptype") == "floating":
        await escrow.offer_price(session, asset=asset, fiat=fiat, margin_pct=margin)
        data["margin"], data["price"] = str(margin), None
        return
    reference = await escrow.get_reference_rate(session, asset, fiat)
    if reference is None:
        raise DomainError("no_reference_rate", asset=asset.value, fiat=fiat.value)
    price = await escrow.offer_price(session, asset=asset, fiat=fiat, price=floating_price(reference, margin, fiat))
    data["price"], data["margin"] = str(price), None


@router.callback_query(kb.WizardCb.filter())
async def wizard_button(query: CallbackQuery, callback_data: kb.WizardCb, state: FSMContext,
                        session: AsyncSession, me: User, bot: Bot) -> None:  # fmt: skip
    data = await state.get_data()
    if await state.get_state() != OfferWizard.active.state or data.get("step") != callback_data.step:
        await _stale(query)
        return
    step, value = callback_data.step, callback_data.value
    if value == "_cancel":
        await state.clear()
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.edit_text(
                _("The new offer was cancelled; nothing was published."), reply_markup=back_to_menu()
            )
        return
    if value == "_back":
        await query.answer()
        await _go(_previous(step, data), state, session, me, query=query)
        return
    windows = tuple(str(w) for w in (await escrow.rules(session)).payment_windows)
    if step == "side" and value == "_repeat":
        last = await escrow.last_offer(session, me.id)
        if last is None:
            await _stale(query)
            return
        await _start_repeat(query, state, session, me, last)
        return
    if step == "side" and value in ("sell", "buy"):
        data = await _defaults(session, me, value)
    elif step == "market" and value in MARKETS:
        data["asset"], data["fiat"] = value.split("-")
        data["price"] = data["margin"] = None
    elif step == "price" and value == "_market":
        await state.set_data(data)
        await query.answer()
        await _go("market", state, session, me, query=query)
        return
    elif step == "price" and value == "_toggle":
        data["ptype"] = "fixed" if data.get("ptype") == "floating" else "floating"
        await state.set_data(data)
        await query.answer()
        await _go("price", state, session, me, query=query)
        return
    elif step == "price" and value.startswith("p") and value[1:] in PRICE_STEPS:
        await _price_chosen(data, value, session)
    elif step == "window" and value in windows:
        data["window"] = value
    elif step == "methods":
        methods: list[str] = list(data.get("methods", []))
        if value == "_other":
            data["want_note"] = True
            await state.set_data(data)
            await query.answer()
            await _go("note", state, session, me, query=query)
            return
        if value == "_done":
            if not methods and not data.get("note"):
                await query.answer(_("Choose at least one payment method."), show_alert=True)
                return
        elif value in escrow.PAYMENT_METHODS:
            methods = [m for m in methods if m != value] if value in methods else [*methods, value]
            data["methods"] = methods
            await state.set_data(data)
            await query.answer()
            if isinstance(query.message, Message):
                await query.message.edit_reply_markup(reply_markup=kb.method_picker(step, methods, data.get("note")))
            return
        else:
            await _stale(query)
            return
    elif step == "terms" and value == "_skip":
        data["terms"] = None
    elif step == "auto_reply" and value == "_skip":
        data["auto_reply"] = None
    elif step == "visibility" and value in VISIBILITIES:
        data["visibility"] = value
    elif step in ("min_trades", "min_age") and value.isdigit():
        data[step] = int(value)
    elif step == "summary" and value == "_options":
        await state.set_data(data)
        await query.answer()
        await _go("options", state, session, me, query=query)
        return
    elif step == "options" and value in OPTIONS:
        await state.set_data(data)
        await query.answer()
        await _go(value, state, session, me, query=query)
        return
    elif step == "summary" and value == "_publish":
        await remember_bot(bot)  # the channel post links to the bot by username
        draft = await escrow.with_saved_accounts(session, me.id, _draft(data))
        try:
            offer = await escrow.publish_offer(session, maker_id=me.id, draft=draft)
        except DomainError as refused:  # the rules for advertisers changed while the form was open
            if refused.code == "advertise_requirements":
                await state.clear()
            await _refused(query, refused)
            return
        await state.clear()
        await query.answer(_("Published"))
        price = await escrow.current_price(session, offer)
        view = views.offer_card(offer, price, None, viewer_id=me.id, link=_private_link(offer))
        if isinstance(query.message, Message):
            await query.message.edit_text(_("✅ Your offer is published.") + accounts_note(offer) + "\n\n" + view["text"],
                                          reply_markup=view["reply_markup"])
            link = _private_link(offer)
            if link is not None:  # its QR code, to show or forward
                await query.message.answer_photo(BufferedInputFile(qr_png(link), filename=f"offer-{offer.id}.png"),
                                                 caption=_("Offer #{id}: scan to open it.").format(id=offer.id))
        return
    else:
        await _stale(query)
        return
    await state.set_data(data)
    await query.answer()
    await _go(_next(step, data), state, session, me, query=query)


async def _repeat_data(session: AsyncSession, offer: Offer) -> dict[str, Any]:
    """The form's answers for publishing ``offer`` again: its settings and amount, at the price of
    now (a floating one keeps its margin; a fixed one takes the reference rate, when there is one)."""
    windows = (await escrow.rules(session)).payment_windows
    data: dict[str, Any] = {
        "side": offer.side, "asset": offer.asset, "fiat": offer.fiat, "amount": offer.amount,
        "methods": list(offer.payment_methods), "note": offer.payment_note, "terms": offer.terms,
        "min_trades": offer.min_trades, "min_age": offer.min_account_age_days, "auto_reply": offer.auto_reply,
        "window": str(offer.payment_window if offer.payment_window in windows else windows[0]),
    }  # fmt: skip
    reference = await escrow.get_reference_rate(session, offer.asset_enum, offer.fiat_enum)
    if offer.price_type == "floating" and reference is not None:
        data.update(ptype="floating", margin=str(offer.margin_pct), price=None)
    else:
        price = reference if reference is not None else offer.price
        data.update(ptype="fixed", margin=None, price=str(Decimal(str(price)).quantize(offer.fiat_enum.quantum)))
    _, high = await escrow.default_limits(
        session, asset=offer.asset_enum, fiat=offer.fiat_enum, amount=offer.amount,
        price=Decimal(data["price"]) if data["price"] else None,
        margin_pct=Decimal(data["margin"]) if data["margin"] else None,
    )  # fmt: skip
    # Its own limits, within what the whole offer is worth at the price of now.
    data.update(min_fiat=str(min(offer.min_fiat, high)), max_fiat=str(min(offer.max_fiat, high)), limits_set=True)
    return data


async def _start_repeat(query: CallbackQuery, state: FSMContext, session: AsyncSession, me: User,
                        offer: Offer) -> None:  # fmt: skip
    """The summary of ``offer`` published again, to confirm (or change first)."""
    data = await _repeat_data(session, offer)
    await state.set_state(OfferWizard.active)
    await state.set_data(data)
    await query.answer()
    await _go("summary", state, session, me, query=query)


@router.callback_query(kb.OfferCb.filter(F.action == "repeat"))
async def repeat_offer(query: CallbackQuery, callback_data: kb.OfferCb, state: FSMContext,
                       session: AsyncSession, me: User) -> None:  # fmt: skip
    """"Repeat this offer" (its card, my offers): its settings, the price of now, then Publish."""
    offer = await escrow.get_offer(session, callback_data.offer_id)
    if offer.maker_id != me.id:
        await _stale(query)
        return
    await _start_repeat(query, state, session, me, offer)


def _draft(data: dict[str, Any]) -> OfferDraft:
    return OfferDraft(
        side=Side(data["side"]),
        asset=Asset(data["asset"]),
        fiat=Fiat(data["fiat"]),
        amount=int(data["amount"]),
        min_fiat=Decimal(data["min_fiat"]),
        max_fiat=Decimal(data["max_fiat"]),
        payment_methods=tuple(data.get("methods", [])),
        payment_window=int(data["window"]),
        price=Decimal(data["price"]) if data.get("ptype") == "fixed" else None,
        margin_pct=Decimal(data["margin"]) if data.get("ptype") == "floating" else None,
        payment_note=data.get("note"),
        terms=data.get("terms"),
        min_trades=int(data.get("min_trades") or 0),
        min_account_age_days=int(data.get("min_age") or 0),
        visibility=str(data.get("visibility") or "public"),
        auto_reply=data.get("auto_reply"),
    )


def _private_link(offer: Offer) -> str | None:
    """The link of a private offer (the one way to reach it)."""
    if offer.link_token is None:
        return None
    return f"https://t.me/{bot_username()}?start=p_{offer.link_token}"


def _fiat_shower(fiat: str) -> Any:
    return lambda v: fmt.fiat(v, fiat, lang())


def _whole_number(text: str, maximum: int) -> int | None:
    digits = normalize(text)
    return int(digits) if digits.isdigit() and int(digits) <= maximum else None


@router.message(OfferWizard.active, F.text)
async def wizard_text(message: Message, state: FSMContext, session: AsyncSession, me: User) -> None:
    data = await state.get_data()
    step, text = data.get("step", ""), message.text or ""
    fiat = data.get("fiat", "IQD")
    exponent = Fiat(fiat).exponent
    try:
        if step == "price" and data.get("ptype") == "floating":
            margin = parse_percent(text, decimals=2, minimum=Decimal(-50), maximum=Decimal(50))
            data["margin"], data["price"] = str(margin), None
            await escrow.offer_price(session, asset=Asset(data["asset"]), fiat=Fiat(fiat), margin_pct=margin)
        elif step == "price":
            price = parse_amount(text, decimals=exponent, maximum=MAX_PRICE)
            await escrow.offer_price(session, asset=Asset(data["asset"]), fiat=Fiat(fiat), price=price)
            data["price"], data["margin"] = str(price), None
        elif step == "amount":
            amount = to_micro(parse_amount(text, decimals=6, maximum=MAX_CRYPTO))
            if data["side"] == "sell":
                needed, available = await escrow.sell_reserve(session, maker_id=me.id, asset=Asset(data["asset"]),
                                                              amount=amount)  # fmt: skip
                if needed > available:
                    lg = lang()
                    await message.answer(_("Your available balance is {available}; this offer needs {needed} "
                                           "(the amount and the trading fee). Type a smaller amount, or deposit "
                                           "first with /wallet.").format(
                        available=fmt.crypto(available, data["asset"], lg), needed=fmt.crypto(needed, data["asset"], lg)))
                    return
            data["amount"] = amount
        elif step == "min":
            data["min_fiat"] = str(parse_amount(text, decimals=exponent, maximum=MAX_FIAT))
        elif step == "max":
            value = parse_amount(text, decimals=exponent, maximum=MAX_FIAT)
            if value < Decimal(data["min_fiat"]):
                await message.answer(_("The maximum cannot be less than the minimum ({min}).").format(
                    min=fmt.fiat(Decimal(data["min_fiat"]), fiat, lang())))
                return
            await escrow.check_max_per_trade(
                session, asset=Asset(data["asset"]), fiat=Fiat(fiat), amount=int(data["amount"]), max_fiat=value,
                price=Decimal(data["price"]) if data.get("price") else None,
                margin_pct=Decimal(data["margin"]) if data.get("margin") else None,
            )  # fmt: skip
            data["max_fiat"] = str(value)
            data["limits_set"] = True  # no longer the defaults (bot.handlers.offers._with_limits)
        elif step == "note":
            note = text.strip()
            if not note or len(note) > 100:
                await message.answer(_("Please keep the payment method under 100 characters."))
                return
            data["note"] = note
            data["want_note"] = False
            await state.set_data(data)
            await _go("methods", state, session, me, message=message)
            return
        elif step == "terms":
            if len(text) > TERMS_MAX:
                await message.answer(_("Terms can have at most {max}; yours have {n}. "
                                       "Please shorten them.").format(max=fmt.characters(TERMS_MAX, lang()),
                                                                      n=fmt.number(len(text), lang())))
                return
            check_public_text(text, "terms")  # numbers go in /accounts (the error path answers)
            data["terms"] = text.strip() or None
        elif step == "auto_reply":
            if len(text) > AUTO_REPLY_MAX:
                await message.answer(_("An auto-reply can have at most {max}; yours has {n}. Please shorten "
                                       "it.").format(max=fmt.characters(AUTO_REPLY_MAX, lang()),
                                                     n=fmt.number(len(text), lang())))  # fmt: skip
                return
            check_public_text(text, "auto_reply")  # numbers come from payment accounts (the error path answers)
            data["auto_reply"] = text.strip() or None
        elif step in ("min_trades", "min_age"):
            number = _whole_number(text, 10_000 if step == "min_trades" else 3650)
            if number is None:
                await message.answer(_("Please send a whole number, for example 5, or tap a button."))
                return
            data[step] = number
        else:
            await message.answer(_("Please use the buttons above, or press Cancel."))
            return
    except AmountError as err:
        if step == "amount":
            show = lambda v: fmt.crypto(to_micro(v), data["asset"], lang())  # noqa: E731
        elif step == "price" and data.get("ptype") == "floating":
            show = lambda v: fmt.percent(v, lang())  # noqa: E731
        else:
            show = _fiat_shower(fiat)
        await message.answer(amount_error_text(err, show=show))
        return
    await state.set_data(data)
    await _go(_next(step, data), state, session, me, message=message)


# --- browsing --------------------------------------------------------------------------------------


async def _market(session: AsyncSession, me: User, current: kb.BrowseCb) -> dict[str, Any]:
    amount = Decimal(current.amount) if current.amount else None
    page = await escrow.browse(
        session, viewer_id=me.id, side=Side(current.side), asset=Asset(current.asset), fiat=Fiat(current.fiat),
        fiat_amount=amount, payment_method=current.method or None, offset=current.page * kb.PAGE_SIZE,
        limit=kb.PAGE_SIZE, city=current.city if current.method == "cash" and current.city else None,
    )
    return await city_buttons(session, current, views.market_page(page, current))


def _browse_question(current: kb.BrowseCb) -> dict[str, Any] | None:
    """What is still to be chosen; a side without a market opens the remembered one
    (with_market), "?" asks again (the list's change button)."""
    if not current.side:
        return {"text": _("Do you want to buy or to sell?"), "reply_markup": kb.browse_side()}
    if current.asset == "?":
        return {"text": _("Which asset?"), "reply_markup": kb.browse_pick(current, "asset", ["USDT", "TRX"])}
    if current.fiat == "?":
        return {"text": _("For which currency?"), "reply_markup": kb.browse_pick(current, "fiat", ["IQD", "USD"])}
    return None


def with_market(current: kb.BrowseCb, me: User) -> kb.BrowseCb:
    """The market the trader last looked at when none is chosen yet; the one shown is remembered."""
    if current.side and not current.asset and not current.fiat:
        asset, fiat = users.market_of(me)
        current = current.model_copy(update={"asset": asset, "fiat": fiat})
    elif current.side and not (current.asset and current.fiat):  # half a market: ask for the rest
        current = current.model_copy(update={"asset": current.asset or "?", "fiat": current.fiat or "?"})
    if current.side and current.asset not in ("", "?") and current.fiat not in ("", "?"):
        users.remember_market(me, current.asset, current.fiat)
    return current


@router.message(Command("offers"))
async def offers_command(message: Message, state: FSMContext) -> Any:
    await state.clear()
    return message.answer(**(_browse_question(kb.BrowseCb()) or {}))  # the webhook's reply


@router.callback_query(MenuCb.filter(F.item == "offers"))
async def offers_menu(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(**(_browse_question(kb.BrowseCb()) or {}))


def _valid_browse(current: kb.BrowseCb) -> bool:
    return (current.side in ("", "sell", "buy") and current.asset in ("", "?", "USDT", "TRX")
            and current.fiat in ("", "?", "IQD", "USD") and current.page >= 0
            and current.method in ("", "?", *escrow.PAYMENT_METHODS) and len(current.city) <= 24
            and bool(re.fullmatch(r"(\?|\d{1,13}(\.\d{1,2})?)?", current.amount)))  # fmt: skip


@router.callback_query(kb.BrowseCb.filter())
async def browse_button(query: CallbackQuery, callback_data: kb.BrowseCb, state: FSMContext, raw_state: str | None,
                        session: AsyncSession, me: User) -> Any:  # fmt: skip
    if not _valid_browse(callback_data):
        await _stale(query)
        return
    callback_data = with_market(callback_data, me)  # written before the first Telegram call
    await query.answer()
    if not isinstance(query.message, Message):
        return
    if raw_state is not None and callback_data.amount != "?":
        await state.clear()  # leaving a form (e.g. the amount filter) for the market
    question = _browse_question(callback_data)
    if question is not None:
        return query.message.edit_text(**question)  # sent as the webhook's reply (see trades._edit)
    if callback_data.method == "?":
        await query.message.edit_text(_("Which payment method?"), reply_markup=kb.browse_methods(callback_data))
        return
    if callback_data.amount == "?":
        await state.set_state(OfferForms.browse_amount)
        await state.set_data({"browse": callback_data.model_copy(update={"amount": ""}).pack()})
        await query.message.edit_text(
            _("Type the amount you want to trade, in {fiat}:").format(fiat=callback_data.fiat),
            reply_markup=kb.cancel_only(callback_data.model_copy(update={"amount": ""})))
        return
    return query.message.edit_text(**await _market(session, me, callback_data))


@router.message(OfferForms.browse_amount, F.text)
async def browse_amount_typed(message: Message, state: FSMContext, session: AsyncSession, me: User) -> None:
    current = kb.BrowseCb.unpack((await state.get_data())["browse"])
    try:
        amount = parse_amount(message.text, decimals=Fiat(current.fiat).exponent, maximum=MAX_FIAT)
    except AmountError as err:
        await message.answer(amount_error_text(err, show=_fiat_shower(current.fiat)))
        return
    await state.clear()
    current = current.model_copy(update={"amount": str(amount), "page": 0})
    await message.answer(**await _market(session, me, current))


# --- one offer -------------------------------------------------------------------------------------


async def offer_view(session: AsyncSession, me: User, offer_id: int, carried: Decimal | None = None) -> dict[str, Any]:
    """One offer; a taker gets quick amounts (``carried``: the market filter's amount)."""
    offer = await escrow.get_offer(session, offer_id)
    try:
        price = await escrow.current_price(session, offer)
    except DomainError:  # a floating price without a reference rate now
        price = None
    stats = await escrow.user_stats(session, offer.maker_id) if offer.maker_id != me.id else None
    back = kb.BrowseCb(side=offer.side, asset=offer.asset, fiat=offer.fiat, amount=str(carried) if carried else "")
    maker = await session.get(User, offer.maker_id)
    quick = None
    if offer.maker_id != me.id and offer.status == "active" and price is not None:
        _, most = await escrow.take_range(session, offer_id=offer.id, taker_id=me.id)
        quick = trade_views.quick_amounts(offer, most, carried)
    link = _private_link(offer) if offer.maker_id == me.id else None
    return views.offer_card(offer, price, stats, viewer_id=me.id, back=back,
                            maker_nickname=maker.nickname if maker else None, quick=quick, link=link)


@deep_links.message(CommandStart(deep_link=True, magic=F.args.regexp(r"^offer_\d+$")))
async def offer_deep_link(message: Message, command: CommandObject, session: AsyncSession, me: User,
                          state: FSMContext, bot: Bot) -> None:  # fmt: skip
    await remember_bot(bot)
    if me.language is None:  # arriving through a channel post: Telegram's language, as start does
        me.language = pick_language(message.from_user.language_code if message.from_user else None)
        await users.set_language(session, me.id, me.language)
    await state.clear()
    offer = await escrow.offer_by_id_link(session, int((command.args or "").removeprefix("offer_")), me.id)
    await message.answer(**await offer_view(session, me, offer.id))


@deep_links.message(CommandStart(deep_link=True, magic=F.args.regexp(r"^p_[A-Za-z0-9_-]{8,24}$")))
async def private_offer_link(message: Message, command: CommandObject, session: AsyncSession, me: User,
                             state: FSMContext, bot: Bot) -> None:  # fmt: skip
    """A private offer's link (its maker sent it, or its QR code)."""
    await remember_bot(bot)
    if me.language is None:
        me.language = pick_language(message.from_user.language_code if message.from_user else None)
        await users.set_language(session, me.id, me.language)
    await state.clear()
    offer = await escrow.offer_by_link(session, (command.args or "").removeprefix("p_"), me.id)
    await message.answer(**await offer_view(session, me, offer.id))


@router.callback_query(kb.OfferCb.filter(F.action == "open"))
async def open_offer(query: CallbackQuery, callback_data: kb.OfferCb, session: AsyncSession, me: User,
                     state: FSMContext, raw_state: str | None) -> Any:  # fmt: skip
    if raw_state is not None:
        await state.clear()
    view = await offer_view(session, me, callback_data.offer_id)
    await query.answer()
    return query.message.edit_text(**view) if isinstance(query.message, Message) else None


@router.callback_query(kb.ListedCb.filter())
async def open_listed_offer(query: CallbackQuery, callback_data: kb.ListedCb, session: AsyncSession, me: User,
                            state: FSMContext, raw_state: str | None) -> Any:  # fmt: skip
    """An offer opened from a list filtered by an amount: that amount is one tap away."""
    if not re.fullmatch(r"\d{1,13}(\.\d{1,2})?", callback_data.amount):
        await _stale(query)
        return None
    if raw_state is not None:
        await state.clear()
    view = await offer_view(session, me, callback_data.offer_id, carried=Decimal(callback_data.amount))
    await query.answer()
    return query.message.edit_text(**view) if isinstance(query.message, Message) else None


@router.message(Command("myoffers"))
async def my_offers_command(message: Message, session: AsyncSession, me: User) -> None:
    await message.answer(**views.my_offers(await escrow.my_offers(session, me.id), await escrow.last_offer(session, me.id)))


@router.callback_query(kb.OfferCb.filter(F.action == "mine"))
async def my_offers_button(query: CallbackQuery, session: AsyncSession, me: User) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(**views.my_offers(await escrow.my_offers(session, me.id),
                                                        await escrow.last_offer(session, me.id)))


async def _show_own(query: CallbackQuery, session: AsyncSession, me: User, offer_id: int, note: str) -> None:
    await query.answer(note)
    view = await offer_view(session, me, offer_id)
    if isinstance(query.message, Message):
        await query.message.edit_text(note + "\n\n" + view["text"], reply_markup=view["reply_markup"])


@router.callback_query(kb.OfferCb.filter(F.action == "pause"))
async def pause(query: CallbackQuery, callback_data: kb.OfferCb, session: AsyncSession, me: User) -> None:
    await escrow.pause_offer(session, offer_id=callback_data.offer_id, actor_id=me.id)
    await _show_own(query, session, me, callback_data.offer_id, _("⏸ Offer paused: hidden from the market."))


@router.callback_query(kb.OfferCb.filter(F.action == "resume"))
async def resume(query: CallbackQuery, callback_data: kb.OfferCb, session: AsyncSession, me: User) -> None:
    await escrow.resume_offer(session, offer_id=callback_data.offer_id, actor_id=me.id)
    await _show_own(query, session, me, callback_data.offer_id, _("▶️ Offer resumed: visible in the market."))


@router.callback_query(kb.OfferCb.filter(F.action == "close"))
async def close_ask(query: CallbackQuery, callback_data: kb.OfferCb, session: AsyncSession, me: User) -> None:
    offer = await escrow.get_offer(session, callback_data.offer_id)
    if offer.maker_id != me.id or offer.status == "closed":
        await _stale(query)
        return
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(
            _("Close offer #{id} for good? What is left returns to your balance; open trades go on.").format(
                id=offer.id), reply_markup=kb.confirm_close(offer.id))


@router.callback_query(kb.OfferCb.filter(F.action == "close_yes"))
async def close(query: CallbackQuery, callback_data: kb.OfferCb, session: AsyncSession, me: User) -> None:
    await escrow.close_offer(session, offer_id=callback_data.offer_id, actor_id=me.id)
    await _show_own(query, session, me, callback_data.offer_id, _("🗑 Offer closed."))


@router.callback_query(kb.OfferCb.filter(F.action == "edit_amount"))
async def edit_amount_ask(query: CallbackQuery, callback_data: kb.OfferCb, state: FSMContext,
                          session: AsyncSession, me: User) -> None:  # fmt: skip
    offer = await escrow.get_offer(session, callback_data.offer_id)
    if offer.maker_id != me.id or offer.status == "closed":
        await _stale(query)
        return
    await state.set_state(OfferForms.edit_amount)
    await state.set_data({"offer_id": offer.id})
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(
            _("Offer #{id} has {amount} left. Type the new amount left to trade:").format(
                id=offer.id, amount=fmt.crypto(offer.remaining, offer.asset, lang())),
            reply_markup=kb.cancel_only(kb.OfferCb(action="open", offer_id=offer.id)))


@router.message(OfferForms.edit_amount, F.text)
async def edit_amount_typed(message: Message, state: FSMContext, session: AsyncSession, me: User) -> None:
    offer_id = int((await state.get_data())["offer_id"])
    try:
        amount = to_micro(parse_amount(message.text, decimals=6, maximum=MAX_CRYPTO))
    except AmountError as err:
        await message.answer(amount_error_text(err))
        return
    await escrow.edit_offer(session, offer_id=offer_id, actor_id=me.id, patch=OfferPatch(amount=amount))
    await state.clear()
    view = await offer_view(session, me, offer_id)
    await message.answer(_("✏️ Amount changed.") + "\n\n" + view["text"], reply_markup=view["reply_markup"])


register_error_texts(
    {
        "offer_not_found": lambda p: _("That offer no longer exists."),
        "not_offer_owner": lambda p: _("This offer is not yours."),
        "offer_closed": lambda p: _("This offer is closed."),
        "offer_state": lambda p: _("The offer is already {status}.").format(status=_status(p.get("status"))),
        "price_required": lambda p: _("Please set a price."),
        "price_invalid": lambda p: _("The price must be more than zero."),
        "price_out_of_range": lambda p: _(
            "That price is too far from the reference rate {reference}: choose between {low} and {high}."
        ).format(reference=_f(p["reference"], p["fiat"]), low=_f(p["min_price"], p["fiat"]),
                 high=_f(p["max_price"], p["fiat"])),
        "no_reference_rate": lambda p: _("There is no reference rate for this pair yet; use a fixed price."),
        "margin_invalid": lambda p: _("The margin can have at most two decimals, for example 1.25."),
        "fiat_precision": lambda p: _("{fiat} amounts can have at most {decimals}.").format(
            fiat=p.get("fiat", ""), decimals=fmt.decimals(int(p.get("decimals", 0)), lang())),
        "amount_invalid": lambda p: _("The amount must be more than zero."),
        "limits_invalid": lambda p: _("The maximum per trade must be at least the minimum."),
        "limits_exceed_amount": lambda p: _(
            "The minimum per trade ({min}) is more than the whole offer is worth ({total})."
        ).format(min=_f(p["min_fiat"], p["fiat"]), total=_f(p["amount_fiat"], p["fiat"])),
        "max_exceeds_amount": lambda p: _(
            "The maximum per trade ({max}) is more than the whole offer is worth ({total}). "
            "Type at most {total}."
        ).format(max=_f(p["max_fiat"], p["fiat"]), total=_f(p["amount_fiat"], p["fiat"])),
        "payment_method_unknown": lambda p: _("That payment method is not offered here."),
        "payment_method_required": lambda p: _("Choose at least one payment method."),
        "payment_note_too_long": lambda p: _("Please keep the payment method under 100 characters."),
        "payment_window_invalid": lambda p: _("Choose one of these payment windows: {allowed} minutes.").format(
            allowed=", ".join(fmt.number(n, lang()) for n in p.get("allowed", []))),
        "terms_too_long": lambda p: _("Terms can have at most {max}; yours have {n}. "
                                      "Please shorten them.").format(max=fmt.characters(int(p["max"]), lang()),
                                                                     n=fmt.number(int(p["length"]), lang())),
        "requirement_invalid": lambda p: _("Requirements cannot be negative."),
        "user_banned": lambda p: _("Your account is frozen. Please contact support."),
        "visibility_invalid": lambda p: _("This button is no longer active."),
        "offer_trusted_only": lambda p: _("This offer is only for its maker's trusted traders."),
        "advertise_requirements": lambda p: views.advertise_requirements_text(p["rules"]),
        "user_not_found": lambda p: _("That user was not found."),
        "page_invalid": lambda p: _("This button is no longer active."),
        "insufficient_funds": lambda p: _("Your available balance is {available}; this needs {needed}.").format(
            available=fmt.crypto(int(p["available"]), str(p["asset"]), lang()),
            needed=fmt.crypto(int(p["needed"]), str(p["asset"]), lang())),
    }
)


def _f(value: str, fiat: str) -> str:
    return fmt.fiat(Decimal(value), fiat, lang())


def _status(status: object) -> str:
    return status_name(str(status))
