"""Chat evidence: every message or photo relayed between the parties of a trade is stored.

The bot relays the message itself (copy_message) and calls ``add_message`` in the same handler.
A photo or file whose Telegram ``file_unique_id`` was already sent in ANOTHER trade (a recycled
payment receipt) is flagged: the result says so, and the counterpart and the admins are told
through the outbox. What a party writes in the app goes through ``send_message``, which stores
it the same way and has the outbox relay it (an uploaded photo is judged by a fingerprint of its
bytes: see there).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core import events, outbox
from core.errors import DomainError
from core.escrow.models import Trade, TradeMessage

TEXT_MAX = 4096
KINDS = ("text", "photo", "document", "receipt")


@dataclass(frozen=True)
class MessageResult:
    message: TradeMessage
    reused_in: tuple[int, ...]  # other trades where the same file was sent before

    @property
    def reused(self) -> bool:
        return bool(self.reused_in)


async def record_message(
    session: AsyncSession,
    trade: Trade,
    *,
    sender_id: int,
    kind: str,
    text: str | None = None,
    file_id: str | None = None,
    file_unique_id: str | None = None,
) -> MessageResult:
    """Store one message of ``trade`` (the caller checked the sender); flags a reused file."""
    if kind not in KINDS:
        raise ValueError(f"unknown message kind {kind!r}")
    reused_in: tuple[int, ...] = ()
    if file_unique_id:
        # Serialise per file so that two trades sending the same file at once still see each other.
        await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(file_unique_id))))
        rows = await session.execute(
            select(TradeMessage.trade_id)
            .where(TradeMessage.file_unique_id == file_unique_id, TradeMessage.trade_id != trade.id)
            .distinct()
            .order_by(TradeMessage.trade_id)
        )
        reused_in = tuple(rows.scalars())
    message = TradeMessage(
        trade_id=trade.id,
        sender_id=sender_id,
        kind=kind,
        text=text,
        file_id=file_id,
        file_unique_id=file_unique_id,
        reused=bool(reused_in),
    )
    session.add(message)
    await session.flush()
    if reused_in:
        reused = events.TradeFileReused(trade_id=trade.id, message_id=message.id, sender_id=sender_id, kind=kind,
                                        file_id=file_id, other_trade_ids=tuple(reused_in))
        outbox.emit(session, reused, [outbox.user(trade.counterpart(sender_id)), outbox.ADMINS])
    return MessageResult(message, reused_in)


async def add_message(
    session: AsyncSession,
    *,
    trade_id: int,
    sender_id: int,
    text: str | None = None,
    file_id: str | None = None,
    file_unique_id: str | None = None,
    kind: str | None = None,
) -> MessageResult:
    """Store a relayed message of a trade party (text, or a photo/document with its file ids).

    ``kind`` defaults to "photo" when a file is given, else "text". Raises DomainError
    ``trade_not_found``, ``not_party``, ``message_empty``, ``message_too_long``.
    """
    trade = await _writable(session, trade_id, sender_id, text, file_id)
    return await record_message(
        session,
        trade,
        sender_id=sender_id,
        kind=kind or ("photo" if file_id else "text"),
        text=text,
        file_id=file_id,
        file_unique_id=file_unique_id,
    )


async def _writable(session: AsyncSession, trade_id: int, sender_id: int, text: str | None,
                    file_id: str | None) -> Trade:  # fmt: skip
    """The trade ``sender_id`` may write this message in (add_message's refusals)."""
    trade = await session.get(Trade, trade_id)
    if trade is None:
        raise DomainError("trade_not_found", trade_id=trade_id)
    if sender_id not in trade.party_ids():
        raise DomainError("not_party", trade_id=trade_id)
    if not (text and text.strip()) and not file_id:
        raise DomainError("message_empty", trade_id=trade_id)
    if text is not None and len(text) > TEXT_MAX:
        raise DomainError("message_too_long", max=TEXT_MAX, length=len(text))
    return trade


async def messages(session: AsyncSession, trade_id: int) -> list[TradeMessage]:
    """The stored conversation of a trade, oldest first (evidence for disputes)."""
    rows = await session.execute(
        select(TradeMessage).where(TradeMessage.trade_id == trade_id).order_by(TradeMessage.id)
    )
    return list(rows.scalars())


async def send_message(session: AsyncSession, *, trade_id: int, sender_id: int, text: str | None,
                       file_id: str | None = None, file_unique_id: str | None = None) -> MessageResult:  # fmt: skip
    """A message written outside the bot (the app): a text, or a photo (``file_id``, a file of the
    traders' bot) with ``text`` as its optional caption. Stored as ``add_message`` stores it and
    relayed to the counterpart through the outbox (events.TradeChatMessage), queued before a
    reuse warning so that the photo arrives first.

    Reuse is judged by ``file_unique_id``. Telegram gives every upload a new one, so for a photo
    uploaded from the app the caller passes a fingerprint of its bytes instead (the API's
    ``"sha256:…"``): the same receipt uploaded in two trades is then flagged like a photo the bot
    received twice (events.TradeFileReused to the counterpart and the admins). Raises what
    ``add_message`` raises."""
    trade = await _writable(session, trade_id, sender_id, text, file_id)
    role = "buyer" if sender_id == trade.buyer_id else "seller"
    relayed = events.TradeChatMessage(trade_id=trade_id, sender_role=role, text=text or "", file_id=file_id)
    outbox.emit(session, relayed, [outbox.user(trade.counterpart(sender_id))])
    return await record_message(session, trade, sender_id=sender_id, kind="photo" if file_id else "text", text=text,
                                file_id=file_id, file_unique_id=file_unique_id)  # fmt: skip
