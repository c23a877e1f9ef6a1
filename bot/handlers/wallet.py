"""/wallet: balances, deposits (the user's TRON address as a QR code), withdrawals and the
history.

A withdrawal is a short conversation: coin, address, amount, then a confirmation screen whose
button carries a one-time token kept in the user's FSM data. The token is also the
withdrawal's idempotency key in core, so a double press (even two at once) places one hold, and
a press after the conversation ended, or by anybody else, does nothing. Every rule (address
checks, minimum, limits, approval) is core.wallet's; this module asks and renders.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.handlers.security import proof
from bot.keyboards.menu import MenuCb
from bot.keyboards.wallet import (
    HistoryPageCb,
    WalletCb,
    back_to_wallet,
    choose_asset,
    history_nav,
    wallet_home,
    whitelist_cancel,
    withdraw_address_choices,
    withdraw_cancel,
    withdraw_confirm,
)
from bot.keyboards.wallet import whitelist as kb_whitelist
from bot.views import wallet as views
from botkit import fmt
from botkit.errors import register_error_texts
from botkit.i18n import lang
from botkit.numbers import AmountError, amount_error_text, parse_amount
from botkit.second_factor_texts import code_prompt
from core.accounts import second_factor
from core.config import Settings
from core.errors import DomainError, InsufficientFunds
from core.escrow import holds
from core.ledger import AccountRef, balance, statement, user_balances
from core.money import Asset, to_micro
from core.users import User
from core.wallet import (
    InvalidAddress,
    WalletConfig,
    add_to_whitelist,
    deposit_address,
    parse_destination,
    qr_png,
    quote,
    request_withdrawal,
    set_whitelist_only,
    transfers,
    whitelist,
    withdrawals,
)
from core.wallet import wallet_config as make_wallet_config
from core.wallet.whitelist import add_recipient

router = Router(name="wallet")
PAGE_SIZE = 8
MAX_PAGE = 500  # Previous counts pages from the newest: a forged page number stays bounded
MAX_AMOUNT = Decimal(10**9)  # no withdrawal is larger; bigger input is a typo
_CONFIGS: dict[int, tuple[Settings, WalletConfig]] = {}


class WithdrawForm(StatesGroup):
    address = State()  # data: asset
    amount = State()  # data: asset, address
    confirm = State()  # data: asset, address, amount, token
    code = State()  # the second factor's code (when on); data as confirm


class WhitelistForm(StatesGroup):
    address = State()
    code = State()  # the second factor's code for a new address (data: address) or recipient (recipient_id)
    off_code = State()  # the second factor's code for allowing any address


def wallet_config(settings: Settings) -> WalletConfig:
    """The wallet configuration of these settings, built once (deriving the dev xpub is slow)."""
    cached = _CONFIGS.get(id(settings))
    if cached is None or cached[0] is not settings:
        cached = (settings, make_wallet_config(settings))
        _CONFIGS[id(settings)] = cached
    return cached[1]


def _asset(value: str) -> Asset | None:
    return Asset(value) if value in {a.value for a in Asset} else None


async def _show(target: Message, text: str, markup: Any, *, edit: bool) -> None:
    """Edit the message the button was on (a photo cannot become text: send a new one then)."""
    if edit and target.photo is None:
        try:
            await target.edit_text(text, reply_markup=markup)
            return
        except TelegramBadRequest as exc:
            if "not modified" in exc.message:
                return
    await target.answer(text, reply_markup=markup)


async def _wallet_screen(target: Message, me: User, session: AsyncSession, *, edit: bool) -> None:
    text = views.balances(await user_balances(session, me.id), await holds.held_by_asset(session, me.id))
    await _show(target, text, wallet_home(), edit=edit)


async def _leave_forms(state: FSMContext) -> None:
    """Opening the wallet ends a withdrawal or address form left half-way (not other features' forms)."""
    if (await state.get_state() or "").startswith(("WithdrawForm", "WhitelistForm")):
        await state.clear()


@router.message(Command("wallet"))
async def wallet_command(message: Message, me: User, session: AsyncSession, state: FSMContext) -> None:
    await _leave_forms(state)
    await _wallet_screen(message, me, session, edit=False)


@router.callback_query(MenuCb.filter(F.item == "wallet"))
async def wallet_menu(query: CallbackQuery, me: User, session: AsyncSession, state: FSMContext) -> None:
    await _leave_forms(state)
    await query.answer()
    if isinstance(query.message, Message):
        await _wallet_screen(query.message, me, session, edit=True)


@router.callback_query(WalletCb.filter(F.action == "open"))
async def wallet_from_notice(
    query: CallbackQuery, me: User, session: AsyncSession, state: FSMContext
) -> None:
    """A notice's Wallet button: the notice stays as it is, the wallet comes as a new message."""
    await _leave_forms(state)
    await query.answer()
    if isinstance(query.message, Message):
        await _wallet_screen(query.message, me, session, edit=False)


@router.callback_query(WalletCb.filter(F.action == "home"))
async def wallet_home_pressed(
    query: CallbackQuery, me: User, session: AsyncSession, state: FSMContext
) -> None:
    await wallet_menu(query, me, session, state)


# --- deposit ----------------------------------------------------------------------------------------


@router.callback_query(WalletCb.filter(F.action == "deposit"))
async def deposit_pressed(query: CallbackQuery) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await _show(
            query.message, _("Which coin do you want to deposit?"), choose_asset("deposit_asset"), edit=True
        )


@router.callback_query(WalletCb.filter(F.action == "deposit_asset"))
async def deposit_asset_chosen(
    query: CallbackQuery, callback_data: WalletCb, me: User, session: AsyncSession, settings: Settings
) -> None:
    asset = _asset(callback_data.value)
    if asset is None or not isinstance(query.message, Message):
        await query.answer(_("This button is no longer active."))
        return
    config = wallet_config(settings)
    address = await deposit_address(session, me.id, xpub=config.xpub)
    await query.answer()
    await query.message.answer_photo(
        BufferedInputFile(qr_png(address), filename="deposit-address.png"),
        caption=views.deposit(address, asset, config),
        reply_markup=back_to_wallet(),
    )


# --- withdraw ---------------------------------------------------------------------------------------


@router.callback_query(WalletCb.filter(F.action == "withdraw"))
async def withdraw_pressed(query: CallbackQuery, me: User) -> None:
    if me.is_banned:
        raise DomainError("user_frozen")
    await query.answer()
    if isinstance(query.message, Message):
        await _show(
            query.message, _("Which coin do you want to withdraw?"), choose_asset("withdraw_asset"), edit=True
        )


@router.callback_query(WalletCb.filter(F.action == "withdraw_asset"))
async def withdraw_asset_chosen(
    query: CallbackQuery, callback_data: WalletCb, me: User, session: AsyncSession, state: FSMContext,
    settings: Settings,
) -> None:  # fmt: skip
    asset = _asset(callback_data.value)
    if asset is None or not isinstance(query.message, Message):
        await query.answer(_("This button is no longer active."))
        return
    config = wallet_config(settings)
    start = await withdrawals.start(session, config, user_id=me.id, asset=asset)
    saved = await whitelist.usable_addresses(session, me.id) if start.possible else []
    await query.answer()
    if not start.possible:
        text = _(
            "You have {available} available. The smallest withdrawal is {minimum} plus the network fee of {fee}. "
            "Deposit first, or wait until your trades complete."
        ).format(
            available=views.amount(start.available, asset),
            minimum=views.amount(start.minimum, asset),
            fee=views.amount(start.fee, asset),
        )
        await _show(query.message, text, back_to_wallet(), edit=True)
        return
    await state.set_state(WithdrawForm.address)
    await state.set_data({"asset": asset.value})
    markup = withdraw_address_choices(saved)
    await _show(query.message, views.withdraw_address_prompt(asset, start.available, config), markup, edit=True)


async def _take_address(
    target: Message, text: str | None, me: User, session: AsyncSession, state: FSMContext, settings: Settings
) -> None:
    config = wallet_config(settings)
    asset = Asset((await state.get_data())["asset"])
    # The destination checks (format, checksum, own address, contract, whitelist) and the
    # allowance left today, for the smallest amount: the real amount is checked next step.
    q = await quote(
        session, config, user_id=me.id, address=text, asset=asset, amount=config.min_withdrawal[asset]
    )
    available = await balance(session, AccountRef.user(me.id), asset)
    await state.update_data(address=q.to_address)
    await state.set_state(WithdrawForm.amount)
    await target.answer(views.withdraw_amount_prompt(q, available), reply_markup=withdraw_cancel())


@router.message(WithdrawForm.address, F.text, ~F.text.startswith("/"))
async def address_given(
    message: Message, me: User, session: AsyncSession, state: FSMContext, settings: Settings
) -> None:
    try:
        await _take_address(message, message.text, me, session, state, settings)
    except InvalidAddress as err:
        if err.code == "address_private_key":
            await _delete_quietly(message)  # a secret must not stay in the chat history
        raise


@router.callback_query(WithdrawForm.address, WalletCb.filter(F.action == "pick"))
async def address_picked(
    query: CallbackQuery, callback_data: WalletCb, me: User, session: AsyncSession, state: FSMContext,
    settings: Settings,
) -> None:  # fmt: skip
    """A saved address pressed: checked exactly like a typed one (a refusal answers the press)."""
    if not isinstance(query.message, Message):
        await query.answer()
        return
    await _take_address(query.message, callback_data.value, me, session, state, settings)
    await query.answer()


@router.message(WithdrawForm.address, ~F.text)
async def address_not_text(message: Message) -> None:
    raise InvalidAddress("address_empty")


async def _delete_quietly(message: Message) -> None:
    try:
        await message.delete()
    except TelegramBadRequest:
        pass


@router.message(WithdrawForm.amount, F.text, ~F.text.startswith("/"))
async def amount_given(
    message: Message, me: User, session: AsyncSession, state: FSMContext, settings: Settings
) -> None:
    config = wallet_config(settings)
    data = await state.get_data()
    asset = Asset(data["asset"])
    try:
        value = to_micro(parse_amount(message.text, decimals=asset.decimals, maximum=MAX_AMOUNT))
    except AmountError as err:
        text = amount_error_text(err, show=lambda v: views.amount(to_micro(v), asset))
        await message.answer(text, reply_markup=withdraw_cancel())
        return
    try:
        q = await quote(session, config, user_id=me.id, address=data["address"], asset=asset, amount=value)
    except InsufficientFunds as err:
        fee = config.withdrawal_fee[asset]
        have = int(err.params.get("available", 0))
        await message.answer(
            _("You have {available} available: with the network fee of {fee} you can withdraw at most {most}. "
              "Please send a smaller amount.").format(
                available=views.amount(have, asset), fee=views.amount(fee, asset),
                most=views.amount(withdrawals.most_withdrawable(config, asset, have), asset)),
            reply_markup=withdraw_cancel(),
        )  # fmt: skip
        return
    except DomainError as err:
        if err.code != "amount_too_small":  # the marketplace registers its own text for this code
            raise
        minimum = views.amount(int(err.params["minimum"]), asset)
        await message.answer(
            _("The smallest withdrawal is {minimum}.").format(minimum=minimum), reply_markup=withdraw_cancel()
        )
        return
    token = secrets.token_urlsafe(12)
    await state.update_data(amount=q.amount, token=token)
    await state.set_state(WithdrawForm.confirm)
    await message.answer(views.quote(q), reply_markup=withdraw_confirm(token))


@router.callback_query(WalletCb.filter(F.action == "confirm"))
async def confirmed(
    query: CallbackQuery, callback_data: WalletCb, me: User, session: AsyncSession, state: FSMContext,
    settings: Settings,
) -> None:  # fmt: skip
    data = await state.get_data()
    if await state.get_state() != WithdrawForm.confirm.state or data.get("token") != callback_data.value:
        await query.answer(_("This button is no longer active."))
        return
    if await second_factor.is_on(session, me.id):  # the code is checked by core with the request
        await state.set_state(WithdrawForm.code)
        await query.answer()
        if isinstance(query.message, Message):
            await _show(query.message, code_prompt(), withdraw_cancel(), edit=True)
        return
    withdrawal = await request_withdrawal(
        session, wallet_config(settings), user_id=me.id, address=data["address"], asset=Asset(data["asset"]),
        amount=int(data["amount"]), client_key=f"tg:{callback_data.value}",
    )  # fmt: skip
    await state.clear()
    await query.answer()
    if isinstance(query.message, Message):
        text = views.requested(withdrawal.id, withdrawal.asset, withdrawal.amount, withdrawal.to_address,
                               withdrawal.approvals_needed)  # fmt: skip
        await _show(query.message, text, back_to_wallet(), edit=True)


@router.message(WithdrawForm.code, F.text, ~F.text.startswith("/"))
async def withdraw_code(
    message: Message, me: User, session: AsyncSession, state: FSMContext, settings: Settings
) -> None:
    data = await state.get_data()
    withdrawal = await request_withdrawal(
        session, wallet_config(settings), user_id=me.id, address=data["address"], asset=Asset(data["asset"]),
        amount=int(data["amount"]), client_key=f"tg:{data['token']}", proof=proof(message.text, settings),
    )  # fmt: skip
    await state.clear()
    text = views.requested(withdrawal.id, withdrawal.asset, withdrawal.amount, withdrawal.to_address,
                           withdrawal.approvals_needed)  # fmt: skip
    await message.answer(text, reply_markup=back_to_wallet())


@router.callback_query(WalletCb.filter(F.action == "cancel"))
async def cancelled(query: CallbackQuery, state: FSMContext) -> None:
    await _leave_forms(state)
    await query.answer()
    if isinstance(query.message, Message):
        await _show(query.message, _("Withdrawal cancelled. Nothing was sent."), back_to_wallet(), edit=True)


# --- saved addresses (whitelist) ---------------------------------------------------------------


async def _whitelist_screen(target: Message, me: User, session: AsyncSession, config: WalletConfig,
                            *, edit: bool) -> None:  # fmt: skip
    saved = await whitelist.overview(session, me.id)
    text = views.whitelist(saved.only, saved.off_at, saved.addresses, datetime.now(UTC), config.whitelist_cooling,
                           saved.recipients)  # fmt: skip
    await _show(target, text, kb_whitelist(saved.only), edit=edit)


@router.callback_query(WalletCb.filter(F.action == "whitelist"))
async def whitelist_pressed(
    query: CallbackQuery, me: User, session: AsyncSession, state: FSMContext, settings: Settings
) -> None:
    if (await state.get_state() or "").startswith("WhitelistForm"):
        await state.clear()
    await query.answer()
    if isinstance(query.message, Message):
        await _whitelist_screen(query.message, me, session, wallet_config(settings), edit=True)


@router.callback_query(WalletCb.filter(F.action == "wl_add"))
async def whitelist_add_pressed(query: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(WhitelistForm.address)
    await query.answer()
    if isinstance(query.message, Message):
        await _show(query.message, _("Send the TRON address to save (34 characters starting with T), or the "
                                     "@username or Telegram ID of a user you send internal transfers to."),
                    whitelist_cancel(), edit=True)  # fmt: skip


@router.message(WhitelistForm.address, F.text, ~F.text.startswith("/"))
async def whitelist_address_given(
    message: Message, me: User, session: AsyncSession, state: FSMContext, settings: Settings
) -> None:
    config = wallet_config(settings)
    text = (message.text or "").strip()
    factor_on = await second_factor.is_on(session, me.id)
    if text.startswith("@") or (text.isdigit() and len(text) <= 20):  # a user (a TRON address is neither)
        recipient = await transfers.find_recipient(session, text)
        if factor_on:  # checked first, then the code (core checks it when saving)
            await state.update_data(recipient_id=recipient.id, address=None)
            await state.set_state(WhitelistForm.code)
            await message.answer(code_prompt(), reply_markup=whitelist_cancel())
            return
        await _save(message, me, session, state, config, None, recipient.id, None)
        return
    try:
        address = parse_destination(text)
    except InvalidAddress as err:
        if err.code == "address_private_key":
            await _delete_quietly(message)
        raise
    if factor_on:
        await state.update_data(address=address, recipient_id=None)
        await state.set_state(WhitelistForm.code)
        await message.answer(code_prompt(), reply_markup=whitelist_cancel())
        return
    await _save(message, me, session, state, config, address, None, None)


async def _save(message: Message, me: User, session: AsyncSession, state: FSMContext, config: WalletConfig,
                address: str | None, recipient_id: int | None, code: second_factor.Proof | None) -> None:  # fmt: skip
    if recipient_id is not None:
        saved = await add_recipient(session, config, me.id, recipient_id, proof=code)
        recipient = await session.get(User, recipient_id)
        await state.clear()
        await message.answer(views.recipient_added(recipient.display_name if recipient else "", saved.usable_after))
    else:
        entry = await add_to_whitelist(session, config, me.id, address or "", proof=code)
        await state.clear()
        await message.answer(views.whitelist_added(entry.address, entry.usable_after))
    await _whitelist_screen(message, me, session, config, edit=False)


@router.message(WhitelistForm.code, F.text, ~F.text.startswith("/"))
async def whitelist_code(
    message: Message, me: User, session: AsyncSession, state: FSMContext, settings: Settings
) -> None:
    data = await state.get_data()
    recipient_id = int(data["recipient_id"]) if data.get("recipient_id") else None
    await _save(message, me, session, state, wallet_config(settings), data.get("address"), recipient_id,
                proof(message.text, settings))  # fmt: skip


@router.callback_query(WalletCb.filter(F.action.in_({"wl_on", "wl_off"})))
async def whitelist_switched(
    query: CallbackQuery, callback_data: WalletCb, me: User, session: AsyncSession, settings: Settings,
    state: FSMContext,
) -> None:
    config = wallet_config(settings)
    turning_off = callback_data.action == "wl_off"
    if turning_off and await second_factor.is_on(session, me.id) and (await whitelist.overview(session, me.id)).only:
        await state.set_state(WhitelistForm.off_code)
        await query.answer()
        if isinstance(query.message, Message):
            await _show(query.message, code_prompt(), whitelist_cancel(), edit=True)
        return
    await set_whitelist_only(session, config, me.id, not turning_off)
    await query.answer()
    if isinstance(query.message, Message):
        await _whitelist_screen(query.message, me, session, config, edit=True)


@router.message(WhitelistForm.off_code, F.text, ~F.text.startswith("/"))
async def whitelist_off_code(
    message: Message, me: User, session: AsyncSession, state: FSMContext, settings: Settings
) -> None:
    config = wallet_config(settings)
    await set_whitelist_only(session, config, me.id, False, proof=proof(message.text, settings))
    await state.clear()
    await _whitelist_screen(message, me, session, config, edit=False)


# --- history ----------------------------------------------------------------------------------------


@router.callback_query(HistoryPageCb.filter())
async def history_page(
    query: CallbackQuery, callback_data: HistoryPageCb, me: User, session: AsyncSession
) -> None:
    page = min(max(callback_data.page, 0), MAX_PAGE)
    if callback_data.before == -1:
        # Going back: count pages from the newest (one query for the pages up to this one).
        rows = await statement(session, me.id, limit=(page + 1) * PAGE_SIZE + 1)
        lines, more = rows[page * PAGE_SIZE : (page + 1) * PAGE_SIZE], len(rows) > (page + 1) * PAGE_SIZE
    else:
        before = callback_data.before if callback_data.before > 0 else None
        rows = await statement(session, me.id, limit=PAGE_SIZE + 1, before_entry_id=before)
        lines, more = rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
        if before is None:
            page = 0
    await query.answer()
    if isinstance(query.message, Message):
        last = lines[-1].entry_id if lines else None
        await _show(query.message, views.history(lines, page), history_nav(page, last, more), edit=True)


# --- error texts ----------------------------------------------------------------------------------


def _daily_limit(p: Mapping[str, Any]) -> str:
    asset = str(p.get("asset", "USDT"))
    text = _("That is above your daily withdrawal limit of {limit}: you can withdraw {left} more in the next "
             "24 hours.").format(limit=views.amount(int(p["limit"]), asset),
                                 left=views.amount(int(p["left"]), asset))  # fmt: skip
    return (
        text + "\n" + _("The limit grows with your verification level: see /limits, raise it with /verify.")
    )


register_error_texts(
    {
        "address_empty": lambda p: _(
            "Please send the TRON address as text: 34 characters starting with T. "
            "Copy it from your wallet's «Receive» screen."
        ),
        "address_private_key": lambda p: _(
            "🚨 That looks like a PRIVATE KEY, not an address. Never share it with anyone: whoever has it "
            "can take your coins. I deleted the message and did not store it. Move your funds to a new "
            "wallet now to be safe, then send the address (starting with T) you want to withdraw to."
        ),
        "address_ethereum": lambda p: _(
            "That is an Ethereum-style address (0x…). Withdrawals go over the TRON network only: "
            "please send a TRON address, 34 characters starting with T."
        ),
        "address_checksum": lambda p: _(
            "That address has a typo: its check digits do not match. Please copy it again from your "
            "wallet (34 characters starting with T)."
        ),
        "address_format": lambda p: _(
            "That is not a TRON address. A TRON address has 34 characters and starts with T. "
            "Copy it from your wallet's «Receive» screen."
        ),
        "address_own": lambda p: _(
            "That is a KOXX P2P deposit address. To send coins to another user use /transfer "
            "(instant and free); to withdraw, send the address of your own wallet."
        ),
        "address_contract": lambda p: _(
            "That is the USDT token contract, not a wallet: coins sent there are lost. "
            "Please send your wallet's address."
        ),
        "daily_limit_exceeded": _daily_limit,
        "address_not_whitelisted": lambda p: _(
            "You allow withdrawals only to your saved addresses, and this address is not one of them."
        ),
        "address_cooling_off": lambda p: _(
            "This saved address can be used from {time}: a new address waits before its first use, for your safety."
        ).format(time=fmt.datetime(datetime.fromisoformat(str(p["usable_after"])), lang())),
        "user_frozen": lambda p: _("Your account is frozen, so you cannot withdraw. Please contact support."),
    }
)
