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
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.handlers.payment_accounts import accounts_note, city_buttons, with_saved_accounts
from bot.keyboards import offers as kb
from bot.keyboards.menu import MenuCb, back_to_menu
from bot.notifications.escrow import remember_bot
from bot.views import offers as views
from bot.views.common import status_name
from botkit import fmt
from botkit.errors import register_error_texts
from botkit.i18n import lang, pick_language
from botkit.numbers import AmountError, amount_error_text, normalize, parse_amount, parse_percent
from core import escrow, users
from core.accounts.payment_accounts import check_public_text
from core.errors import DomainError
from core.escrow import OfferDraft, OfferPatch, Side
from core.ledger import AccountRef, balance
from core.money import Asset, Fiat, to_micro
from core.users import User

deep_links = Router(name="offers.deep_links")  # included before start.router
router = Router(name="offers")

MAX_CRYPTO = Decimal(100_000_000)  # units of USDT/TRX in one offer: more is a typo
MAX_FIAT = Decimal(10_000_000_000)
MAX_PRICE = Decimal(100_000_000)
STEPS = ("side", "asset", "fiat", "ptype", "price", "amount", "min", "max", "methods", "note", "window", "terms",
         "min_trades", "min_age", "summary")  # fmt: skip
TERMS_MAX = 500


class OfferWizard(StatesGroup):
    active = State()


class OfferForms(StatesGroup):
    edit_amount = State()  # data: offer_id
    browse_amount = State()  # data: the Browse filters


# --- the new-offer conversation ------------------------------------------------------------------


def _applies(step: str, data: dict[str, Any]) -> bool:
    return step != "note" or bool(data.get("want_note"))


def _next(step: str, data: dict[str, Any]) -> str:
    i = STEPS.index(step) + 1
    while not _applies(STEPS[i], data):
        i += 1
    return STEPS[i]


def _previous(step: str, data: dict[str, Any]) -> str:
    i = STEPS.index(step) - 1
    while i > 0 and not _applies(STEPS[i], data):
        i -= 1
    return STEPS[max(i, 0)]


async def _ask(step: str, data: dict[str, Any], session: AsyncSession, me: User) -> dict[str, Any]:
    """The question of a step: text and keyboard."""
    lg = lang()
    asset, fiat = data.get("asset", "USDT"), data.get("fiat", "IQD")
    nav = kb.choices(step, [])
    if step == "side":
        text = _("<b>New offer</b> (step 1 of 9)\nDo you want to sell crypto or buy it?")
        return {"text": text, "reply_markup": kb.choices(step, [(_("🔴 Sell crypto"), "sell"),
                                                                (_("🟢 Buy crypto"), "buy")], back=False)}
    if step == "asset":
        return {"text": _("Which asset?"), "reply_markup": kb.choices(step, [("USDT", "USDT"), ("TRX", "TRX")])}
    if step == "fiat":
        return {"text": _("For which currency?"),
                "reply_markup": kb.choices(step, [(_("Iraqi dinar (IQD)"), "IQD"), (_("US dollar (USD)"), "USD")])}
    if step == "ptype":
        reference = await escrow.get_reference_rate(session, Asset(asset), Fiat(fiat))
        text = _("Fixed price, or a floating price that follows the reference rate with your margin?")
        if reference is not None:
            text += "\n" + _("Reference rate now: {price}").format(price=fmt.price(reference, fiat, asset, lg))
        options = [(_("Fixed price"), "fixed")]
        if reference is not None:
            options.append((_("Floating price"), "floating"))
        return {"text": text, "reply_markup": kb.choices(step, options)}
    if step == "price":
        if data.get("ptype") == "floating":
            text = _("Type your margin over the reference rate in percent, for example 1.5 (or -0.5 for below it).")
        else:
            text = _("Type your price in {fiat} for 1 {asset}, for example {example}.").format(
                fiat=fmt.code(fiat, lg), asset=fmt.code(asset, lg),
                example=fmt.number(1310 if fiat == "IQD" else Decimal("1.02"), lg))
        return {"text": text, "reply_markup": nav}
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
    return {"text": views.draft_summary(data), "reply_markup": kb.summary_keyboard()}


async def _go(step: str, state: FSMContext, session: AsyncSession, me: User, *,
              query: CallbackQuery | None = None, message: Message | None = None) -> None:  # fmt: skip
    data = await state.get_data()
    data["step"] = step
    await state.set_data(data)
    view = await _ask(step, data, session, me)
    if query is not None and isinstance(query.message, Message):
        await query.message.edit_text(**view)
    elif message is not None:
        await message.answer(**view)


