"""Reputation in the chat: feedback after a completed trade (👍/👎 and an optional comment),
the counterparty's or a maker's profile, blocking and unblocking. Buttons carry the trade or
offer id, never a user id: the profile shown is always "the other side" of something the
presser is part of (or a public offer)."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.keyboards import offers as offer_kb
from bot.keyboards import trades as kb
from bot.views.common import stats_text
from botkit import fmt
from botkit.i18n import lang
from core import escrow
from core.escrow.trades import require_role
from core.users import User

router = Router(name="profile")


class FeedbackForm(StatesGroup):
    comment = State()  # data: trade_id (the rating is saved already)


@router.callback_query(kb.RateCb.filter(F.send.is_(False)))
async def rate_pressed(query: CallbackQuery, callback_data: kb.RateCb, state: FSMContext,
                       session: AsyncSession, me: User) -> None:  # fmt: skip
    """One tap saves the rating; a comment may follow in the next message."""
    await escrow.leave_feedback(session, trade_id=callback_data.trade_id, actor_id=me.id,
                                positive=callback_data.positive)  # fmt: skip
    await state.set_state(FeedbackForm.comment)
    await state.set_data({"trade_id": callback_data.trade_id})
    await query.answer(_("Thank you! Your feedback was saved."))
    if isinstance(query.message, Message):
        mark = "👍" if callback_data.positive else "👎"
        await query.message.answer(
            _("{mark} Thank you! Your feedback was saved. You may add a short comment (up to 200 characters) "
              "in one message.").format(mark=mark),
            reply_markup=kb.comment_prompt(callback_data.trade_id))  # fmt: skip


@router.callback_query(kb.RateCb.filter(F.send.is_(True)))
async def rate_send(query: CallbackQuery, callback_data: kb.RateCb, state: FSMContext,
                    session: AsyncSession, me: User) -> None:  # fmt: skip
    """A "send without a comment" button of a message sent before one tap saved the rating."""
    if not await escrow.has_rated(session, trade_id=callback_data.trade_id, user_id=me.id):
        await escrow.leave_feedback(session, trade_id=callback_data.trade_id, actor_id=me.id,
                                    positive=callback_data.positive)  # fmt: skip
    await state.clear()
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(_("Thank you! Your feedback was saved."))


@router.message(FeedbackForm.comment, F.text)
async def rate_comment(message: Message, state: FSMContext, session: AsyncSession, me: User) -> None:
    data = await state.get_data()
    await escrow.comment_feedback(session, trade_id=int(data["trade_id"]), actor_id=me.id, comment=message.text or "")
    await state.clear()
    await message.answer(_("Thank you! Your comment was saved."))


async def _target(session: AsyncSession, me: User, data: kb.ProfileCb) -> int:
    """The user a profile button is about: the other side of the presser's trade, or an offer's maker."""
    if data.trade_id:
        trade = await escrow.get_trade(session, data.trade_id)
        require_role(trade, me.id, "party")
        return trade.counterpart(me.id)
    offer = await escrow.get_offer(session, data.offer_id)
    return offer.maker_id


async def profile_view(session: AsyncSession, me: User, data: kb.ProfileCb, note: str = "") -> dict[str, Any]:
    lg = lang()
    user_id = await _target(session, me, data)
    stats = await escrow.user_stats(session, user_id)
    lines = [note, ""] if note else []
    target = await session.get(User, user_id)
    lines += [
        _("<b>Trader profile</b>") + (f" · {fmt.isolate(fmt.escape(target.nickname))}" if target and target.nickname
                                      else ""),
        stats_text(stats),
        _("Completed trades: {n}").format(n=fmt.number(stats.completed_trades, lg)),
        _("Completion rate (30 days): {rate}").format(
            rate=fmt.percent(stats.completion_rate_30d, lg) if stats.completion_rate_30d is not None else "—"),
        _("Average release time: {time}").format(
            time=fmt.duration(max(1, round(stats.avg_release_seconds / 60)), lg)
            if stats.avg_release_seconds is not None else "—"),
        _("Feedback: 👍 {up} · 👎 {down}").format(up=fmt.number(stats.positive, lg), down=fmt.number(stats.negative, lg)),
        _("Account age: {days}").format(days=fmt.days(stats.account_age_days, lg)),
    ]
    comments = [f for f in await escrow.feedback_received(session, user_id, limit=5) if f.comment]
    for feedback in comments:
        lines.append(("👍 " if feedback.positive else "👎 ") + "«" + fmt.escape(feedback.comment or "") + "»")
    blocked = user_id in await escrow.blocked_by(session, me.id)
    keyboard = kb.profile_keyboard(trade_id=data.trade_id, offer_id=data.offer_id, blocked=blocked)
    if data.offer_id and not data.trade_id:
        keyboard.inline_keyboard.append(
            [InlineKeyboardButton(text=_("⬅️ Back to the offer"),
                                           callback_data=offer_kb.OfferCb(action="open", offer_id=data.offer_id).pack())])
    return {"text": "\n".join(lines), "reply_markup": keyboard}


async def _show(query: CallbackQuery, view: dict[str, Any]) -> None:
    if isinstance(query.message, Message):
        if query.message.photo:
            await query.message.answer(**view)
        else:
            await query.message.edit_text(**view)


@router.callback_query(kb.ProfileCb.filter(F.action == "view"))
async def view_profile(query: CallbackQuery, callback_data: kb.ProfileCb, session: AsyncSession, me: User) -> None:
    view = await profile_view(session, me, callback_data)
    await query.answer()
    await _show(query, view)


@router.callback_query(offer_kb.OfferCb.filter(F.action == "maker"))
async def maker_profile(query: CallbackQuery, callback_data: offer_kb.OfferCb, session: AsyncSession,
                        me: User) -> None:  # fmt: skip
    view = await profile_view(session, me, kb.ProfileCb(action="view", offer_id=callback_data.offer_id))
    await query.answer()
    await _show(query, view)


@router.callback_query(kb.ProfileCb.filter(F.action.in_({"block", "unblock"})))
async def block_toggle(query: CallbackQuery, callback_data: kb.ProfileCb, session: AsyncSession, me: User) -> None:
    user_id = await _target(session, me, callback_data)
    if callback_data.action == "block":
        await escrow.block(session, user_id=me.id, blocked_id=user_id)
        note = _("🚫 Blocked: you will not see each other's offers or trade together.")
    else:
        await escrow.unblock(session, user_id=me.id, blocked_id=user_id)
        note = _("✅ Unblocked.")
    await query.answer(note)
    await _show(query, await profile_view(session, me, callback_data, note))
