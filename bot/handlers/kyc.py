"""Identity verification and limits: /limits shows what the user's level allows and how to raise
it; /verify walks them through sharing their phone (level 1) and sending an ID document and a
selfie for a moderator (level 2). The photos are downloaded here and handed to core as bytes;
core stores them privately."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.keyboards.accounts import VerifyCb, share_contact, verify_cancel, verify_next
from bot.keyboards.menu import back_to_menu
from bot.views import accounts as texts
from core.accounts import kyc
from core.accounts.documents import documents_key
from core.accounts.kyc import MAX_PHOTO_BYTES
from core.accounts.models import KycStatus
from core.config import Settings
from core.errors import DomainError
from core.escrow import limits
from core.users import User

router = Router(name="kyc")


class KycForm(StatesGroup):
    phone = State()
    document = State()
    selfie = State()


@router.message(Command("limits"))
async def limits_command(message: Message, me: User, session: AsyncSession) -> None:
    usage = await limits.usage(session, me)
    await message.answer(texts.limits_view(me.kyc_level, usage))


async def _verify_step(message: Message, me: User, session: AsyncSession, state: FSMContext) -> None:
    if me.kyc_level <= 0:
        await state.set_state(KycForm.phone)
        await message.answer(
            _(
                "<b>Identity verification, step 1 of 2: your phone number</b>\n\n"
                "Press the button below to share the phone number of this Telegram account. "
                "It is used only to verify your account and is never shown to other traders."
            ),
            reply_markup=share_contact(),
        )
        return
    if me.kyc_level >= 2:
        await message.answer(_("Your identity is verified (level 2). See your limits with /limits."))
        return
    latest = await kyc.latest_request(session, me.id)
    if latest is not None and latest.status == KycStatus.PENDING:
        await message.answer(_("Your documents are already with a moderator. We will tell you the result."))
        return
    await state.set_state(KycForm.document)
    await message.answer(
        _(
            "<b>Identity verification, step 2 of 2: your documents</b>\n\n"
            "You will send two photos. Only our moderators see them.\n"
            "1. Your national ID card or passport, all four corners visible and the text readable.\n"
            "2. A selfie holding the same document next to your face.\n\n"
            "Please send the photo of your document now."
        ),
        reply_markup=verify_cancel(),
    )


@router.message(Command("verify"))
async def verify_command(message: Message, me: User, session: AsyncSession, state: FSMContext) -> None:
    await _verify_step(message, me, session, state)


@router.callback_query(VerifyCb.filter(F.action == "start"))
async def verify_button(query: CallbackQuery, me: User, session: AsyncSession, state: FSMContext) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await _verify_step(query.message, me, session, state)


@router.callback_query(VerifyCb.filter(F.action == "cancel"))
async def verify_cancelled(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(
            _("Verification cancelled. You can start again with /verify."), reply_markup=back_to_menu()
        )


def _own_contact(message: Message) -> bool:
    return bool(message.contact and message.from_user and message.contact.user_id == message.from_user.id)


# While /verify waits for the phone every contact is judged (someone else's is refused); at other
# times only the user's own contact is taken here, any other card goes on (e.g. to a trade chat).
@router.message(KycForm.phone, F.contact)
@router.message(F.contact, F.func(_own_contact))
async def contact_shared(message: Message, me: User, session: AsyncSession, state: FSMContext) -> None:
    assert message.contact is not None
    already = me.kyc_level >= 1
    user = await kyc.verify_phone(
        session, user_id=me.id, contact_user_id=message.contact.user_id, phone=message.contact.phone_number
    )
    me.kyc_level = user.kyc_level
    if await state.get_state() == KycForm.phone.state:
        await state.clear()
    if already:
        await message.answer(_("Thank you, your phone number is updated."), reply_markup=ReplyKeyboardRemove())
        return
    await message.answer(
        _("Thank you, your phone number is verified. You are now at level 1 and your limits are higher."),
        reply_markup=ReplyKeyboardRemove(),
    )
    await message.answer(
        _("Next step, for the highest limits: verify your identity with a photo of your ID card and a selfie."),
        reply_markup=verify_next(),
    )


def _photo_file(message: Message) -> tuple[str, int | None] | None:
    """The file id (and size) of a photo, or of an image sent as a file."""
    if message.photo:
        best = message.photo[-1]
        return best.file_id, best.file_size
    if message.document and (message.document.mime_type or "").startswith("image/"):
        return message.document.file_id, message.document.file_size
    return None


async def _photo_or_refuse(message: Message) -> str | None:
    found = _photo_file(message)
    if found is None:
        await message.answer(_("Please send a photo (not text or another kind of file)."),
                             reply_markup=verify_cancel())
        return None
    file_id, size = found
    if size is not None and size > MAX_PHOTO_BYTES:
        raise DomainError("photo_too_large", max_bytes=MAX_PHOTO_BYTES)
    return file_id


@router.message(KycForm.document, ~F.text.startswith("/"))
async def document_photo(message: Message, state: FSMContext) -> None:
    file_id = await _photo_or_refuse(message)
    if file_id is None:
        return
    await state.update_data(kyc_document=file_id)
    await state.set_state(KycForm.selfie)
    await message.answer(
        _("Thank you. Now send a selfie holding the same document next to your face."),
        reply_markup=verify_cancel(),
    )


async def _download(bot: Bot, file_id: str) -> bytes:
    buffer = await bot.download(file_id)
    assert buffer is not None
    return buffer.read()


@router.message(KycForm.selfie, ~F.text.startswith("/"))
async def selfie_photo(
    message: Message, me: User, session: AsyncSession, state: FSMContext, bot: Bot, settings: Settings
) -> None:
    file_id = await _photo_or_refuse(message)
    if file_id is None:
        return
    data = await state.get_data()
    document_id = data.get("kyc_document")
    if not document_id:
        await state.set_state(KycForm.document)
        await message.answer(_("Please send the photo of your document first."), reply_markup=verify_cancel())
        return
    document = await _download(bot, str(document_id))
    selfie = await _download(bot, file_id)
    await kyc.submit_documents(session, user_id=me.id, document=document, selfie=selfie,
                               key=documents_key(settings))
    await state.clear()
    await message.answer(
        _(
            "Thank you, your documents were sent to our moderators. "
            "We will tell you here as soon as they are reviewed, usually within a day."
        )
    )