@router.message(Command("newoffer"))
async def new_offer_command(message: Message, state: FSMContext, session: AsyncSession, me: User) -> None:
    await state.set_state(OfferWizard.active)
    await state.set_data({})
    await _go("side", state, session, me, message=message)


@router.callback_query(MenuCb.filter(F.item == "new_offer"))
async def new_offer_menu(query: CallbackQuery, state: FSMContext, session: AsyncSession, me: User) -> None:
    await query.answer()
    await state.set_state(OfferWizard.active)
    await state.set_data({})
    await _go("side", state, session, me, query=query)


async def _stale(query: CallbackQuery) -> None:
    await query.answer(_("This button is no longer active."))


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
    choices = {"side": ("sell", "buy"), "asset": ("USDT", "TRX"), "fiat": ("IQD", "USD"),
               "ptype": ("fixed", "floating"),
               "window": tuple(str(w) for w in (await escrow.rules(session)).payment_windows)}  # fmt: skip
    if step in choices:
        if value not in choices[step]:
            await _stale(query)
            return
        data[step] = value
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
            data["want_note"] = False
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
    elif step in ("min_trades", "min_age") and value.isdigit():
        data[step] = int(value)
    elif step == "summary" and value == "_publish":
        await remember_bot(bot)  # the channel post links to the bot by username
        draft = await with_saved_accounts(session, me, _draft(data))
        offer = await escrow.publish_offer(session, maker_id=me.id, draft=draft)
        await state.clear()
        await query.answer(_("Published"))
        price = await escrow.current_price(session, offer)
        view = views.offer_card(offer, price, None, viewer_id=me.id)
        if isinstance(query.message, Message):
            await query.message.edit_text(_("✅ Your offer is published.") + accounts_note(offer) + "\n\n" + view["text"],
                                          reply_markup=view["reply_markup"])
        return
    else:
        await _stale(query)
        return
    await state.set_data(data)
    await query.answer()
    await _go(_next(step, data), state, session, me, query=query)


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
    )


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


async def offer_view(session: AsyncSession, me: User, offer_id: int) -> dict[str, Any]:
    offer = await escrow.get_offer(session, offer_id)
    try:
        price = await escrow.current_price(session, offer)
    except DomainError:  # a floating price without a reference rate now
        price = None
    stats = await escrow.user_stats(session, offer.maker_id) if offer.maker_id != me.id else None
    back = kb.BrowseCb(side=offer.side, asset=offer.asset, fiat=offer.fiat)
    maker = await session.get(User, offer.maker_id)
    return views.offer_card(offer, price, stats, viewer_id=me.id, back=back,
                            maker_nickname=maker.nickname if maker else None)


@deep_links.message(CommandStart(deep_link=True, magic=F.args.regexp(r"^offer_\d+$")))
async def offer_deep_link(message: Message, command: CommandObject, session: AsyncSession, me: User,
                          state: FSMContext, bot: Bot) -> None:  # fmt: skip
    await remember_bot(bot)
    if me.language is None:  # arriving through a channel post: Telegram's language, as start does
        me.language = pick_language(message.from_user.language_code if message.from_user else None)
        await users.set_language(session, me.id, me.language)
    await state.clear()
    offer_id = int((command.args or "").removeprefix("offer_"))
    await message.answer(**await offer_view(session, me, offer_id))


@router.callback_query(kb.OfferCb.filter(F.action == "open"))
async def open_offer(query: CallbackQuery, callback_data: kb.OfferCb, session: AsyncSession, me: User,
                     state: FSMContext, raw_state: str | None) -> Any:  # fmt: skip
    if raw_state is not None:
        await state.clear()
    view = await offer_view(session, me, callback_data.offer_id)
    await query.answer()
    return query.message.edit_text(**view) if isinstance(query.message, Message) else None


@router.message(Command("myoffers"))
async def my_offers_command(message: Message, session: AsyncSession, me: User) -> None:
    await message.answer(**views.my_offers(await escrow.my_offers(session, me.id)))


@router.callback_query(kb.OfferCb.filter(F.action == "mine"))
async def my_offers_button(query: CallbackQuery, session: AsyncSession, me: User) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(**views.my_offers(await escrow.my_offers(session, me.id)))


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
