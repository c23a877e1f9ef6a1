"""/transfer: send USDT or TRX to another user, instantly and free, off-chain. Recipient, coin,
amount, optional note, then a confirmation screen whose button carries a one-time token kept in
the user's FSM data: pressed twice, the coins move once; pressed after the flow ended, nothing."""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.handlers.security import proof
from bot.keyboards.accounts import (
    TransferCb,
    transfer_assets,
    transfer_cancel,
    transfer_confirm,
    transfer_note,
)
from bot.keyboards.menu import back_to_menu
from botkit import fmt
from botkit.errors import register_error_texts
from botkit.i18n import lang
from botkit.numbers import AmountError, amount_error_text, parse_amount
from botkit.second_factor_texts import code_prompt
from core.accounts import second_factor
from core.config import Settings
from core.errors import DomainError
from core.ledger import AccountRef, balance
from core.money import Asset, to_micro
from core.users import User
from core.wallet import transfers

router = Router(name="transfers")


class TransferForm(StatesGroup):
    recipient = State()
    asset = State()
    amount = State()
    note = State()
    confirm = State()
    code = State()  # the second factor's code (when on)


def _name(data: dict[str, Any]) -> str:
    return fmt.isolate(fmt.escape(str(data["recipient_name"])))


@router.message(Command("transfer"))
async def transfer_command(
    message: Message, command: CommandObject, me: User, session: AsyncSession, state: FSMContext
) -> None:
    await state.clear()
    if me.is_banned:
        raise DomainError("account_frozen")
    await state.set_state(TransferForm.recipient)
    if command.args:
        await _take_recipient(message, command.args, me, session, state)
        return
    await message.answer(
        _(
            "<b>Internal transfer</b>\n\n"
            "Send USDT or TRX to another KOXX P2P user, instantly and free of charge.\n\n"
            "Who is it for? Send their @username or their Telegram ID."
        ),
        reply_markup=transfer_cancel(),
    )


async def _take_recipient(message: Message, text: str, me: User, session: AsyncSession, state: FSMContext) -> None:
    recipient = await transfers.choose_recipient(session, me.id, text)
    await state.update_data(recipient_id=recipient.id, recipient_name=recipient.display_name)
    await state.set_state(TransferForm.asset)
    await message.answer(
        _("Which coin do you want to send to {name}?").format(name=fmt.isolate(fmt.escape(recipient.display_name))),
        reply_markup=transfer_assets(),
    )


@router.message(TransferForm.recipient, F.text, ~F.text.startswith("/"))
async def recipient_given(message: Message, me: User, session: AsyncSession, state: FSMContext) -> None:
    await _take_recipient(message, message.text or "", me, session, state)


@router.callback_query(TransferForm.asset, TransferCb.filter(F.action == "asset"))
async def asset_chosen(
    query: CallbackQuery, callback_data: TransferCb, me: User, session: AsyncSession, state: FSMContext
) -> None:
    if callback_data.value not in {a.value for a in Asset}:
        await query.answer(_("This button is no longer active."))
        return
    asset = Asset(callback_data.value)
    available = await balance(session, AccountRef.user(me.id), asset)
    await state.update_data(asset=asset.value)
    await state.set_state(TransferForm.amount)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(
            _("How much {asset} do you want to send? You have {available} available.").format(
                asset=asset.value, available=fmt.crypto(available, asset, lang())
            ),
            reply_markup=transfer_cancel(),
        )


@router.message(TransferForm.amount, F.text, ~F.text.startswith("/"))
async def amount_given(message: Message, me: User, session: AsyncSession, state: FSMContext) -> None:
    data = await state.get_data()
    asset = Asset(data["asset"])
    try:
        amount = to_micro(parse_amount(message.text, decimals=asset.decimals, maximum=Decimal(10**12)))
    except AmountError as err:
        await message.answer(amount_error_text(err), reply_markup=transfer_cancel())
        return
    await transfers.prepare(session, sender_id=me.id, recipient_id=int(data["recipient_id"]), asset=asset,
                            amount=amount)
    await state.update_data(amount=amount)
    await state.set_state(TransferForm.note)
    await message.answer(
        _("Add a note for {name} (optional, up to 140 characters), or press Skip.").format(name=_name(data)),
        reply_markup=transfer_note(),
    )


