"""Disputes: the queue (/disputes), the case screen, taking, writing to both parties, and
resolving with a reason and one more confirmation."""

from __future__ import annotations

import logging
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from admin_bot import keyboards as kb
from admin_bot import views
from admin_bot.handlers.errors import TYPED, guarded
from admin_bot.keyboards import DisputeCb
from botkit import fmt
from core import users
from core.admin import actions, cases
from core.admin.staff import Permission
from core.config import Settings
from core.errors import DomainError

log = logging.getLogger(__name__)
router = guarded(Router(name="admin_disputes"), Permission.DISPUTES)


class Resolving(StatesGroup):
    reason = State()  # data: dispute_id, outcome
    confirm = State()  # data: dispute_id, outcome, reason


class Writing(StatesGroup):
    text = State()  # data: dispute_id


@router.message(Command("disputes"))
async def queue(message: Message, session: AsyncSession, i18n: I18n) -> None:
    found = await cases.dispute_queue(session)
    if not found:
        await message.answer(_("No open disputes."))
        return
    lang = i18n.current_locale
    items = [(d.id, views.queue_label(d, t, lang)) for d, t in found]
    await message.answer(
        _("<b>Open disputes</b>, oldest first ({n}):").format(n=fmt.number(len(found), lang)), reply_markup=kb.dispute_queue(items)
    )


async def send_evidence(bot: Bot, chat_id: int, file_id: str, caption: str, trader_bot: Bot | None) -> None:
    """A photo the traders' bot received. A Telegram file_id belongs to the bot that received it,
    so when the admin bot cannot send it, the traders' bot downloads it and the admin bot
    uploads the bytes."""
    try:
        await bot.send_photo(chat_id, file_id, caption=caption)
        return
    except TelegramBadRequest:
        if trader_bot is None:
            raise
    data = await trader_bot.download(file_id)
    assert data is not None
    await bot.send_photo(chat_id, BufferedInputFile(data.read(), "evidence.jpg"), caption=caption)


async def show_case(
    bot: Bot, chat_id: int, session: AsyncSession, dispute_id: int, viewer_id: int, lang: str,
    trader_bot: Bot | None = None,
) -> None:  # fmt: skip
    """The case in a few messages: the chat transcript, the photos, then facts and buttons."""
    case = await cases.dispute_case(session, dispute_id)
    d = case.dispute
    keyboard = None
    if d.resolution is None:
        keyboard = kb.dispute_actions(d.id, owned_by_viewer=d.owner_id == viewer_id, owned=d.owner_id is not None)
    for part in views.transcript(case, lang):
        await bot.send_message(chat_id, part)
    for file_id, caption in views.evidence_photos(case):
        try:
            await send_evidence(bot, chat_id, file_id, caption, trader_bot)
        except TelegramAPIError:
            log.warning("a photo of dispute %s could not be shown", d.id)
            await bot.send_message(chat_id, _("{caption}: this photo cannot be shown here.").format(caption=caption))
    await bot.send_message(chat_id, views.dispute_case(case, lang, viewer_id), reply_markup=keyboard)


def _trader_bot(data: dict[str, Any]) -> Bot | None:
    runtime = data.get("runtime")
    return getattr(runtime, "trader_bot", None)


@router.callback_query(DisputeCb.filter(F.action == "open"))
async def open_case(
    query: CallbackQuery, callback_data: DisputeCb, session: AsyncSession, staff_id: int,
    i18n: I18n, bot: Bot, **data: Any,
) -> None:  # fmt: skip
    await query.answer()
    await show_case(bot, staff_id, session, callback_data.dispute_id, staff_id, i18n.current_locale,
                    _trader_bot(data))  # fmt: skip


@router.callback_query(DisputeCb.filter(F.action.in_({"take", "take_card"})))
async def take(
    query: CallbackQuery, callback_data: DisputeCb, session: AsyncSession, settings: Settings, staff_id: int,
    i18n: I18n, bot: Bot, **data: Any,
) -> None:  # fmt: skip
    try:
        await actions.take_dispute(session, settings, actor_id=staff_id, dispute_id=callback_data.dispute_id)
    except DomainError as exc:
        if exc.code != "dispute_owned":
            raise
        owner = await users.get(session, int(exc.params["owner_id"]))  # say who, by name
        name = owner.display_name if owner is not None else str(exc.params["owner_id"])
        await query.answer(  # an alert is plain text: no HTML escaping
            _("{who} is already handling this dispute.").format(who=fmt.isolate(name)), show_alert=True
        )
        return
    await query.answer(_("The dispute is yours."))
    if not isinstance(query.message, Message):
        return
    if callback_data.action == "take_card":
        # Taken on the case card, below the transcript already shown: the card turns into the
        # owner's, the transcript is not sent again.
        case = await cases.dispute_case(session, callback_data.dispute_id)
        await query.message.edit_text(views.dispute_case(case, i18n.current_locale, staff_id),
                                      reply_markup=kb.dispute_actions(case.dispute.id, owned_by_viewer=True,
                                                                      owned=True))  # fmt: skip
        return
    await query.message.edit_reply_markup(reply_markup=kb.dispute_push(callback_data.dispute_id, taken=True))
    await show_case(bot, staff_id, session, callback_data.dispute_id, staff_id, i18n.current_locale,
                    _trader_bot(data))  # fmt: skip


