"""Away and business hours (issue 22): /away hides the trader's offers for a while (they come
back by themselves), /hours 9-22 shows them only within those hours (Baghdad time), /hours off
always. Taking is refused meanwhile."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from botkit import fmt
from botkit.errors import register_error_texts
from botkit.i18n import lang
from botkit.keyboard_builder import InlineKeyboardBuilder
from botkit.numbers import normalize
from core import escrow
from core.users import User

router = Router(name="availability")
AWAY_HOURS = (1, 3, 12, 24)


class AwayCb(CallbackData, prefix="away"):
    hours: int  # 0: back now


def _status(me: User, now: datetime) -> str:
    lg = lang()
    lines = []
    if me.away_until is not None and me.away_until > now:
        lines.append(_("🌙 You are away until {time}: your offers are hidden.").format(
            time=fmt.datetime(me.away_until, lg)))
    else:
        lines.append(_("🟢 You are available: your offers show."))
    if me.open_from is not None and me.open_to is not None:
        lines.append(_("Business hours: {start}:00 to {end}:00 (Baghdad time).").format(
            start=fmt.number(me.open_from, lg), end=fmt.number(me.open_to, lg)))
    return "\n".join(lines)


def _keyboard() -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for hours in AWAY_HOURS:
        kb.button(text=_("Away {time}").format(time=fmt.duration(hours * 60, lang())), callback_data=AwayCb(hours=hours))
    kb.button(text=_("✅ I am back"), callback_data=AwayCb(hours=0))
    kb.adjust(2)
    return kb.as_markup()


@router.message(Command("away"))
async def away(message: Message, me: User) -> None:
    text = _status(me, datetime.now(UTC)) + "\n\n" + _("Going away? Your offers hide until you are back, and show "
                                                         "again by themselves. Business hours: {hours}").format(
        hours=fmt.code("/hours 9-22", lang()))
    await message.answer(text, reply_markup=_keyboard())


@router.callback_query(AwayCb.filter(F.hours >= 0))
async def away_chosen(query: CallbackQuery, callback_data: AwayCb, session: AsyncSession, me: User) -> None:
    now = datetime.now(UTC)
    until = now + timedelta(hours=callback_data.hours) if callback_data.hours else None
    user = await escrow.set_away(session, user_id=me.id, until=until, now=now)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(_status(user, now), reply_markup=_keyboard())


@router.message(Command("hours"))
async def hours(message: Message, command: CommandObject, session: AsyncSession, me: User) -> None:
    """/hours 9-22 (also with Arabic-Indic digits), /hours off."""
    args = normalize(command.args or "").replace(" ", "")
    if args.lower() == "off":
        user = await escrow.set_hours(session, user_id=me.id, open_from=None, open_to=None)
    elif "-" in args and all(part.isdigit() for part in args.split("-", 1)):
        start, end = (int(part) for part in args.split("-", 1))
        user = await escrow.set_hours(session, user_id=me.id, open_from=start, open_to=end)
    else:
        await message.answer(_status(me, datetime.now(UTC)) + "\n\n" + _(
            "Set the hours your offers show, Baghdad time: {example} (from 9:00 to 22:00), or {off}.").format(
            example=fmt.code("/hours 9-22", lang()), off=fmt.code("/hours off", lang())))  # fmt: skip
        return
    await message.answer(_status(user, datetime.now(UTC)))


register_error_texts({
    "maker_away": lambda p: _("The trader of this offer is away right now; try again later."),
    "away_invalid": lambda p: _("This button is no longer active."),
    "hours_invalid": lambda p: _("Hours are whole numbers from 0 to 23, for example /hours 9-22."),
})  # fmt: skip
