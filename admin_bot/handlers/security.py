"""/security for staff: the second factor, which approving a withdrawal past the two-admin
threshold needs (core.admin.actions.approve_withdrawal). The same factor as in the traders' bot
(staff are users rows): turned on here or there, with a QR code and a first code, recovery codes
shown once; switching it off is the traders' bot's /security (a code and a cooling-off)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from admin_bot import keyboards as kb
from admin_bot.handlers.errors import TYPED, guarded
from botkit.second_factor_texts import enrol, read_code, recovery
from core.accounts import second_factor
from core.admin.staff import Permission
from core.config import Settings
from core.users import User
from core.wallet import qr_png

router = guarded(Router(name="admin_security"), Permission.VIEW)


class Enrolling(StatesGroup):
    first_code = State()


@router.message(Command("security"))
async def security(message: Message, session: AsyncSession, staff_id: int) -> None:
    on = await second_factor.is_on(session, staff_id)
    text = (
        _("Your second factor is on: approving a withdrawal that needs two admins asks for its code.")
        if on
        else _("Your second factor is off. Turn it on to approve withdrawals that need two admins.")
    )
    await message.answer(text, reply_markup=kb.staff_security(on))


@router.callback_query(kb.StaffSecurityCb.filter(F.action == "on"))
async def turn_on(query: CallbackQuery, me: User, session: AsyncSession, state: FSMContext, settings: Settings,
                  staff_id: int) -> None:  # fmt: skip
    name = f"@{me.username}" if me.username else (me.first_name or str(staff_id))
    enrolment = await second_factor.begin(session, second_factor.service_key(settings), staff_id, name)
    await state.set_state(Enrolling.first_code)
    await query.answer()
    await query.bot.send_photo(  # type: ignore[union-attr]
        staff_id, BufferedInputFile(qr_png(enrolment.uri), filename="second-factor.png"),
        caption=enrol(enrolment.secret),
    )  # fmt: skip


@router.message(Enrolling.first_code, TYPED)
async def first_code(message: Message, session: AsyncSession, state: FSMContext, settings: Settings,
                     staff_id: int) -> None:  # fmt: skip
    codes = await second_factor.confirm(session, second_factor.service_key(settings), staff_id, read_code(message.text))
    await state.clear()
    await message.answer(recovery(codes))