@router.callback_query(DisputeCb.filter(F.action == "drop"))
async def drop(query: CallbackQuery, callback_data: DisputeCb, session: AsyncSession, settings: Settings,
               staff_id: int) -> None:  # fmt: skip
    await actions.drop_dispute(session, settings, actor_id=staff_id, dispute_id=callback_data.dispute_id)
    await query.answer(_("The dispute is back in the queue."))
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)


@router.callback_query(DisputeCb.filter(F.action.in_({"release", "refund"})))
async def ask_reason(
    query: CallbackQuery, callback_data: DisputeCb, staff_id: int,
    state: FSMContext,
) -> None:  # fmt: skip
    await state.set_state(Resolving.reason)
    await state.set_data({"dispute_id": callback_data.dispute_id, "outcome": callback_data.action})
    await query.answer()
    text = (
        _("Release to the buyer. Write the reason (both parties will read it):")
        if callback_data.action == "release"
        else _("Refund to the seller. Write the reason (both parties will read it):")
    )
    await query.bot.send_message(staff_id, text)  # type: ignore[union-attr]


@router.message(Resolving.reason, TYPED)
async def got_reason(message: Message, session: AsyncSession, state: FSMContext, i18n: I18n) -> None:
    data = await state.get_data()
    reason = (message.text or "").strip()
    if not reason:
        await message.answer(_("Please write a reason."))
        return
    case = await cases.dispute_case(session, int(data["dispute_id"]))
    await state.set_state(Resolving.confirm)
    await state.update_data(reason=reason)
    await message.answer(
        views.confirm_resolution(case, str(data["outcome"]), reason, i18n.current_locale),
        reply_markup=kb.confirm_resolution(case.dispute.id),
    )


@router.callback_query(DisputeCb.filter(F.action == "confirm"), Resolving.confirm)
async def confirm(
    query: CallbackQuery, callback_data: DisputeCb, session: AsyncSession, settings: Settings, staff_id: int,
    state: FSMContext,
) -> None:  # fmt: skip
    data = await state.get_data()
    if int(data.get("dispute_id", 0)) != callback_data.dispute_id:
        await query.answer(_("This confirmation is out of date."), show_alert=True)
        return
    outcome = str(data["outcome"])
    await state.clear()
    dispute = await actions.resolve_dispute(
        session, settings, actor_id=staff_id, dispute_id=callback_data.dispute_id, outcome=outcome,
        reason=str(data["reason"]),
    )  # fmt: skip
    await query.answer(_("Done."))
    if isinstance(query.message, Message):
        await query.message.edit_text(
            _("Dispute #{id}: {outcome}. Both parties were told the outcome and the reason.").format(
                id=dispute.id, outcome=views.outcome_name(outcome)
            )
        )


@router.callback_query(DisputeCb.filter(F.action == "confirm"))
async def stale_confirm(query: CallbackQuery) -> None:
    await query.answer(_("This confirmation is out of date."), show_alert=True)


@router.callback_query(DisputeCb.filter(F.action == "cancel"))
async def cancel(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await query.answer(_("Cancelled. Nothing changed."))
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)


@router.callback_query(DisputeCb.filter(F.action == "msg"))
async def ask_message(
    query: CallbackQuery, callback_data: DisputeCb, staff_id: int,
    state: FSMContext,
) -> None:  # fmt: skip
    await state.set_state(Writing.text)
    await state.set_data({"dispute_id": callback_data.dispute_id})
    await query.answer()
    await query.bot.send_message(  # type: ignore[union-attr]
        staff_id, _("Write the message for both parties (they see it in the trade chat as from KOXX staff):")
    )


@router.message(Writing.text, TYPED)
async def got_message(
    message: Message, session: AsyncSession, settings: Settings, staff_id: int, state: FSMContext
) -> None:
    data = await state.get_data()
    await state.clear()
    await actions.message_parties(
        session, settings, actor_id=staff_id, dispute_id=int(data["dispute_id"]), text=message.text or ""
    )
    await message.answer(_("Sent to both parties."))

