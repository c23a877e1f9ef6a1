"""Internal transfers: a user sends USDT or TRX to another user, instantly, free and off-chain,
as one ledger entry (kind "transfer") from the sender's available balance to the recipient's.
Both see it in their statement (core.ledger.statement): the entry's memo carries who, to whom
and the note.

With «saved addresses only» on, a transfer goes only to a saved recipient, after the same
cooling-off as a new withdrawal address (the rule is core.wallet.whitelist's, shared with
withdrawals): otherwise an intruder would move the coins to an account of their own and
withdraw from there.

The bot shows ``prepare(...)`` on a confirmation screen with a fresh token, then calls
``send(..., token=...)``: the token is the idempotency key, so a double press moves the coins once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core import events, outbox
from core.errors import DomainError, InsufficientFunds
from core.escrow import limits
from core.ledger import AccountRef, balance, transfer
from core.ledger.models import LedgerEntry
from core.money import Asset
from core.users import User, by_username
from core.wallet import whitelist

KIND = limits.TRANSFER_KIND
MAX_NOTE = 140
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,40}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class TransferDraft:
    sender: User
    recipient: User
    asset: Asset
    amount: int
    note: str | None


@dataclass(frozen=True)
class TransferResult:
    entry_id: int
    created: bool  # False: this token was sent before; nothing moved this time
    draft: TransferDraft


async def find_recipient(session: AsyncSession, query: str) -> User:
    """A registered user by @username or numeric Telegram id."""
    query = query.strip()
    user: User | None = None
    if query.lstrip("-").isdigit():
        user = await session.get(User, int(query))
    elif re.fullmatch(r"@?[A-Za-z0-9_]{3,32}", query):
        user = await by_username(session, query)
    if user is None:
        raise DomainError("recipient_not_found", query=query[:40])
    return user


async def choose_recipient(session: AsyncSession, sender_id: int, query: str) -> User:
    """The recipient the sender typed, if a transfer to them is allowed (not oneself, saved
    when the sender's transfers go only to saved recipients)."""
    recipient = await find_recipient(session, query)
    if recipient.id == sender_id:
        raise DomainError("transfer_to_self")
    await whitelist.check_recipient(session, sender_id, recipient)
    return recipient


def clean_note(note: str | None) -> str | None:
    if note is None:
        return None
    note = _CONTROL.sub(" ", note).strip()
    if len(note) > MAX_NOTE:
        raise DomainError("note_too_long", max_length=MAX_NOTE)
    return note or None


async def prepare(
    session: AsyncSession,
    *,
    sender_id: int,
    recipient_id: int,
    asset: Asset,
    amount: int,
    note: str | None = None,
    now: datetime | None = None,
) -> TransferDraft:
    """Check a transfer without moving anything (the confirmation screen): not frozen, not to
    oneself, to a saved recipient when required, a positive amount, the balance and the daily
    transfer limit."""
    if type(amount) is not int:
        raise TypeError("amount must be an int of micro units")
    asset = Asset(asset)
    sender = await session.get(User, sender_id)
    recipient = await session.get(User, recipient_id)
    if sender is None or recipient is None:
        raise DomainError("recipient_not_found", query=str(recipient_id))
    if sender.is_banned:
        raise DomainError("account_frozen")
    if sender_id == recipient_id:
        raise DomainError("transfer_to_self")
    await whitelist.check_recipient(session, sender_id, recipient)
    if amount <= 0:
        raise DomainError("amount_not_positive")
    note = clean_note(note)
    available = await balance(session, AccountRef.user(sender_id), asset)
    if amount > available:
        raise InsufficientFunds(asset=str(asset), needed=amount, available=available)
    limit = limits.limits_for(sender.kyc_level).daily_transfer[asset]
    used = await limits.transferred_today(session, sender_id, asset, now)
    if used + amount > limit:
        raise limits.refusal("daily_transfer", sender.kyc_level, asset, limit, used)
    return TransferDraft(sender, recipient, asset, amount, note)


async def send(
    session: AsyncSession,
    *,
    sender_id: int,
    recipient_id: int,
    asset: Asset,
    amount: int,
    token: str,
    note: str | None = None,
    now: datetime | None = None,
) -> TransferResult:
    """Move the coins (checks again, under the sender's limit lock) and tell the recipient
    (events.TransferReceived). Raises what ``prepare`` raises; InsufficientFunds writes nothing."""
    if not _TOKEN.match(token):
        raise ValueError("token must be 8-40 characters of [A-Za-z0-9_-]")
    key = f"transfer:{sender_id}:{token}"
    await limits.lock_transfers(session, sender_id)  # a double press waits here, then sees the first
    done = await session.scalar(select(LedgerEntry.id).where(LedgerEntry.key == key))
    if done is not None:
        sender = await session.get(User, sender_id)
        recipient = await session.get(User, recipient_id)
        assert sender is not None and recipient is not None
        return TransferResult(done, False, TransferDraft(sender, recipient, Asset(asset), amount, clean_note(note)))
    draft = await prepare(
        session, sender_id=sender_id, recipient_id=recipient_id, asset=asset, amount=amount, note=note, now=now
    )
    await limits.check_transfer(session, draft.sender, asset=draft.asset, amount=amount, now=now)
    received = events.TransferReceived(
        asset=str(draft.asset), amount=amount, from_id=sender_id, from_name=draft.sender.display_name,
        to_id=recipient_id, to_name=draft.recipient.display_name, note=draft.note,
    )  # fmt: skip
    memo = {"from_id": sender_id, "from_name": received.from_name, "to_id": recipient_id, "to_name": received.to_name,
            "note": draft.note}  # fmt: skip
    result = await transfer(
        session,
        kind=KIND,
        key=key,
        src=AccountRef.user(sender_id),
        dst=AccountRef.user(recipient_id),
        asset=draft.asset,
        amount=amount,
        ref=f"transfer:{token}"[:64],
        memo=memo,
    )
    if result.created:
        outbox.emit(session, received, [outbox.user(recipient_id)])
    return TransferResult(result.entry_id, result.created, draft)
