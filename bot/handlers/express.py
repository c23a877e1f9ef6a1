"""Express: "Buy N USDT" / "Sell N USDT" from the main menu (then the amount) or typed as
``/buy 100`` (``/sell 50 TRX``, Arabic-Indic digits too). core.escrow.express picks the best
offer the trader may take in their remembered currency; its quote is shown to confirm, and the
quote's Confirm opens the trade at the quoted price as on any offer (trades.take_confirm).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.keyboards.menu import MenuCb
from bot.keyboards.offers import BrowseCb
from bot.views.common import stats_text
from bot.views.trades import quote_view
from botkit import fmt
from botkit.i18n import lang
from botkit.keyboard_builder import InlineKeyboardBuilder
from botkit.numbers import AmountError, amount_error_text, normalize, parse_amount
from core import escrow, users
from core.escrow.express import best_offer
from core.money import MICRO, Asset, Fiat, to_micro
from core.users import User

router = Router(name="express")
MAX_CRYPTO = Decimal(100_000_000)
QUICK_AMOUNTS = (50, 100, 500, 1000)
_TRX = re.compile(r"(trx|ترون)", re.IGNORECASE)


class ExpressForm(StatesGroup):
    amount = State()  # data: buy, asset


class ExpressCb(CallbackData, prefix="ex"):
    """``side`` "buy" | "sell" (what the trader does); ``amount`` whole units, "" to ask."""

    side: str
    asset: str = "USDT"
    amount: str = ""


def _ask(buy: bool, asset: str) -> dict[str, Any]:
    lg = lang()
    side = "buy" if buy else "sell"
    question = (_("⚡ How much {asset} do you want to buy? Tap an amount or type one, for example {example}.") if buy
                else _("⚡ How much {asset} do you want to sell? Tap an amount or type one, for example {example}."))
    builder = InlineKeyboardBuilder()
    for n in QUICK_AMOUNTS:
        builder.button(text=fmt.crypto(n * MICRO, asset, lg), callback_data=ExpressCb(side=side, asset=asset, amount=str(n)))
    builder.button(text=_("⬅️ Main menu"), callback_data=MenuCb(item="home"))
    builder.adjust(len(QUICK_AMOUNTS) // 2, len(QUICK_AMOUNTS) // 2, 1)
    return {"text": question.format(asset=fmt.code(asset, lg), example=fmt.number(100, lg)),
            "reply_markup": builder.as_markup()}


def _nothing(buy: bool, asset: str, fiat: str, micro: int) -> dict[str, Any]:
    lg = lang()
    text = _("No offer can fill {crypto} for {fiat} right now. Look at the whole market, try another amount, "
             "or publish your own offer.").format(crypto=fmt.crypto(micro, asset, lg), fiat=fmt.code(fiat, lg))
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🛒 See the offers"), callback_data=BrowseCb(side="sell" if buy else "buy", asset=asset,
                                                                      fiat=fiat))  # fmt: skip
    builder.button(text=_("⬅️ Main menu"), callback_data=MenuCb(item="home"))
    builder.adjust(1)
    markup: InlineKeyboardMarkup = builder.as_markup()
    return {"text": text, "reply_markup": markup}


async def express_view(session: AsyncSession, me: User, *, buy: bool, asset: str, micro: int) -> dict[str, Any]:
    """The best offer's quote (with the maker and their reputation), or why there is none."""
    fiat = users.market_of(me)[1]
    q = await best_offer(session, taker_id=me.id, buy=buy, asset=Asset(asset), fiat=Fiat(fiat), crypto_amount=micro)
    if q is None:
        return _nothing(buy, asset, fiat, micro)
    offer = await escrow.get_offer(session, q.offer_id)
    maker = await session.get(User, offer.maker_id)
    stats = await escrow.user_stats(session, offer.maker_id)
    name = fmt.isolate(fmt.escape(maker.public_name)) if maker is not None else "-"
    view = quote_view(offer, q, amount=str(micro), unit="c")
    head = _("⚡ The best offer for you: #{id} · {name} · {stats}").format(
        id=offer.id, name=name, stats=stats_text(stats, releases=buy))
    return {**view, "text": head + "\n\n" + view["text"]}


def _parse(text: str) -> tuple[str, int]:
    """(asset, micro units) of "100", "100 usdt", "٥٠ ترون"; raises AmountError."""
    asset = "TRX" if _TRX.search(normalize(text)) else "USDT"
    return asset, to_micro(parse_amount(text, decimals=6, maximum=MAX_CRYPTO))


@router.callback_query(MenuCb.filter(F.item.in_({"express_buy", "express_sell"})))
async def express_menu(query: CallbackQuery, callback_data: MenuCb, state: FSMContext) -> Any:
    buy = callback_data.item == "express_buy"
    await state.set_state(ExpressForm.amount)
    await state.set_data({"buy": buy, "asset": "USDT"})
    await query.answer()
    return query.message.edit_text(**_ask(buy, "USDT")) if isinstance(query.message, Message) else None


@router.callback_query(ExpressCb.filter())
async def express_button(query: CallbackQuery, callback_data: ExpressCb, state: FSMContext,
                         session: AsyncSession, me: User) -> Any:  # fmt: skip
    if callback_data.side not in ("buy", "sell") or callback_data.asset not in ("USDT", "TRX") \
            or not re.fullmatch(r"\d{1,9}", callback_data.amount):
        await query.answer(_("This button is no longer active."))
        return None
    buy = callback_data.side == "buy"
    view = await express_view(session, me, buy=buy, asset=callback_data.asset,
                              micro=to_micro(Decimal(callback_data.amount)))  # fmt: skip
    await state.clear()
    await query.answer()
    return query.message.edit_text(**view) if isinstance(query.message, Message) else None


@router.message(Command("buy", "sell"))
async def express_command(message: Message, command: CommandObject, state: FSMContext,
                          session: AsyncSession, me: User) -> Any:  # fmt: skip
    buy = command.command == "buy"
    args = (command.args or "").strip()
    await state.clear()
    if not args or not any(ch.isdigit() for ch in normalize(args)):
        asset = "TRX" if _TRX.search(normalize(args)) else "USDT"
        await state.set_state(ExpressForm.amount)
        await state.set_data({"buy": buy, "asset": asset})
        return message.answer(**_ask(buy, asset))
    try:
        asset, micro = _parse(args)
    except AmountError as err:
        return message.answer(amount_error_text(err))
    return message.answer(**await express_view(session, me, buy=buy, asset=asset, micro=micro))


@router.message(ExpressForm.amount, F.text)
async def express_amount_typed(message: Message, state: FSMContext, session: AsyncSession, me: User) -> Any:
    data = await state.get_data()
    try:
        asset, micro = _parse(message.text or "")
    except AmountError as err:
        return message.answer(amount_error_text(err))
    if not _TRX.search(normalize(message.text or "")):
        asset = str(data.get("asset", "USDT"))
    view = await express_view(session, me, buy=bool(data.get("buy")), asset=asset, micro=micro)
    await state.clear()
    return message.answer(**view)
