"""/proof: the trader's inclusion proof in the latest proof of reserves (core.reserves), as a
JSON file they can check with the standalone verifier (a button hands it out), with their amounts
and the root in words."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.keyboards.reserves import VerifierCb, verifier_button
from bot.views import reserves as views
from core.reserves.snapshot import my_proof, verifier_file
from core.reserves.tree import document
from core.users import User

router = Router(name="proof")


@router.message(Command("proof"))
async def proof(message: Message, session: AsyncSession, me: User) -> None:
    mine = await my_proof(session, me.id)
    if mine.snapshot is None:
        await message.answer(views.no_snapshot())
        return
    if mine.proof is None:
        await message.answer(views.nothing_owed(mine.snapshot))
        return
    await message.answer(views.your_proof(mine.snapshot, mine.proof), reply_markup=verifier_button())
    file = BufferedInputFile(document(mine.proof).encode(), filename=f"proof-{mine.snapshot.id}.json")
    await message.answer_document(file)


@router.callback_query(VerifierCb.filter())
async def verifier(query: CallbackQuery) -> None:
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer_document(BufferedInputFile(verifier_file(), filename="verify_reserves.py"))
