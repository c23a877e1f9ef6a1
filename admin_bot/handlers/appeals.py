"""Appeals after a trade's end (issue 22): /appeals lists the open cases; /appealhold <id>
[amount] asks to hold up to the trade's amount of the counterpart's balance, placed only when a
second admin presses Approve under the request; /appealclose <id> <decision> closes the case and
lets the hold go."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from admin_bot.handlers.errors import guarded
from admin_bot.keyboards import AppealCb
from botkit import fmt
from botkit.numbers import AmountError, amount_error_text, parse_amount
from core.admin import appeals
from core.admin.staff import Permission
from core.config import Settings
from core.escrow import get_trade
from core.escrow.appeals import open_appeals
from core.money import to_micro

router = guarded(Router(name="admin_appeals"), Permission.DISPUTES)


@router.message(Command("appeals"))
async def queue(message: Message, session: AsyncSession) -> None:
    found = await open_appeals(session)
    if not found:
        await message.answer(_("No open appeals."))
        return
    lines = [_("<b>Open appeals</b>")]
    for a in found:
        state = {"open": _("open"), "hold_requested": _("hold waiting for a second admin"),
                 "held": _("balance held")}.get(a.status, a.status)  # fmt: skip
        lines.append(_("#{id} · trade #{trade} · {state}: {reason}").format(
            id=a.id, trade=a.trade_id, state=state, reason=fmt.escape(a.reason[:80])))
    lines += ["", _("Hold: /appealhold 12 · close: /appealclose 12 decision")]
    await message.answer("\n".join(lines))


@router.message(Command("appealhold"))
async def request_hold(message: Message, command: CommandObject, session: AsyncSession, settings: Settings,
                       staff_id: int, i18n: I18n) -> None:  # fmt: skip
    parts = (command.args or "").split()
    if not parts or not parts[0].isdigit() or len(parts) > 2:
        await message.answer(_("Send /appealhold 12, or /appealhold 12 50 to hold less than the trade's amount."))
        return
    amount = None
    if len(parts) == 2:
        try:
            amount = to_micro(parse_amount(parts[1], decimals=6))
        except AmountError as err:
            await message.answer(amount_error_text(err))
            return
    appeal = await appeals.request_hold(session, settings, actor_id=staff_id, appeal_id=int(parts[0]), amount=amount)
    assert appeal.hold_amount is not None
    asset = (await get_trade(session, appeal.trade_id)).asset
    await message.answer(_("Hold of {amount} on user {user} requested for appeal #{id}; it is placed when a second "
                           "admin approves.").format(amount=fmt.crypto(appeal.hold_amount, asset, i18n.current_locale),
                                                    user=fmt.isolate(str(appeal.counterpart_id)), id=appeal.id))


@router.callback_query(AppealCb.filter())
async def approve(query: CallbackQuery, callback_data: AppealCb, session: AsyncSession, settings: Settings,
                  staff_id: int) -> None:  # fmt: skip
    appeal = await appeals.approve_hold(session, settings, actor_id=staff_id, appeal_id=callback_data.appeal_id)
    await query.answer(_("Done."))
    if isinstance(query.message, Message):
        await query.message.edit_text(_("Appeal #{id}: the hold is placed on user {user}.").format(
            id=appeal.id, user=fmt.isolate(str(appeal.counterpart_id))))


@router.message(Command("appealclose"))
async def close(message: Message, command: CommandObject, session: AsyncSession, settings: Settings,
                staff_id: int) -> None:  # fmt: skip
    parts = (command.args or "").split(maxsplit=1)
    if len(parts) != 2 or not parts[0].isdigit():
        await message.answer(_("Send /appealclose 12 and what was decided."))
        return
    appeal = await appeals.close_appeal(session, settings, actor_id=staff_id, appeal_id=int(parts[0]),
                                        resolution=parts[1])  # fmt: skip
    await message.answer(_("Appeal #{id} is closed; any hold for it was let go.").format(id=appeal.id))
