"""/cold: the hot and cold wallets (hot, cold, deposit addresses not swept, against what users
own and the hot wallet's target), and refills: the unsigned transaction (a JSON document and a
QR code) for the cold key's holder to sign offline, and the signed one handed back (pasted or as
a .json file), which core checks (core.wallet.cold.submit_refill) before it is broadcast."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from admin_bot import keyboards as kb
from admin_bot import views
from admin_bot.handlers.errors import TYPED, guarded
from admin_bot.keyboards import ColdCb
from core.admin.staff import Permission
from core.config import Settings
from core.money import Asset
from core.users import User
from core.wallet.addressbook import qr_png
from core.wallet.cold import ColdKeeper, open_transfers, unsigned_document
from core.wallet.config import wallet_config
from core.wallet.node import node_from_settings
from core.wallet.report import hot_wallet_report

router = guarded(Router(name="admin_cold"), Permission.RECONCILE)
MAX_SIGNED_BYTES = 64_000  # a signed transfer is about 1 kB


class Refilling(StatesGroup):
    signed = State()  # data: refill_id


@asynccontextmanager
async def keeper_for(settings: Settings) -> AsyncIterator[ColdKeeper | None]:
    """A keeper without the hot key (this process only prepares and hands in refills), or None
    when no node or no cold wallet is configured."""
    node = node_from_settings(settings)
    if node is None:
        yield None
        return
    try:
        config = wallet_config(settings)
        yield ColdKeeper(node, config, None) if config.cold_address and config.hot_address else None
    finally:
        await node.close()


@router.message(Command("cold"))
async def show(message: Message, session: AsyncSession, settings: Settings, i18n: I18n) -> None:
    async with keeper_for(settings) as keeper:
        if keeper is None:
            await message.answer(_("No cold wallet is configured (COLD_WALLET_ADDRESS), or no TRON node."))
            return
        lines = await hot_wallet_report(session, keeper.node, keeper.config, keeper.hot_address, alert=False)
    moving = await open_transfers(session)
    asked = {t.asset for t in moving if t.direction == "in" and t.status in ("requested", "unsigned")}
    short = [str(a.asset) for a in lines if a.refill > 0 or a.asset in asked]
    await message.answer(views.cold_screen(lines, moving, i18n.current_locale), reply_markup=kb.refill_buttons(short))


@router.callback_query(ColdCb.filter(F.action == "prepare"))
async def prepare(
    query: CallbackQuery, callback_data: ColdCb, settings: Settings, state: FSMContext, i18n: I18n,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:  # fmt: skip
    async with keeper_for(settings) as keeper:
        if keeper is None:
            await query.answer(_("No cold wallet is configured (COLD_WALLET_ADDRESS), or no TRON node."), show_alert=True)
            return
        refill = await keeper.prepare_refill(session_factory, Asset(callback_data.asset))
    await state.set_state(Refilling.signed)
    await state.update_data(refill_id=refill.id)
    await query.answer()
    document = unsigned_document(refill)
    assert isinstance(query.message, Message)
    await query.message.answer(views.refill_instructions(refill, i18n.current_locale))
    await query.message.answer_document(
        BufferedInputFile(document.encode(), filename=f"refill-{refill.id}-unsigned.json"),
    )
    compact = document.replace("\n", "").replace(" ", "")
    await query.message.answer_photo(BufferedInputFile(qr_png(compact), filename=f"refill-{refill.id}.png"))


@router.message(Refilling.signed, TYPED | F.document)
async def hand_in(
    message: Message, bot: Bot, me: User, settings: Settings, state: FSMContext, i18n: I18n,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:  # fmt: skip
    refill_id = int((await state.get_data())["refill_id"])
    if message.document is not None:
        if (message.document.file_size or 0) > MAX_SIGNED_BYTES:
            await message.answer(_("That file is too big to be a signed transaction."))
            return
        pasted: str | bytes = (await bot.download(message.document.file_id)).read()  # type: ignore[union-attr]
    else:
        pasted = message.text or ""
    async with keeper_for(settings) as keeper:
        if keeper is None:
            await message.answer(_("No cold wallet is configured (COLD_WALLET_ADDRESS), or no TRON node."))
            return
        refill = await keeper.submit_refill(session_factory, refill_id, pasted, me.id)
    await state.clear()
    await message.answer(views.refill_broadcast(refill, i18n.current_locale))
