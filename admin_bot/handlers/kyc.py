"""Moderators review identity documents: /kyc lists the requests waiting, a request shows its two
photos (read from private storage, sent only here), then Approve or Reject with a reason (a
preset in one press, or written). Two moderators at once: the second is told it was decided."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from botkit import fmt
from botkit.i18n import lang
from botkit.keyboard_builder import InlineKeyboardBuilder
from botkit.kyc_texts import PRESET_REASONS, level_name
from core.accounts import kyc
from core.admin import review
from core.config import Settings

router = Router(name="admin_kyc")


class ReviewCb(CallbackData, prefix="akyc"):
    action: str  # open | approve | approve_named | reject | preset | write
    request_id: int
    reason: str = ""


class RejectForm(StatesGroup):
    reason = State()


class ApproveForm(StatesGroup):
    name = State()  # data: request_id


def _decision(request_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✅ Approve"), callback_data=ReviewCb(action="approve", request_id=request_id))
    builder.button(text=_("❌ Reject"), callback_data=ReviewCb(action="reject", request_id=request_id))
    builder.button(text=_("🪪 Approve with the name on the document"),
                   callback_data=ReviewCb(action="approve_named", request_id=request_id))
    builder.adjust(2, 1)
    return builder.as_markup()


def _reasons(request_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code, text in PRESET_REASONS.items():
        builder.button(text=str(text), callback_data=ReviewCb(action="preset", request_id=request_id, reason=code))
    builder.button(text=_("✍️ Write another reason"), callback_data=ReviewCb(action="write", request_id=request_id))
    builder.adjust(1)
    return builder.as_markup()


@router.message(Command("kyc"))
async def queue(message: Message, session: AsyncSession, settings: Settings, staff_id: int) -> None:
    waiting = await review.queue(session, settings, actor_id=staff_id)
    if not waiting:
        await message.answer(_("No identity verifications are waiting."))
        return
    builder = InlineKeyboardBuilder()
    lines = [_("<b>Identity verifications waiting</b> (oldest first)"), ""]
    for request in waiting:
        lines.append(_("#{id}: user {user_id}, sent {date}").format(
            id=request.id, user_id=request.user_id, date=fmt.datetime(request.submitted_at, lang())
        ))
        builder.button(text=_("Review #{id}").format(id=request.id),
                       callback_data=ReviewCb(action="open", request_id=request.id))
    builder.adjust(2)
    await message.answer("\n".join(lines), reply_markup=builder.as_markup())


@router.callback_query(ReviewCb.filter(F.action == "open"))
async def open_request(
    query: CallbackQuery, callback_data: ReviewCb, session: AsyncSession, settings: Settings, staff_id: int
) -> None:
    docs = await review.documents(session, settings, actor_id=staff_id, request_id=callback_data.request_id)
    phone = await kyc.phone_of(session, docs.user.id)
    await query.answer()
    if not isinstance(query.message, Message):
        return
    rid = docs.request.id
    await query.message.answer_photo(BufferedInputFile(docs.document, f"kyc-{rid}-document.jpg"),
                                     caption=_("#{id}: document").format(id=rid))
    await query.message.answer_photo(BufferedInputFile(docs.selfie, f"kyc-{rid}-selfie.jpg"),
                                     caption=_("#{id}: selfie").format(id=rid))
    text = "\n".join([
        _("<b>Identity verification #{id}</b>").format(id=rid),
        _("User: {name} (ID {user_id})").format(name=fmt.escape(docs.user.display_name), user_id=docs.user.id),
        _("Name on Telegram: {name}").format(name=fmt.escape(docs.user.first_name)),
        _("Phone: {phone}").format(phone=phone or "-"),
        _("Now: {level}").format(level=level_name(docs.user.kyc_level)),
        _("Status: {status}").format(status=docs.request.status),
    ])
    await query.message.answer(text, reply_markup=_decision(rid) if docs.request.status == "pending" else None)


@router.callback_query(ReviewCb.filter(F.action == "approve"))
async def approve(
    query: CallbackQuery, callback_data: ReviewCb, session: AsyncSession, settings: Settings, staff_id: int
) -> None:
    await review.approve(session, settings, actor_id=staff_id, request_id=callback_data.request_id)
    await query.answer(_("Approved."))
    if isinstance(query.message, Message):
        await query.message.edit_text(
            _("✅ Verification #{id} approved. The user is now at level 2 and was told.").format(
                id=callback_data.request_id
            )
        )


@router.callback_query(ReviewCb.filter(F.action == "approve_named"))
async def approve_ask_name(query: CallbackQuery, callback_data: ReviewCb, state: FSMContext) -> None:
    await state.set_state(ApproveForm.name)
    await state.set_data({"request_id": callback_data.request_id})
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(_("Type the full name exactly as on the document. The accounts this user pays "
                                     "from are compared with it."))


@router.message(ApproveForm.name, F.text)
async def approve_named(message: Message, state: FSMContext, session: AsyncSession, settings: Settings,
                        staff_id: int) -> None:  # fmt: skip
    request_id = int((await state.get_data())["request_id"])
    name = " ".join((message.text or "").split())
    if not 3 <= len(name) <= 128:
        await message.answer(_("Please type the full name (3 to 128 characters)."))
        return
    await review.approve(session, settings, actor_id=staff_id, request_id=request_id, verified_name=name)
    await state.clear()
    await message.answer(_("✅ Verification #{id} approved with the name {name}. The user is now at level 2 and "
                           "was told.").format(id=request_id, name=fmt.isolate(fmt.escape(name))))


@router.callback_query(ReviewCb.filter(F.action == "reject"))
async def reject_pressed(query: CallbackQuery, callback_data: ReviewCb) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(
            _("Why is verification #{id} rejected? The user reads this reason.").format(id=callback_data.request_id),
            reply_markup=_reasons(callback_data.request_id),
        )


async def _rejected(session: AsyncSession, settings: Settings, request_id: int, staff_id: int, reason: str) -> str:
    await review.reject(session, settings, actor_id=staff_id, request_id=request_id, reason=reason)
    return _("❌ Verification #{id} rejected. The user was told the reason and may try again.").format(id=request_id)


@router.callback_query(ReviewCb.filter(F.action == "preset"))
async def reject_preset(
    query: CallbackQuery, callback_data: ReviewCb, session: AsyncSession, settings: Settings, staff_id: int
) -> None:
    if callback_data.reason not in PRESET_REASONS:
        await query.answer(_("This button is no longer active."))
        return
    text = await _rejected(session, settings, callback_data.request_id, staff_id, f"preset:{callback_data.reason}")
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(text)


@router.callback_query(ReviewCb.filter(F.action == "write"))
async def reject_write(query: CallbackQuery, callback_data: ReviewCb, state: FSMContext) -> None:
    await state.set_state(RejectForm.reason)
    await state.update_data(kyc_request_id=callback_data.request_id)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(
            _("Write the reason for rejecting #{id} (the user reads it, at most 500 characters):").format(
                id=callback_data.request_id
            )
        )


@router.message(RejectForm.reason, F.text, ~F.text.startswith("/"))
async def reject_reason(
    message: Message, session: AsyncSession, state: FSMContext, settings: Settings, staff_id: int
) -> None:
    request_id = int((await state.get_data())["kyc_request_id"])
    text = await _rejected(session, settings, request_id, staff_id, message.text or "")
    await state.clear()
    await message.answer(text)
