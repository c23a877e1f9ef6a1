"""A trade, top to bottom: take an offer (amount, quote, confirm), then each party's buttons:
buyer "I have paid" (optional receipt photo, then "did you really transfer?"), buyer cancel,
seller release (a confirmation stating the fiat received and the coins released), dispute;
/mytrades.

The party who acts sees the result in place (the message is edited); the counterpart learns it
from core's outbox event (bot/notifications/escrow.py), so nothing is lost if the process dies
after the commit.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.methods import TelegramMethod
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.handlers.payment_accounts import card, payer_accounts
from bot.keyboards import offers as offer_kb
from bot.keyboards import trades as kb
from bot.keyboards.menu import MenuCb, back_to_menu
from bot.views import trades as views
from bot.views.common import status_name
from bot.views.trade_details import safety_words, with_payer_accounts, with_release_warning
from botkit import fmt
from botkit.errors import register_error_texts
from botkit.i18n import lang
from botkit.numbers import AmountError, amount_error_text, normalize, parse_amount
from core import escrow
from core.errors import DomainError
from core.escrow import Receipt, Trade
from core.escrow.trades import require_role, require_state
from core.money import Fiat, to_micro
from core.users import User

router = Router(name="trades")
MAX_FIAT = Decimal(10_000_000_000)
MAX_CRYPTO = Decimal(100_000_000)
_CRYPTO_WORDS = re.compile(r"(usdt|trx|تيثر|ترون)", re.IGNORECASE)


class TakeForm(StatesGroup):
    amount = State()  # data: offer_id


class PaidForm(StatesGroup):
    receipt = State()  # data: trade_id, then file_id / file_unique_id


class DisputeForm(StatesGroup):
    reason = State()  # data: trade_id


def _edit(query: CallbackQuery, view: dict[str, Any]) -> TelegramMethod[Any] | None:
    """The card in place of the pressed message (a new message under a receipt photo).

    Returned, not awaited: the handler returns it and aiogram sends it as the webhook's reply
    (with polling, right after the handler), after the update's transaction committed. That
    saves a round trip to Telegram on every button."""
    if not isinstance(query.message, Message):
        return None
    if query.message.photo:
        return query.message.answer(**view)
    return query.message.edit_text(**view)


# --- taking an offer -------------------------------------------------------------------------------


@router.callback_query(offer_kb.OfferCb.filter(F.action == "take"))
async def take_ask_amount(query: CallbackQuery, callback_data: offer_kb.OfferCb, state: FSMContext,
                          session: AsyncSession, me: User) -> Any:  # fmt: skip
    offer, most = await escrow.take_range(session, offer_id=callback_data.offer_id, taker_id=me.id)
    await state.set_state(TakeForm.amount)
    await state.set_data({"offer_id": offer.id})
    await query.answer()
    if not isinstance(query.message, Message):
        return None
    return query.message.answer(views.fiat_amount_hint(offer, most),  # the webhook's reply (see _edit)
                                reply_markup=kb.quick_amounts(offer.id, views.quick_amounts(offer, most),
                                                              kb.TakeCb(action="cancel", offer_id=offer.id)))


@router.callback_query(kb.TakeCb.filter(F.action == "quote"))
async def take_quick_amount(query: CallbackQuery, callback_data: kb.TakeCb, state: FSMContext,
                            session: AsyncSession, me: User) -> Any:  # fmt: skip
    """A quick amount (on the offer or the amount question): its quote, as if typed."""
    offer = await escrow.get_offer(session, callback_data.offer_id)
    amount = _quote_amount(callback_data.model_copy(update={"unit": "f"}), offer.fiat_enum)
    q = await escrow.quote(session, offer_id=offer.id, taker_id=me.id, **amount)
    if await state.get_state() == TakeForm.amount.state:
        await state.clear()
    await query.answer()
    return _edit(query, views.quote_view(offer, q, amount=str(amount["fiat_amount"]), unit="f"))


@router.message(TakeForm.amount, F.text)
async def take_amount_typed(message: Message, state: FSMContext, session: AsyncSession, me: User) -> Any:
    offer = await escrow.get_offer(session, int((await state.get_data())["offer_id"]))
    text = message.text or ""
    in_crypto = bool(_CRYPTO_WORDS.search(normalize(text)))
    try:
        if in_crypto:
            micro = to_micro(parse_amount(text, decimals=6, maximum=MAX_CRYPTO))
            q = await escrow.quote(session, offer_id=offer.id, taker_id=me.id, crypto_amount=micro)
            amount, unit = str(micro), "c"
        else:
            fiat_amount = parse_amount(text, decimals=offer.fiat_enum.exponent, maximum=MAX_FIAT)
            q = await escrow.quote(session, offer_id=offer.id, taker_id=me.id, fiat_amount=fiat_amount)
            amount, unit = str(fiat_amount), "f"
    except AmountError as err:
        show = None if in_crypto else (lambda v: fmt.fiat(v, offer.fiat, lang()))
        return message.answer(amount_error_text(err, show=show))
    return message.answer(**views.quote_view(offer, q, amount=amount, unit=unit))  # the webhook's reply


@router.callback_query(kb.TakeCb.filter(F.action == "cancel"))
async def take_cancel(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(_("Nothing was opened."), reply_markup=back_to_menu())


def _quote_amount(data: kb.TakeCb, fiat: Fiat) -> dict[str, Any]:
    """The amount a quote button carries, checked again: a forged button gets nowhere."""
    if data.unit == "c" and data.amount.isdigit() and 0 < int(data.amount) <= to_micro(MAX_CRYPTO):
        return {"crypto_amount": int(data.amount)}
    if data.unit == "f" and re.fullmatch(r"\d{1,13}(\.\d{1,2})?", data.amount):
        return {"fiat_amount": Decimal(data.amount).quantize(fiat.quantum)}
    raise DomainError("amount_invalid")


@router.callback_query(kb.TakeCb.filter(F.action == "confirm"))
async def take_confirm(query: CallbackQuery, callback_data: kb.TakeCb, state: FSMContext,
                       session: AsyncSession, me: User) -> Any:  # fmt: skip
    """Open the trade at the quoted price only; if the price moved since the quote (the maker
    edited it, the reference rate changed), nothing opens and the new quote replaces the old."""
    offer = await escrow.get_offer(session, callback_data.offer_id)
    amount = _quote_amount(callback_data, offer.fiat_enum)
    quoted = callback_data.price  # finite (the callback data refuses NaN and Infinity)
    if quoted <= 0:
        raise DomainError("amount_invalid")  # a forged button
    try:
        trade = await escrow.take(session, offer_id=offer.id, taker_id=me.id, expected_price=quoted, **amount)
    except DomainError as refused:
        if refused.code != "price_moved":
            raise
        q = await escrow.quote(session, offer_id=offer.id, taker_id=me.id, **amount)
        await query.answer(_("The price changed"))
        return _edit(query, views.quote_view(offer, q, amount=callback_data.amount, unit=callback_data.unit,
                                             moved_from=quoted))  # fmt: skip
    await query.answer(_("Trade opened"))  # commits first (botkit.middlewares.SendAfterCommit): the offer is free
    await state.clear()
    headline = _("✅ Trade opened. The coins are locked in escrow.") + safety_words(trade.fiat, trade.payment_method)
    return _edit(query, await card(session, trade, me, headline=headline))


# --- one trade --------------------------------------------------------------------------------------


async def _party_trade(session: AsyncSession, trade_id: int, me: User) -> Trade:
    trade = await escrow.get_trade(session, trade_id)
    require_role(trade, me.id, "party")
    return trade


async def _rated(session: AsyncSession, trade: Trade, me: User) -> bool:
    return await escrow.has_rated(session, trade_id=trade.id, user_id=me.id)


@router.callback_query(kb.TradeCb.filter(F.action == "view"))
async def view_trade(query: CallbackQuery, callback_data: kb.TradeCb, state: FSMContext,
                     session: AsyncSession, me: User) -> Any:  # fmt: skip
    trade = await _party_trade(session, callback_data.trade_id, me)
    if await state.get_state() in (PaidForm.receipt.state, DisputeForm.reason.state):
        await state.clear()
    await state.update_data(chat_trade_id=trade.id)  # where the user's chat messages go (see chat.py)
    await query.answer()
    return _edit(query, await card(session, trade, me, rated=await _rated(session, trade, me)))


@router.callback_query(kb.TradeCb.filter(F.action == "paid"))
async def paid_ask_receipt(query: CallbackQuery, callback_data: kb.TradeCb, state: FSMContext,
                           session: AsyncSession, me: User) -> Any:  # fmt: skip
    trade = await escrow.get_trade(session, callback_data.trade_id)
    require_role(trade, me.id, "buyer")
    require_state(trade, escrow.TradeStatus.AWAITING_PAYMENT)
    await state.set_state(PaidForm.receipt)  # a photo sent now is the receipt (optional)
    await state.set_data({"trade_id": trade.id})
    await query.answer()
    return _edit(query, with_payer_accounts(views.paid_question(trade, with_receipt=False), trade,
                                            await payer_accounts(session, trade, me)))


@router.message(PaidForm.receipt, F.photo)
async def paid_receipt_photo(message: Message, state: FSMContext, session: AsyncSession, me: User) -> None:
    data = await state.get_data()
    trade = await escrow.get_trade(session, int(data["trade_id"]))
    assert message.photo
    photo = message.photo[-1]
    await state.update_data(file_id=photo.file_id, file_unique_id=photo.file_unique_id)
    await message.answer(**with_payer_accounts(views.paid_question(trade, with_receipt=True), trade,
                                               await payer_accounts(session, trade, me)))


@router.message(PaidForm.receipt)
async def paid_receipt_other(message: Message) -> None:
    await message.answer(_("Please send the receipt as a photo, or confirm without one."))


@router.callback_query(kb.TradeCb.filter(F.action == "paid_skip"))  # the receipt prompt of older messages
async def paid_skip(query: CallbackQuery, callback_data: kb.TradeCb, state: FSMContext,
                    session: AsyncSession, me: User) -> Any:  # fmt: skip
    trade = await escrow.get_trade(session, callback_data.trade_id)
    require_role(trade, me.id, "buyer")
    require_state(trade, escrow.TradeStatus.AWAITING_PAYMENT)
    await state.set_state(PaidForm.receipt)
    await state.set_data({"trade_id": trade.id})
    await query.answer()
    return _edit(query, with_payer_accounts(views.paid_question(trade, with_receipt=False), trade,
                                            await payer_accounts(session, trade, me)))


@router.callback_query(kb.TradeCb.filter(F.action == "paid_yes"))
async def paid_confirmed(query: CallbackQuery, callback_data: kb.TradeCb, state: FSMContext,
                         session: AsyncSession, me: User) -> Any:  # fmt: skip
    data = await state.get_data()
    receipt = None
    if data.get("trade_id") == callback_data.trade_id and data.get("file_id"):
        receipt = Receipt(file_id=data["file_id"], file_unique_id=data["file_unique_id"])
    trade = await escrow.mark_paid(session, trade_id=callback_data.trade_id, actor_id=me.id, receipt=receipt)
    await state.set_state(None)  # the form is done; the user's chat messages now go to this trade
    await state.set_data({"chat_trade_id": trade.id})
    await query.answer(_("The seller has been told."))
    return _edit(query, await card(session, trade, me, headline=_("✅ Marked as paid.")))


@router.callback_query(kb.TradeCb.filter(F.action == "cancel"))
async def cancel_ask(query: CallbackQuery, callback_data: kb.TradeCb, session: AsyncSession, me: User) -> Any:
    trade = await escrow.get_trade(session, callback_data.trade_id)
    require_role(trade, me.id, "buyer")
    require_state(trade, escrow.TradeStatus.AWAITING_PAYMENT)
    await query.answer()
    return _edit(query, views.cancel_question(trade))


@router.callback_query(kb.TradeCb.filter(F.action == "cancel_yes"))
async def cancel_confirmed(query: CallbackQuery, callback_data: kb.TradeCb, session: AsyncSession, me: User) -> Any:
    trade = await escrow.cancel(session, trade_id=callback_data.trade_id, actor_id=me.id)
    await query.answer(_("Trade cancelled"))
    return _edit(query, views.trade_card(trade, me.id, headline=_("❌ You cancelled the trade.")))


@router.callback_query(kb.TradeCb.filter(F.action == "release"))
async def release_ask(query: CallbackQuery, callback_data: kb.TradeCb, session: AsyncSession, me: User) -> Any:
    trade = await escrow.get_trade(session, callback_data.trade_id)
    require_role(trade, me.id, "seller")
    require_state(trade, escrow.TradeStatus.AWAITING_PAYMENT, escrow.TradeStatus.PAID)
    await query.answer()
    _, paid_from = await escrow.trade_accounts(session, trade)
    return _edit(query, with_release_warning(views.release_question(trade), trade, paid_from))


@router.callback_query(kb.TradeCb.filter(F.action == "release_yes"))
async def release_confirmed(query: CallbackQuery, callback_data: kb.TradeCb, session: AsyncSession, me: User) -> Any:
    trade = await escrow.release(session, trade_id=callback_data.trade_id, actor_id=me.id)
    await query.answer(_("Released"))
    # The one card the seller gets for the release (the TradeCompleted notice skips them): it asks for feedback.
    headline = _("🔓 You released {crypto} to the buyer.").format(crypto=fmt.crypto(trade.crypto_amount, trade.asset,
                                                                                    lang()))
    headline += "\n" + _("How was the other side? Your feedback helps everyone.")
    return _edit(query, views.trade_card(trade, me.id, headline=headline))


@router.callback_query(kb.TradeCb.filter(F.action == "dispute"))
async def dispute_ask(query: CallbackQuery, callback_data: kb.TradeCb, state: FSMContext,
                      session: AsyncSession, me: User) -> Any:  # fmt: skip
    trade = await escrow.disputable(session, trade_id=callback_data.trade_id, actor_id=me.id)
    await state.set_state(DisputeForm.reason)
    await state.set_data({"trade_id": trade.id})
    await query.answer()
    return _edit(query, {"text": _("Describe the problem in one message: what was paid, when, and what went wrong. "
                                  "A moderator will read it with the trade's chat."),
                        "reply_markup": kb.back_to_trade(trade.id)})


@router.message(DisputeForm.reason, F.text)
async def dispute_reason(message: Message, state: FSMContext, session: AsyncSession, me: User) -> None:
    trade_id = int((await state.get_data())["trade_id"])
    dispute = await escrow.open_dispute(session, trade_id=trade_id, actor_id=me.id, reason=message.text or "")
    await state.clear()
    trade = await escrow.get_trade(session, trade_id)
    headline = _("⚖️ Dispute opened. A moderator will contact you here.")
    due = dispute.buyer_due_at if me.id == trade.buyer_id else dispute.seller_due_at
    if due is not None:
        headline += "\n" + _("Send your evidence here (receipts, screenshots) by {time}.").format(
            time=fmt.datetime(due, lang()))
    await message.answer(**views.trade_card(trade, me.id, headline=headline))


# --- lists -----------------------------------------------------------------------------------------------


async def _my_trades(session: AsyncSession, me: User) -> dict[str, Any]:
    trades = await escrow.my_trades(session, me.id, limit=10)
    return views.trades_list(trades, me.id)


@router.message(Command("mytrades"))
async def my_trades_command(message: Message, session: AsyncSession, me: User) -> None:
    await message.answer(**await _my_trades(session, me))


@router.callback_query(MenuCb.filter(F.item == "trades"))
async def my_trades_menu(query: CallbackQuery, session: AsyncSession, me: User) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(**await _my_trades(session, me))


def _fiat(value: Any, fiat: Any) -> str:
    return fmt.fiat(Decimal(str(value)), str(fiat), lang())


def _when(value: Any) -> str:
    return fmt.datetime(datetime.fromisoformat(str(value)), lang())


register_error_texts(
    {
        "offer_unavailable": lambda p: _("This offer is not available any more."),
        "own_offer": lambda p: _("This is your own offer."),
        "blocked": lambda p: _("You cannot trade with this user."),
        "requirement_trades": lambda p: _("This offer needs at least {trades}; you have {actual}.").format(
            trades=fmt.completed_trades(int(p["required"]), lang()), actual=fmt.number(int(p["actual"]), lang())),
        "requirement_account_age": lambda p: _("This offer needs an account at least {days} old.").format(
            days=fmt.days(int(p["required"]), lang())),
        "amount_out_of_limits": lambda p: _("The amount must be between {min} and {max}.").format(
            min=_fiat(p["min_fiat"], p["fiat"]), max=_fiat(p["max_fiat"], p["fiat"])),
        "offer_insufficient": lambda p: _("The offer has only {available} left.").format(
            available=_fiat(p["available_fiat"], p["fiat"])),
        "amount_too_small": lambda p: _("That amount is too small to buy anything; please type more."),
        "too_many_open_trades": lambda p: _("You already have {trades}; finish one first.").format(
            trades=fmt.open_trades(int(p["limit"]), lang())),
        "cancel_cooldown": lambda p: _("You cancelled too many trades; you can buy again after {until}.").format(
            until=_when(p["until"])),
        "trade_not_found": lambda p: _("That trade does not exist."),
        "not_party": lambda p: _("This trade is not yours."),
        "not_your_role": lambda p: _("Only the {role} can do this.").format(
            role=_("buyer") if p.get("role") == "buyer" else _("seller")),
        "trade_state": lambda p: _("This trade is already {status}; nothing was changed.").format(
            status=_status(p.get("state"))),
        "payment_window_expired": lambda p: _("The payment window has ended."),
        "dispute_too_early": lambda p: _("You can open a dispute from {time}. Please talk to the other side first.")
        .format(time=_when(p["allowed_at"])),
        "reason_required": lambda p: _("Please describe the problem."),
        "reason_too_long": lambda p: _("Please keep the description under 1,000 characters."),
        "message_empty": lambda p: _("The message is empty."),
        "message_too_long": lambda p: _("That message is too long. Please keep it under 4,000 characters."),
        "feedback_exists": lambda p: _("You already rated this trade."),
        "comment_too_long": lambda p: _("Please keep the comment under 200 characters."),
        "block_self": lambda p: _("You cannot block yourself."),
    }
)


def _status(status: object) -> str:
    return status_name(str(status))
