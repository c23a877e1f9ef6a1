"""/premium: what membership gives, its state, buying or renewing it (confirmation with a
one-time token kept in the user's FSM data), and promoting the member's open offers."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.keyboards.accounts import PremiumCb, PromoteCb, premium_confirm, premium_offer, promote_buttons
from bot.keyboards.menu import back_to_menu
from botkit import fmt
from botkit.i18n import lang
from core.accounts.config import get_accounts_settings
from core.errors import InsufficientFunds
from core.escrow import my_offers, premium
from core.escrow.models import Offer
from core.ledger import AccountRef, balance
from core.users import User

router = Router(name="premium")
TOKEN_KEY = "premium_token"


def badge(user: User, now: datetime | None = None) -> str:
    """The premium badge to put next to a name (offers, profiles): "⭐" or nothing."""
    return "⭐" if premium.is_premium(user, now) else ""


def _days() -> str:
    return fmt.duration(get_accounts_settings().premium_days * 24 * 60, lang())


def _price() -> str:
    return fmt.crypto(get_accounts_settings().premium_price, premium.PRICE_ASSET, lang())


def _offer_label(offer: Offer) -> str:
    side = _("sell") if offer.side == "sell" else _("buy")
    return f"#{offer.id} {side} {offer.asset}"


async def _promotable(session: AsyncSession, me: User) -> list[tuple[int, str, bool]]:
    return [(o.id, _offer_label(o), o.is_promoted) for o in await my_offers(session, me.id)]


async def premium_view(session: AsyncSession, me: User) -> tuple[str, InlineKeyboardMarkup]:
    settings = get_accounts_settings()
    now = datetime.now(UTC)
    if premium.is_premium(me, now) and me.premium_until is not None:
        status = _("⭐ You are a premium member until {date}.").format(date=fmt.datetime(me.premium_until, lang()))
    else:
        status = _("You are not a premium member.")
    text = "\n".join([
        _("<b>Premium membership</b>"),
        "",
        status,
        "",
        _("For {days}, premium gives you:").format(days=_days()),
        _("• trading fees {discount} lower").format(discount=fmt.percent(settings.premium_fee_discount_pct, lang())),
        _("• a ⭐ badge on your offers and your profile"),
        _("• up to {offers}, listed first among offers with the same price").format(
            offers=fmt.promoted_offers(settings.premium_promoted_offers, lang())
        ),
        "",
        _("Price: {price}, paid from your available USDT. Renewing adds {days} to the end date.").format(
            price=_price(), days=_days()
        ),
    ])
    keyboard = premium_offer(_price(), _days())
    if premium.is_premium(me, now):
        offers = await _promotable(session, me)
        if offers:
            extra = promote_buttons(offers)
            keyboard = InlineKeyboardMarkup(inline_keyboard=keyboard.inline_keyboard + extra.inline_keyboard)
    return text, keyboard


@router.message(Command("premium"))
async def premium_command(message: Message, me: User, session: AsyncSession) -> None:
    text, keyboard = await premium_view(session, me)
    await message.answer(text, reply_markup=keyboard)


@router.callback_query(PremiumCb.filter(F.action == "buy"))
async def buy_pressed(query: CallbackQuery, me: User, session: AsyncSession, state: FSMContext) -> None:
    token = secrets.token_urlsafe(12)
    await state.update_data({TOKEN_KEY: token})
    available = await balance(session, AccountRef.user(me.id), premium.PRICE_ASSET)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(
            _("Pay {price} from your available balance ({available}) for {days} of premium membership?").format(
                price=_price(), available=fmt.crypto(available, premium.PRICE_ASSET, lang()), days=_days()
            ),
            reply_markup=premium_confirm(token),
        )


@router.callback_query(PremiumCb.filter(F.action == "confirm"))
async def buy_confirmed(
    query: CallbackQuery, callback_data: PremiumCb, me: User, session: AsyncSession, state: FSMContext
) -> None:
    if (await state.get_data()).get(TOKEN_KEY) != callback_data.token or not callback_data.token:
        await query.answer(_("This button is no longer active."))
        return
    try:
        purchase = await premium.buy(session, user_id=me.id, token=callback_data.token)
    except InsufficientFunds as exc:
        await query.answer(
            _("Your available USDT is not enough: premium costs {price} and you have {available}. "
              "Deposit USDT with /wallet, then try again.").format(
                price=_price(), available=fmt.crypto(int(exc.params.get("available", 0)), "USDT", lang())
            ),
            show_alert=True,
        )
        return
    await state.update_data({TOKEN_KEY: None})
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(
            _("⭐ Welcome to premium! Your membership runs until {date}.").format(
                date=fmt.datetime(purchase.until, lang())
            )
        )


@router.callback_query(PremiumCb.filter(F.action == "cancel"))
async def buy_cancelled(query: CallbackQuery, state: FSMContext) -> None:
    await state.update_data({TOKEN_KEY: None})
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(_("Nothing was charged."), reply_markup=back_to_menu())


@router.callback_query(PromoteCb.filter())
async def promote_pressed(query: CallbackQuery, callback_data: PromoteCb, me: User, session: AsyncSession) -> None:
    offer = await premium.set_promoted(session, user_id=me.id, offer_id=callback_data.offer_id,
                                       promoted=callback_data.on)
    await query.answer(_("Offer promoted.") if offer.is_promoted else _("Offer no longer promoted."))
    if isinstance(query.message, Message):
        text, keyboard = await premium_view(session, me)
        await query.message.edit_text(text, reply_markup=keyboard)
