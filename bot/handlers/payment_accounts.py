"""Payment accounts and nicknames: /accounts (list, add one per method, remove), /nickname
(choose or change the public name), and the trade's accounts: the buyer picks which seller's
account they pay to, and says "I have paid" from one of their saved accounts in one tap.

The trade card's details (time left, where to pay, names) are read here for the trades router
(``trade_details``): views do not read the database."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.keyboards import payment_accounts as kb
from bot.keyboards.offers import BrowseCb
from bot.views import trades as trade_views
from bot.views.common import method_name
from bot.views.trade_details import TradeDetails, account_short, dispute_from, with_details
from botkit import fmt
from botkit.errors import register_error_texts
from botkit.i18n import lang
from core import escrow
from core.accounts import names, payment_accounts
from core.accounts.models import PaymentAccount
from core.escrow import Offer, Receipt, Side, Trade
from core.escrow.browse import cash_cities
from core.escrow.trades import seller_account_options
from core.money import Asset, Fiat
from core.users import User

router = Router(name="payment_accounts")


class AccountForm(StatesGroup):
    number = State()  # data: method
    holder = State()  # data: method, number, city


class NickForm(StatesGroup):
    name = State()


# --- the trade's accounts ---------------------------------------------------------------------------


async def trade_details(session: AsyncSession, trade: Trade, me: User) -> TradeDetails:
    """What ``me``'s card of ``trade`` shows besides the trade's own facts."""
    paid_to, paid_from = await escrow.trade_accounts(session, trade)
    rules = await escrow.rules(session)
    return TradeDetails(
        viewer_id=me.id,
        seller=await session.get(User, trade.seller_id),
        buyer=await session.get(User, trade.buyer_id),
        paid_to=paid_to if me.id == trade.buyer_id else None,  # the number: the buyer's card only
        paid_from=paid_from,
        pay_to_options=tuple(await seller_account_options(session, trade)) if me.id == trade.buyer_id else (),
        dispute_from=dispute_from(trade, rules.dispute_after),
    )


async def card(session: AsyncSession, trade: Trade, me: User, *, headline: str | None = None,
               rated: bool = False) -> dict[str, Any]:  # fmt: skip
    """The trade card with its details, for ``me``."""
    view = trade_views.trade_card(trade, me.id, headline=headline, rated=rated)
    return with_details(view, trade, await trade_details(session, trade, me))


async def payer_accounts(session: AsyncSession, trade: Trade, me: User) -> list[PaymentAccount]:
    """The buyer's saved accounts to pay from, those of the trade's method first."""
    saved = await payment_accounts.accounts_of(session, me.id)
    return sorted(saved, key=lambda a: a.method != trade.payment_method)


def _edit(query: CallbackQuery, view: dict[str, Any]) -> Any:
    if not isinstance(query.message, Message):
        return None
    if query.message.photo:
        return query.message.answer(**view)
    return query.message.edit_text(**view)


@router.callback_query(kb.PayToCb.filter())
async def pay_to_chosen(query: CallbackQuery, callback_data: kb.PayToCb, session: AsyncSession, me: User) -> Any:
    trade = await escrow.choose_seller_account(session, trade_id=callback_data.trade_id, actor_id=me.id,
                                               account_id=callback_data.account_id)
    await query.answer()
    return _edit(query, await card(session, trade, me))


@router.callback_query(kb.PaidFromCb.filter())
async def paid_from_chosen(query: CallbackQuery, callback_data: kb.PaidFromCb, state: FSMContext,
                           session: AsyncSession, me: User) -> Any:  # fmt: skip
    data = await state.get_data()
    receipt = None
    if data.get("trade_id") == callback_data.trade_id and data.get("file_id"):
        receipt = Receipt(file_id=data["file_id"], file_unique_id=data["file_unique_id"])
    trade = await escrow.mark_paid(session, trade_id=callback_data.trade_id, actor_id=me.id, receipt=receipt,
                                   paid_from=callback_data.account_id)
    await state.set_state(None)
    await state.set_data({"chat_trade_id": trade.id})
    await query.answer(_("The seller has been told."))
    return _edit(query, await card(session, trade, me, headline=_("✅ Marked as paid.")))


async def city_buttons(session: AsyncSession, current: BrowseCb, view: dict[str, Any]) -> dict[str, Any]:
    """The market filtered by cash: one button per city with cash offers (and the chosen one
    named above the list)."""
    if current.method != "cash":
        return view
    markup = view.get("reply_markup")
    rows = markup.inline_keyboard if markup else []
    if current.city:
        text = _("📍 Cash in {city}").format(city=fmt.isolate(fmt.escape(current.city))) + "\n" + view["text"]
        return {**view, "text": text}
    cities = await cash_cities(session, side=Side(current.side), asset=Asset(current.asset),
                                      fiat=Fiat(current.fiat))  # fmt: skip
    buttons = []
    for city in cities:
        try:  # Telegram carries 64 bytes of button data: a long name is left out
            data = current.model_copy(update={"city": city, "page": 0}).pack()
        except ValueError:
            continue
        if len(city) <= 24:
            buttons.append(InlineKeyboardButton(text=f"📍 {city}", callback_data=data))
    if not buttons:
        return view
    return {**view, "reply_markup": InlineKeyboardMarkup(inline_keyboard=[*[buttons[i:i + 3] for i in
                                                                            range(0, len(buttons), 3)], *rows])}


def accounts_note(offer: Offer) -> str:
    """Under a published sell offer without accounts: where to add them (the buyer is not told
    where to pay until then)."""
    if offer.side != Side.SELL or offer.payment_account_ids:
        return ""
    return "\n" + _("💳 Add your payment accounts with /accounts: the buyer of each trade is then shown where to "
                    "pay.")


# --- /accounts ------------------------------------------------------------------------------------------


def account_line(account: PaymentAccount) -> str:
    parts = [f"<b>{method_name(account.method)}</b>"]
    if account.number:
        parts.append(f"<code>{fmt.escape(account.number)}</code>")
    if account.city:
        parts.append(fmt.isolate(fmt.escape(account.city)))
    parts.append(fmt.isolate(fmt.escape(account.holder_name)))
    return " · ".join(parts)


async def accounts_view(session: AsyncSession, me: User, *, headline: str | None = None) -> dict[str, Any]:
    saved = await payment_accounts.accounts_of(session, me.id)
    lines = [headline, ""] if headline else []
    lines.append(_("<b>Your payment accounts</b>"))
    if saved:
        lines += [account_line(a) for a in saved]
    else:
        lines.append(_("None yet. Add the accounts you receive and send money with: buyers of your offers see "
                       "the account of their trade (and nobody else), and you pay from them in one tap."))
    items = [(a.id, account_short(a)) for a in saved]
    return {"text": "\n".join(lines), "reply_markup": kb.accounts_list(items)}


@router.message(Command("accounts"))
async def accounts_command(message: Message, state: FSMContext, session: AsyncSession, me: User) -> None:
    await state.clear()
    await message.answer(**await accounts_view(session, me))


@router.callback_query(kb.AccountCb.filter(F.action == "list"))
async def accounts_list(query: CallbackQuery, state: FSMContext, session: AsyncSession, me: User) -> Any:
    await state.clear()
    await query.answer()
    return _edit(query, await accounts_view(session, me))


@router.callback_query(kb.AccountCb.filter(F.action == "add"))
async def add_choose_method(query: CallbackQuery) -> Any:
    await query.answer()
    return _edit(query, {"text": _("Which kind of account?"), "reply_markup": kb.methods()})


def _number_prompt(method: str) -> str:
    if method == "bank":
        return _("Type the IBAN (for example IQ98 NBIQ 8501 2345 6789 012).")
    if method == "cash":
        return _("In which city do you hand over or receive cash?")
    if method == "qicard":
        return _("Type the Qi Card number (16 digits) or the mobile number linked to it.")
    return _("Type the {method} mobile number (for example 0770 123 4567).").format(method=method_name(method))


@router.callback_query(kb.AccountCb.filter(F.action == "method"))
async def add_method_chosen(query: CallbackQuery, callback_data: kb.AccountCb, state: FSMContext) -> Any:
    if callback_data.method not in payment_accounts.PAYMENT_METHODS:
        return await query.answer()
    await state.set_state(AccountForm.number)
    await state.set_data({"method": callback_data.method})
    await query.answer()
    return _edit(query, {"text": _number_prompt(callback_data.method), "reply_markup": kb.back_to_list()})


@router.message(AccountForm.number, F.text)
async def add_number_typed(message: Message, state: FSMContext, me: User) -> Any:
    method = str((await state.get_data())["method"])
    text = message.text or ""
    if method == "cash":
        await state.update_data(number="", city=text)
    else:
        payment_accounts.canonical_number(method, text)  # a refusal is answered, nothing is kept
        await state.update_data(number=text, city=None)
    await state.set_state(AccountForm.holder)
    suggestion = me.verified_name
    prompt = _("Type the account holder's full name, as the bank or wallet shows it.")
    return message.answer(prompt, reply_markup=kb.holder_prompt(suggestion))


async def _save(session: AsyncSession, state: FSMContext, me: User, holder: str) -> dict[str, Any]:
    data = await state.get_data()
    account = await payment_accounts.add_account(session, user_id=me.id, method=str(data["method"]),
                                                 number=str(data.get("number") or ""), holder_name=holder,
                                                 city=data.get("city"))  # fmt: skip
    await escrow.accept_account(session, maker_id=me.id, account=account)  # the open sell offers of its method
    await state.clear()
    return await accounts_view(session, me, headline=_("✅ Saved: {account}").format(account=account_short(account)))


@router.message(AccountForm.holder, F.text)
async def add_holder_typed(message: Message, state: FSMContext, session: AsyncSession, me: User) -> Any:
    return message.answer(**await _save(session, state, me, message.text or ""))


@router.callback_query(kb.AccountCb.filter(F.action == "holder"), AccountForm.holder)
async def add_holder_pressed(query: CallbackQuery, state: FSMContext, session: AsyncSession, me: User) -> Any:
    view = await _save(session, state, me, me.verified_name or "")
    await query.answer()
    return _edit(query, view)


@router.callback_query(kb.AccountCb.filter(F.action == "remove"))
async def remove_ask(query: CallbackQuery, callback_data: kb.AccountCb, session: AsyncSession, me: User) -> Any:
    account = await payment_accounts.own_account(session, user_id=me.id, account_id=callback_data.account_id)
    await query.answer()
    return _edit(query, {"text": _("Remove {account}? Offers stop offering it; trades that used it keep it.")
                         .format(account=account_line(account)), "reply_markup": kb.remove_confirm(account.id)})


@router.callback_query(kb.AccountCb.filter(F.action == "remove_yes"))
async def remove_confirmed(query: CallbackQuery, callback_data: kb.AccountCb, session: AsyncSession,
                           me: User) -> Any:  # fmt: skip
    await payment_accounts.remove_account(session, user_id=me.id, account_id=callback_data.account_id)
    await query.answer(_("Removed"))
    return _edit(query, await accounts_view(session, me))


# --- /nickname -----------------------------------------------------------------------------------------


async def nickname_view(session: AsyncSession, state: FSMContext, me: User) -> dict[str, Any]:
    await state.set_state(NickForm.name)
    if me.nickname:
        text = _("Your nickname is {nickname}. Type a new one to change it (you can change it once every 30 days).")\
            .format(nickname=fmt.isolate(fmt.escape(me.nickname)))
        return {"text": text, "reply_markup": kb.nickname_prompt(None)}
    suggestion = await names.suggest_nickname(session, me)
    text = _("Choose your public nickname: other traders and moderators see it on your offers and trades. "
             "Type one ({min} to {max} letters or digits), or use the suggestion.").format(
        min=fmt.number(names.NICK_MIN, lang()), max=fmt.number(names.NICK_MAX, lang()))
    return {"text": text, "reply_markup": kb.nickname_prompt(suggestion)}


@router.message(Command("nickname"))
async def nickname_command(message: Message, state: FSMContext, session: AsyncSession, me: User) -> None:
    await message.answer(**await nickname_view(session, state, me))


@router.callback_query(kb.NickCb.filter(F.action == "change"))
async def nickname_change(query: CallbackQuery, state: FSMContext, session: AsyncSession, me: User) -> Any:
    await query.answer()
    return _edit(query, await nickname_view(session, state, me))


async def _set(session: AsyncSession, state: FSMContext, me: User, nickname: str) -> str:
    user = await names.set_nickname(session, user_id=me.id, nickname=nickname)
    await state.clear()
    return _("✅ Your nickname is now {nickname}.").format(nickname=fmt.isolate(fmt.escape(user.nickname or "")))


@router.message(NickForm.name, F.text)
async def nickname_typed(message: Message, state: FSMContext, session: AsyncSession, me: User) -> Any:
    return message.answer(await _set(session, state, me, message.text or ""))


@router.callback_query(kb.NickCb.filter(F.action == "use"))
async def nickname_suggested(query: CallbackQuery, callback_data: kb.NickCb, state: FSMContext,
                             session: AsyncSession, me: User) -> Any:  # fmt: skip
    text = await _set(session, state, me, callback_data.nickname)
    await query.answer()
    return _edit(query, {"text": text})


def _until(p: Mapping[str, Any]) -> str:
    return fmt.datetime(datetime.fromisoformat(str(p["until"])), lang())


register_error_texts(
    {
        "account_number_invalid": lambda p: _("That number does not look right for {method}. Please check it and "
                                              "type it again.").format(method=method_name(str(p.get("method")))),
        "holder_name_invalid": lambda p: _("Please type the holder's full name in letters (3 to 64 characters)."),
        "city_invalid": lambda p: _("Please type the city's name in letters."),
        "too_many_accounts": lambda p: _("You can save up to 10 accounts. Remove one first."),
        "account_not_found": lambda p: _("That account is not one of yours (or it was removed)."),
        "account_method_mismatch": lambda p: _("That account's method is not one of the offer's payment methods."),
        "number_in_public_text": lambda p: _("Phone and account numbers cannot be in an offer's public text. Save "
                                             "them once in /accounts: the buyer of a trade sees the account then."),
        "nickname_invalid": lambda p: _("A nickname is 3 to 20 letters, digits, _ or . without spaces."),
        "nickname_taken": lambda p: _("That nickname is taken. Please choose another."),
        "nickname_too_soon": lambda p: _("You can change your nickname again from {when}.").format(when=_until(p)),
    }
)
