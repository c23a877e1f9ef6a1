"""The trade chat: while a trade is open, what a party writes to the bot (text, photos,
documents) is relayed to the counterpart, marked with the trade and without names or ids, and
stored as evidence (core add_message; a photo already sent in another trade is flagged by core
to the counterpart and the admins). In a dispute it is also added to the party's statement.

Which trade, when a user has several open: the one they last opened or acted on (its card's
buttons set it), if still open; otherwise the most recent open trade. The sender is told which
trade got the message whenever they have more than one open, with a button to pick another.
What does not fit in one message with the header (Telegram: 4,096 characters, 1,024 under a
photo) arrives in several, each with the header: nothing the sender wrote is lost.
Commands and messages while another conversation (a form) waits for input are not relayed.
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.keyboards import trades as kb
from botkit import fmt
from botkit.i18n import lang, translate
from core import escrow, users
from core.escrow import Trade
from core.users import User

router = Router(name="chat")


def _pick(trades: list[Trade], preferred: object) -> Trade:
    for trade in trades:
        if trade.id == preferred:
            return trade
    return trades[0]  # newest first


def _header(trade: Trade, sender_id: int, language: str) -> str:
    if sender_id == trade.buyer_id:
        return translate(language, "💬 Trade #{id} · the buyer writes:", id=trade.id)
    return translate(language, "💬 Trade #{id} · the seller writes:", id=trade.id)


def _bodies(header: str, text: str | None, *, caption: bool) -> list[str]:
    """The header and the sender's text, in as many messages as Telegram's limits need (the
    first is the caption of a photo or file). The plain text is cut first and escaped after, so
    a cut never lands inside an escape and an escaped ``&`` does not count as five."""
    if not text:
        return [header]
    room = fmt.utf16_len(header) + 1  # the header and its line break come first in every piece
    first = (fmt.CAPTION_LIMIT if caption else fmt.TEXT_LIMIT) - room
    return [f"{header}\n{fmt.escape(piece)}" for piece in fmt.split(text, first, fmt.TEXT_LIMIT - room)]


@router.message(StateFilter(None), (F.text & ~F.text.startswith("/")) | F.photo | F.document)
async def relay(message: Message, state: FSMContext, session: AsyncSession, me: User, bot: Bot) -> None:
    trades = await escrow.my_trades(session, me.id, open_only=True)
    if not trades:
        raise SkipHandler()  # not in a trade: the fallback answers
    trade = _pick(trades, (await state.get_data()).get("chat_trade_id"))
    photo = message.photo[-1] if message.photo else None
    document = message.document
    file = photo or document
    text = message.text or message.caption
    await escrow.add_message(
        session, trade_id=trade.id, sender_id=me.id, text=text,
        file_id=file.file_id if file else None, file_unique_id=file.file_unique_id if file else None,
        kind="document" if document else None,
    )  # fmt: skip
    if trade.status == escrow.TradeStatus.DISPUTED:
        await escrow.add_statement(session, trade_id=trade.id, author_id=me.id, text=text,
                                   file_id=file.file_id if file else None)
    counterpart_id = trade.counterpart(me.id)
    counterpart = await users.get(session, counterpart_id)
    language = (counterpart.language if counterpart else None) or "ar"
    header = _header(trade, me.id, language)
    reply = kb.trades_list([(trade.id, translate(language, "Open trade #{id}", id=trade.id))])
    bodies = _bodies(header, text, caption=file is not None)
    try:
        for n, body in enumerate(bodies):
            markup = reply if n == len(bodies) - 1 else None  # the button under the last piece
            if n == 0 and photo is not None:
                await bot.send_photo(counterpart_id, photo.file_id, caption=body, reply_markup=markup)
            elif n == 0 and document is not None:
                await bot.send_document(counterpart_id, document.file_id, caption=body, reply_markup=markup)
            else:
                await bot.send_message(counterpart_id, body, reply_markup=markup)
    except (TelegramForbiddenError, TelegramBadRequest):
        await message.answer(_("Saved in trade #{id}, but the other side cannot receive messages from the bot "
                               "right now.").format(id=trade.id))
        return
    if len(trades) > 1:
        others = [(t.id, _("Write in trade #{id} instead").format(id=t.id)) for t in trades if t.id != trade.id]
        await message.answer(_("Sent to the other side of trade #{id} (you have {trades}).").format(
            id=trade.id, trades=fmt.open_trades(len(trades), lang())), reply_markup=kb.trades_list(others))
