"""The trader's trusted list (issue 22): /trusted shows it, /trust <nickname> adds a trader,
/untrust <nickname> removes one. Offers "for my trusted traders only" are listed to these and to
the traders one completed a trade with."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from botkit import fmt
from botkit.errors import register_error_texts
from botkit.i18n import lang
from core import escrow
from core.users import User

router = Router(name="trusted")


def _how(lg: str) -> str:
    return _("Add a trader: {trust} nickname · remove one: {untrust} nickname").format(
        trust=fmt.code("/trust", lg), untrust=fmt.code("/untrust", lg))


@router.message(Command("trusted"))
async def show(message: Message, session: AsyncSession, me: User) -> None:
    added, traded = await escrow.trusted_list(session, me.id)
    lg = lang()
    lines = [_("<b>🤝 Your trusted traders</b>"),
             _("Traders you completed a trade with: {n}").format(n=fmt.number(traded, lg))]  # fmt: skip
    if added:
        names = ", ".join(fmt.isolate(fmt.escape(u.nickname or str(u.id))) for u in added)
        lines.append(_("Added by you: {names}").format(names=names))
    lines += ["", _how(lg)]
    await message.answer("\n".join(lines))


@router.message(Command("trust"))
async def add(message: Message, command: CommandObject, session: AsyncSession, me: User) -> None:
    if not (command.args or "").strip():
        await message.answer(_how(lang()))
        return
    other = await escrow.trust(session, user_id=me.id, nickname=command.args or "")
    await message.answer(_("✅ {name} is now one of your trusted traders.").format(
        name=fmt.isolate(fmt.escape(other.nickname or ""))))


@router.message(Command("untrust"))
async def remove(message: Message, command: CommandObject, session: AsyncSession, me: User) -> None:
    if not (command.args or "").strip():
        await message.answer(_how(lang()))
        return
    other = await escrow.untrust(session, user_id=me.id, nickname=command.args or "")
    await message.answer(_("{name} is no longer on your list (a trader you completed a trade with stays "
                           "trusted).").format(name=fmt.isolate(fmt.escape(other.nickname or ""))))


register_error_texts({
    "nickname_unknown": lambda p: _("No trader has that nickname."),
    "trust_self": lambda p: _("You cannot add yourself."),
})  # fmt: skip
