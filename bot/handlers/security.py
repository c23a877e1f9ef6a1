"""/security (also ⚙️ Settings → 🛡 Security): the second factor (turn on with a QR code and a
first code, recovery codes shown once; turn off with a code and a cooling-off, cancellable) and
the anti-phishing code. The rules are core.accounts.second_factor's; this module asks and shows."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.keyboards.security import SecurityCb, back_to_security, security_cancel, security_home
from bot.views import security as views
from botkit import fmt
from botkit.i18n import lang
from botkit.second_factor_texts import account_label, code_prompt, read_code
from core.accounts import second_factor
from core.config import Settings
from core.users import User
from core.wallet import qr_png

router = Router(name="security")


class SecurityForm(StatesGroup):
    first_code = State()  # enrolment: the app's first code
    off_code = State()  # switching off: a code
    phrase = State()  # the anti-phishing code


def proof(text: str | None, settings: Settings) -> second_factor.Proof:
    """A typed code for core (Arabic-Indic digits made Latin)."""
    return second_factor.Proof(read_code(text), second_factor.service_key(settings))


async def _home(target: Message, me: User, session: AsyncSession, *, edit: bool) -> None:
    status = await second_factor.status(session, me.id)
    phrase = await second_factor.phrase_of(session, me.id)
    text = views.home(status, phrase)
    markup = security_home(status.enabled, status.off_at is not None, phrase is not None)
    if edit and target.photo is None:
        try:
            await target.edit_text(text, reply_markup=markup)
            return
        except TelegramBadRequest as exc:
            if "not modified" in exc.message:
                return
    await target.answer(text, reply_markup=markup)


async def _leave_form(state: FSMContext) -> None:
    if (await state.get_state() or "").startswith("SecurityForm"):
        await state.clear()


@router.message(Command("security"))
async def security_command(message: Message, me: User, session: AsyncSession, state: FSMContext) -> None:
    await _leave_form(state)
    await _home(message, me, session, edit=False)


@router.callback_query(SecurityCb.filter(F.action.in_({"home", "cancel"})))
async def security_pressed(query: CallbackQuery, me: User, session: AsyncSession, state: FSMContext) -> None:
    await _leave_form(state)
    await query.answer()
    if isinstance(query.message, Message):
        await _home(query.message, me, session, edit=True)


# --- turning on -----------------------------------------------------------------------------------


@router.callback_query(SecurityCb.filter(F.action == "on"))
async def turn_on(query: CallbackQuery, me: User, session: AsyncSession, state: FSMContext,
                  settings: Settings) -> None:  # fmt: skip
    enrolment = await second_factor.begin(session, second_factor.service_key(settings), me.id, account_label(me))
    await state.set_state(SecurityForm.first_code)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer_photo(
            BufferedInputFile(qr_png(enrolment.uri), filename="second-factor.png"),
            caption=views.enrol(enrolment.secret),
            reply_markup=security_cancel(),
        )


@router.message(SecurityForm.first_code, F.text, ~F.text.startswith("/"))
async def first_code(message: Message, me: User, session: AsyncSession, state: FSMContext,
                     settings: Settings) -> None:  # fmt: skip
    codes = await second_factor.confirm(session, second_factor.service_key(settings), me.id, read_code(message.text))
    await state.clear()
    await message.answer(views.recovery(codes), reply_markup=back_to_security())


# --- turning off ----------------------------------------------------------------------------------


@router.callback_query(SecurityCb.filter(F.action == "off"))
async def turn_off(query: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(SecurityForm.off_code)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(
            _("Turning the second factor off takes effect after 24 hours, for your safety; you can keep it on "
              "meanwhile.") + "\n\n" + code_prompt(),
            reply_markup=security_cancel(),
        )  # fmt: skip


@router.message(SecurityForm.off_code, F.text, ~F.text.startswith("/"))
async def off_code(message: Message, me: User, session: AsyncSession, state: FSMContext,
                   settings: Settings) -> None:  # fmt: skip
    off_at = await second_factor.request_off(session, me.id, proof(message.text, settings))
    await state.clear()
    await message.answer(
        _("⏳ Your second factor turns off on {time}. Until then codes are still asked. Changed your mind? "
          "Press «Keep the second factor on».").format(time=fmt.datetime(off_at, lang())),
        reply_markup=back_to_security(),
    )  # fmt: skip


@router.callback_query(SecurityCb.filter(F.action == "keep"))
async def keep_on(query: CallbackQuery, me: User, session: AsyncSession) -> None:
    await second_factor.cancel_off(session, me.id)
    await query.answer(_("Your second factor stays on."))
    if isinstance(query.message, Message):
        await _home(query.message, me, session, edit=True)


# --- the anti-phishing code -----------------------------------------------------------------------


@router.callback_query(SecurityCb.filter(F.action == "phrase"))
async def phrase_pressed(query: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(SecurityForm.phrase)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(views.phrase_prompt(), reply_markup=security_cancel())


@router.message(SecurityForm.phrase, F.text, ~F.text.startswith("/"))
async def phrase_given(message: Message, me: User, session: AsyncSession, state: FSMContext) -> None:
    phrase = await second_factor.set_phrase(session, me.id, message.text)
    await state.clear()
    await message.answer(
        _("✅ Your anti-phishing code is {phrase}. Every message from us about your money starts with it.").format(
            phrase=f"<b>{fmt.isolate(fmt.escape(phrase))}</b>"),
        reply_markup=back_to_security(),
    )  # fmt: skip


@router.callback_query(SecurityCb.filter(F.action == "phrase_clear"))
async def phrase_cleared(query: CallbackQuery, me: User, session: AsyncSession) -> None:
    await second_factor.clear_phrase(session, me.id)
    await query.answer(_("Anti-phishing code removed."))
    if isinstance(query.message, Message):
        await _home(query.message, me, session, edit=True)
