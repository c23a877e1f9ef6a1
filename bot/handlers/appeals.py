"""Appeals after a trade's end (issue 22): /appeal <trade> within the appeal window of a
completed or cancelled trade asks what happened (a chargeback, a frozen wallet account, paid but
cancelled); the next message, text or a photo with a caption as evidence, opens the appeal."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from botkit import fmt
from botkit.errors import register_error_texts
from botkit.i18n import lang
from botkit.numbers import normalize
from core.escrow.appeals import appealable, open_appeal
from core.users import User

router = Router(name="appeals")


class AppealForm(StatesGroup):
    reason = State()  # data: trade_id


@router.message(Command("appeal"))
async def appeal(message: Message, command: CommandObject, state: FSMContext, session: AsyncSession, me: User) -> None:
    number = normalize(command.args or "").lstrip("#")
    if not number.isdigit():
        await message.answer(_("Send {command} with the trade's number, for example {example}.").format(
            command=fmt.code("/appeal", lang()), example=fmt.code("/appeal 123", lang())))
        return
    trade = await appealable(session, trade_id=int(number), actor_id=me.id)
    await state.set_state(AppealForm.reason)
    await state.set_data({"trade_id": trade.id})
    await message.answer(_("Appeal on trade #{id}: describe in one message what happened (a chargeback, a frozen "
                           "wallet account, paid but cancelled). Attach a photo as evidence if you have one, with "
                           "your description as its caption.").format(id=trade.id))


@router.message(AppealForm.reason, F.text | F.photo)
async def reason(message: Message, state: FSMContext, session: AsyncSession, me: User) -> None:
    trade_id = int((await state.get_data())["trade_id"])
    photo = message.photo[-1].file_id if message.photo else None
    opened = await open_appeal(session, trade_id=trade_id, actor_id=me.id, reason=message.text or message.caption or "",
                               file_id=photo)  # fmt: skip
    await state.clear()
    await message.answer(_("📣 Appeal #{id} on trade #{trade} is sent. A moderator will look at it and may write "
                           "to you here.").format(id=opened.id, trade=trade_id))


register_error_texts({
    "appeal_too_late": lambda p: _("Appeals are possible for {days} after a trade ends; this one is too old.").format(
        days=fmt.days(int(p["days"]), lang())),
    "appeal_exists": lambda p: _("You already appealed this trade."),
    "appeal_not_found": lambda p: _("That appeal does not exist."),
})  # fmt: skip
