"""Withdrawals waiting for approval: the queue (/withdrawals), each with the user's history,
KYC level, balances and the destination; approve, or reject with a reason (the hold goes back).
Approving one past the two-admin threshold asks the admin's own one-time code (core checks it:
core.admin.actions.approve_withdrawal); an admin without a second factor is told to turn it on."""

from __future__ import annotations

from contextlib import suppress

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from admin_bot import keyboards as kb
from admin_bot import views
from admin_bot.handlers.errors import TYPED, guarded
from admin_bot.keyboards import WithdrawalCb
from botkit import fmt
from botkit.second_factor_texts import read_code
from core.accounts import second_factor
from core.admin import actions, cases
from core.admin.staff import Permission
from core.config import Settings
from core.errors import DomainError
from core.wallet.models import Withdrawal, WithdrawalStatus

router = guarded(Router(name="admin_withdrawals"), Permission.WITHDRAWALS)


class Rejecting(StatesGroup):
    reason = State()  # data: withdrawal_id


class Approving(StatesGroup):
    code = State()  # data: withdrawal_id; the admin's one-time code


@router.message(Command("withdrawals"))
async def queue(message: Message, session: AsyncSession, i18n: I18n) -> None:
    found = await cases.withdrawal_queue(session)
    if not found:
        await message.answer(_("No withdrawals are waiting for approval."))
        return
    lang = i18n.current_locale
    items = [(w.id, views.withdrawal_label(w.id, w.amount, w.asset, lang)) for w in found]
    await message.answer(
        _("<b>Withdrawals waiting for approval</b> ({n}):").format(n=fmt.number(len(found), lang)),
        reply_markup=kb.withdrawal_queue(items),
    )


@router.callback_query(WithdrawalCb.filter(F.action == "open"))
async def open_case(
    query: CallbackQuery, callback_data: WithdrawalCb, session: AsyncSession, staff_id: int,
    i18n: I18n,
) -> None:  # fmt: skip
    case = await cases.withdrawal_case(session, callback_data.withdrawal_id)
    await query.answer()
    pending = case.withdrawal.status == WithdrawalStatus.AWAITING_APPROVAL
    await query.bot.send_message(  # type: ignore[union-attr]
        staff_id,
        views.withdrawal_case(case, i18n.current_locale),
        reply_markup=kb.withdrawal_actions(case.withdrawal.id) if pending else None,
    )


@router.callback_query(WithdrawalCb.filter(F.action == "approve"))
async def approve(
    query: CallbackQuery, callback_data: WithdrawalCb, session: AsyncSession, settings: Settings, staff_id: int,
    i18n: I18n, state: FSMContext,
) -> None:  # fmt: skip
    waiting = await session.get(Withdrawal, callback_data.withdrawal_id)
    if (waiting is not None and actions.needs_admin_code(waiting)
            and staff_id not in await actions.withdrawals_approvers(session, waiting.id)):  # fmt: skip
        if not await second_factor.is_on(session, staff_id):
            raise DomainError("second_factor_needed")
        await state.set_state(Approving.code)
        await state.set_data({"withdrawal_id": waiting.id})
        await query.answer()
        await query.bot.send_message(  # type: ignore[union-attr]
            staff_id, _("Withdrawal #{id} needs two admins. Send your 6-digit one-time code to approve it.").format(
                id=waiting.id))  # fmt: skip
        return
    w = await actions.approve_withdrawal(session, settings, actor_id=staff_id, withdrawal_id=callback_data.withdrawal_id)
    case = await cases.withdrawal_case(session, w.id)
    await query.answer(_approved_text(w, len(case.approvers), i18n), show_alert=w.status != WithdrawalStatus.APPROVED)
    if isinstance(query.message, Message):
        pending = w.status == WithdrawalStatus.AWAITING_APPROVAL
        with suppress(TelegramBadRequest):  # "not modified": the same admin pressed again
            await query.message.edit_text(
                views.withdrawal_case(case, i18n.current_locale),
                reply_markup=kb.withdrawal_actions(w.id) if pending else None,
            )


def _approved_text(w: Withdrawal, have: int, i18n: I18n) -> str:
    if w.status == WithdrawalStatus.APPROVED:
        return _("Approved. The withdrawal is queued for sending.")
    return _("Your approval is recorded ({have} of {need}); another admin must approve too.").format(
        have=fmt.number(have, i18n.current_locale), need=fmt.number(w.approvals_needed, i18n.current_locale)
    )


@router.message(Approving.code, TYPED)
async def approve_with_code(
    message: Message, session: AsyncSession, settings: Settings, staff_id: int, state: FSMContext, i18n: I18n
) -> None:
    data = await state.get_data()
    code = second_factor.Proof(read_code(message.text), second_factor.service_key(settings))
    w = await actions.approve_withdrawal(session, settings, actor_id=staff_id,
                                         withdrawal_id=int(data["withdrawal_id"]), proof=code)  # fmt: skip
    case = await cases.withdrawal_case(session, w.id)
    await state.clear()
    pending = w.status == WithdrawalStatus.AWAITING_APPROVAL
    await message.answer(_approved_text(w, len(case.approvers), i18n))
    await message.answer(views.withdrawal_case(case, i18n.current_locale),
                         reply_markup=kb.withdrawal_actions(w.id) if pending else None)  # fmt: skip


@router.callback_query(WithdrawalCb.filter(F.action == "reject"))
async def ask_reason(
    query: CallbackQuery, callback_data: WithdrawalCb, staff_id: int,
    state: FSMContext,
) -> None:  # fmt: skip
    await state.set_state(Rejecting.reason)
    await state.set_data({"withdrawal_id": callback_data.withdrawal_id})
    await query.answer()
    await query.bot.send_message(  # type: ignore[union-attr]
        staff_id, _("Why is withdrawal #{id} rejected? The user will read this.").format(id=callback_data.withdrawal_id)
    )


@router.message(Rejecting.reason, TYPED)
async def got_reason(
    message: Message, session: AsyncSession, settings: Settings, staff_id: int, state: FSMContext
) -> None:
    data = await state.get_data()
    await state.clear()
    w = await actions.reject_withdrawal(
        session, settings, actor_id=staff_id, withdrawal_id=int(data["withdrawal_id"]), reason=message.text or ""
    )
    await message.answer(_("Withdrawal #{id} rejected; the amount is back in the user's balance.").format(id=w.id))
