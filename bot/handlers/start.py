"""First contact: /start (with deep links), the language choice, /help, /settings, the menu."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.keyboards.menu import LanguageCb, MenuCb, back_to_menu, language_picker, main_menu
from bot.keyboards.payment_accounts import with_settings
from bot.keyboards.security import settings_menu
from botkit.i18n import pick_language
from core import users
from core.accounts import referrals
from core.users import User

router = Router(name="start")
fallback = Router(name="fallback")


def welcome(me: User) -> dict[str, Any]:
    text = _(
        "Welcome to <b>KOXX P2P</b>, {name}!\n\n"
        "Buy and sell USDT and TRX with Iraqi dinars or US dollars, person to person. "
        "The seller's coins are held in escrow until the seller confirms the payment, "
        "so nobody can run away with your money.\n\n"
        "What would you like to do?"
    ).format(name=_html(me.first_name or me.display_name))
    return {"text": text, "reply_markup": main_menu()}


def help_text() -> str:
    return _(
        "<b>How KOXX P2P works</b>\n\n"
        "1. Pick an offer in /offers, or publish your own with /newoffer.\n"
        "2. When a trade opens, the seller's coins are locked in escrow.\n"
        "3. The buyer pays the seller directly (ZainCash, FastPay, Qi Card, bank transfer or cash) "
        'and presses "I have paid".\n'
        "4. The seller checks the money arrived and releases the coins to the buyer.\n\n"
        "If something goes wrong, open a dispute from the trade and a moderator will decide.\n\n"
        "/wallet: balances, deposits and withdrawals\n"
        "/proof: check that your coins are covered (proof of reserves)\n"
        "/mytrades: your trades\n"
        "/accounts: your payment accounts, where buyers pay you\n"
        "/nickname: the name other traders see\n"
        "/security: second factor and anti-phishing code\n"
        "/language: change the language"
    ) + "\n" + _("/export: a statement of your account (CSV and PDF)")


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _chosen_language(message: Message, me: User) -> str:
    return me.language or pick_language(message.from_user.language_code if message.from_user else None)


@router.message(CommandStart())
async def start(
    message: Message, command: CommandObject, me: User, session: AsyncSession, i18n: I18n
) -> None:
    code = referrals.parse_payload(command.args)
    if code is not None:
        await referrals.link_referral(session, me, code)  # only a new user, only once
    if me.language is None and not command.args:
        lang = _chosen_language(message, me)
        await message.answer(
            "اختر لغتك من فضلك\nPlease choose your language", reply_markup=language_picker(lang)
        )
        return
    if me.language is None:
        # Arriving through a deep link: do not stand in the way, take Telegram's language.
        me.language = _chosen_language(message, me)
        await users.set_language(session, me.id, me.language)
    with i18n.use_locale(me.language):
        await message.answer(**welcome(me))


@router.callback_query(LanguageCb.filter())
async def choose_language(
    query: CallbackQuery, callback_data: LanguageCb, me: User, session: AsyncSession, i18n: I18n
) -> None:
    if callback_data.code not in ("ar", "en"):
        await query.answer()
        return
    first_time = me.language is None
    await users.set_language(session, me.id, callback_data.code)
    me.language = callback_data.code
    with i18n.use_locale(callback_data.code):
        await query.answer(_("Language: English"))
        if first_time and isinstance(query.message, Message):
            await query.message.edit_text(**welcome(me))
        elif isinstance(query.message, Message):
            await query.message.edit_text(_("Language: English"), reply_markup=back_to_menu())


@router.message(Command("help"))
async def help_command(message: Message) -> None:
    await message.answer(help_text(), reply_markup=back_to_menu())


@router.message(Command("language", "settings"))
async def language_command(message: Message, me: User) -> None:
    await message.answer(_("Choose your language:"), reply_markup=settings_menu(me.language or "ar"))


@router.callback_query(MenuCb.filter(F.item == "home"))
async def menu_home(query: CallbackQuery, me: User) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(**welcome(me))


@router.callback_query(MenuCb.filter(F.item == "help"))
async def menu_help(query: CallbackQuery) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(help_text(), reply_markup=back_to_menu())


@router.callback_query(MenuCb.filter(F.item == "settings"))
async def menu_settings(query: CallbackQuery, me: User) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(
            _("Choose your language:"), reply_markup=with_settings(settings_menu(me.language or "ar"))
        )


@router.my_chat_member()
async def blocked_or_restarted(event: ChatMemberUpdated) -> None:
    """The user blocked the bot or let it back in: the unit of work recorded it in
    ``users.bot_blocked``. Handled, so that Telegram sends these updates at all."""


@fallback.callback_query()
async def unknown_button(query: CallbackQuery) -> None:
    """A stale, forged or not-yet-available button: say so, change nothing."""
    await query.answer(_("This button is no longer active."), show_alert=False)


@fallback.message(F.text.len() > 4000)
async def too_long(message: Message) -> None:
    await message.answer(_("That message is too long. Please keep it under 4,000 characters."))


@fallback.message()
async def unknown_message(message: Message) -> None:
    await message.answer(_("I did not understand that. Here is the menu:"), reply_markup=main_menu())
