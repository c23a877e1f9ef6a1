"""/proof: the trader's inclusion proof in the latest proof of reserves (core.reserves), as a
JSON file they can check with the standalone verifier, with their amounts and the root in words."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.views import reserves as views
from core.reserves.snapshot import my_proof
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
    await message.answer(views.your_proof(mine.snapshot, mine.proof))
    file = BufferedInputFile(document(mine.proof).encode(), filename=f"proof-{mine.snapshot.id}.json")
    await message.answer_document(file)