async def _confirmation(target: Message, me: User, session: AsyncSession, state: FSMContext, note: str | None,
                        edit: bool) -> None:  # fmt: skip
    data = await state.get_data()
    draft = await transfers.prepare(
        session, sender_id=me.id, recipient_id=int(data["recipient_id"]), asset=Asset(data["asset"]),
        amount=int(data["amount"]), note=note,
    )
    token = secrets.token_urlsafe(12)
    await state.update_data(note=draft.note, token=token)
    await state.set_state(TransferForm.confirm)
    lines = [
        _("<b>Please check your transfer</b>"),
        "",
        _("Amount: {amount}").format(amount=fmt.crypto(draft.amount, draft.asset, lang())),
        _("To: {name}").format(name=_name(data)),
    ]
    if draft.note:
        lines.append(_("Note: {note}").format(note=fmt.escape(draft.note)))
    lines += ["", _("Fee: free. The coins arrive at once and a transfer cannot be undone.")]
    if edit:
        await target.edit_text("\n".join(lines), reply_markup=transfer_confirm(token))
    else:
        await target.answer("\n".join(lines), reply_markup=transfer_confirm(token))


@router.message(TransferForm.note, F.text, ~F.text.startswith("/"))
async def note_given(message: Message, me: User, session: AsyncSession, state: FSMContext) -> None:
    await _confirmation(message, me, session, state, message.text, edit=False)


@router.callback_query(TransferForm.note, TransferCb.filter(F.action == "skip_note"))
async def note_skipped(query: CallbackQuery, me: User, session: AsyncSession, state: FSMContext) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await _confirmation(query.message, me, session, state, None, edit=True)


@router.callback_query(TransferCb.filter(F.action == "confirm"))
async def confirmed(
    query: CallbackQuery, callback_data: TransferCb, me: User, session: AsyncSession, state: FSMContext
) -> None:
    data = await state.get_data()
    if await state.get_state() != TransferForm.confirm.state or data.get("token") != callback_data.value:
        await query.answer(_("This button is no longer active."))
        return
    if await second_factor.is_on(session, me.id):  # the code is checked by core with the transfer
        await state.set_state(TransferForm.code)
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.edit_text(code_prompt(), reply_markup=transfer_cancel())
        return
    result = await transfers.send(
        session, sender_id=me.id, recipient_id=int(data["recipient_id"]), asset=Asset(data["asset"]),
        amount=int(data["amount"]), note=data.get("note"), token=callback_data.value,
    )
    await state.clear()
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(_sent(result, data))


def _sent(result: transfers.TransferResult, data: dict[str, Any]) -> str:
    return _("✅ Sent {amount} to {name}. It is in both your wallet histories.").format(
        amount=fmt.crypto(result.draft.amount, result.draft.asset, lang()), name=_name(data)
    )


@router.message(TransferForm.code, F.text, ~F.text.startswith("/"))
async def code_given(message: Message, me: User, session: AsyncSession, state: FSMContext,
                     settings: Settings) -> None:  # fmt: skip
    data = await state.get_data()
    result = await transfers.send(
        session, sender_id=me.id, recipient_id=int(data["recipient_id"]), asset=Asset(data["asset"]),
        amount=int(data["amount"]), note=data.get("note"), token=str(data["token"]),
        proof=proof(message.text, settings),
    )
    await state.clear()
    await message.answer(_sent(result, data))


@router.callback_query(TransferCb.filter(F.action == "cancel"))
async def cancelled(query: CallbackQuery, state: FSMContext) -> None:
    if (await state.get_state() or "").startswith("TransferForm"):
        await state.clear()
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(_("Transfer cancelled. Nothing was sent."), reply_markup=back_to_menu())


def _recipient(p: Any) -> str:
    return fmt.isolate(fmt.escape(str(p.get("recipient", ""))))


register_error_texts(
    {
        "recipient_not_saved": lambda p: _(
            "You allow withdrawals only to your saved addresses, and internal transfers only to saved recipients: "
            "{name} is not one of them. To save them, open /wallet → 🔐 Saved addresses → ➕ Add an address and "
            "send their @username or Telegram ID. You can send to them {wait} after saving, for your safety."
        ).format(name=_recipient(p), wait=fmt.duration(int(p["cooling_minutes"]), lang())),
        "recipient_cooling_off": lambda p: _(
            "You can send to {name} from {time}: a newly saved recipient waits before the first transfer, "
            "for your safety."
        ).format(name=_recipient(p), time=fmt.datetime(datetime.fromisoformat(str(p["usable_after"])), lang())),
    }
)
