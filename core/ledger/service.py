"""The ledger's service API. Every function takes the caller's AsyncSession and works inside
the caller's transaction: the ledger never begins or commits one, so a trade's state change
and its money move commit together (or not at all).

Posting an entry is one round trip: the plpgsql function ledger_post() (migration 0002)
creates missing accounts, locks the accounts in id order, checks funds and idempotency, and
writes the entry, its postings and the new balances.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InsufficientFunds
from core.ledger.errors import IdempotencyConflict, UnbalancedEntry
from core.ledger.models import LedgerAccount, LedgerEntry, LedgerPosting
from core.ledger.types import AccountRef, EntryResult, Posting, Purpose, StatementLine, UserBalances
from core.money import Asset

MALFORMED_SQLSTATE = "KX001"

_POST = text(
    "SELECT o_entry_id, o_status, o_asset, o_needed, o_available FROM ledger_post("
    ":kind, :key, :ref, :memo, :fingerprint, :owner_kinds, :owner_ids, :purposes, :assets, "
    ":user_ids, :amounts)"
)


def _merge(postings: Sequence[Posting]) -> dict[tuple[AccountRef, Asset], int]:
    """Postings to the same account and asset are added up; lines that net to zero vanish."""
    net: dict[tuple[AccountRef, Asset], int] = {}
    for posting in postings:
        amount = posting.amount
        if type(amount) is not int:  # no float (or bool) touches money
            raise TypeError(f"amount must be an int of micro units, not {type(amount).__name__}")
        line = (posting.account, Asset(posting.asset))
        net[line] = net.get(line, 0) + amount
    return {line: amount for line, amount in net.items() if amount != 0}


def _check_balanced(lines: dict[tuple[AccountRef, Asset], int]) -> None:
    if len(lines) < 2:
        raise UnbalancedEntry(reason="fewer than two postings")
    per_asset: dict[Asset, int] = defaultdict(int)
    for (_, asset), amount in lines.items():
        per_asset[asset] += amount
    for asset, total in per_asset.items():
        if total != 0:
            raise UnbalancedEntry(asset=asset, difference=total)


def _fingerprint(kind: str, lines: dict[tuple[AccountRef, Asset], int]) -> str:
    canonical = sorted(
        f"{acc.owner_kind}:{acc.owner_id}:{acc.purpose}:{asset}:{amount}"
        for (acc, asset), amount in lines.items()
    )
    return hashlib.sha256("\n".join([kind, *canonical]).encode()).hexdigest()


async def post_entry(
    session: AsyncSession,
    *,
    kind: str,
    key: str,
    postings: Sequence[Posting],
    ref: str | None = None,
    memo: dict[str, Any] | None = None,
) -> EntryResult:
    """Post one balanced journal entry, or replay it: the same ``key`` again returns the first
    result and moves nothing; the same key with other postings or kind raises
    IdempotencyConflict. Raises InsufficientFunds (nothing written; the transaction stays
    usable) if an account that may not go negative would, UnbalancedEntry if the postings do
    not sum to zero per asset. ``ref`` and ``memo`` are kept with the entry but are not part
    of its identity: a replay with another memo is still a replay.
    """
    if not kind or len(kind) > 32:
        raise ValueError("kind must be 1..32 characters")
    if not key or len(key) > 200:
        raise ValueError("key must be 1..200 characters")
    if ref is not None and len(ref) > 64:
        raise ValueError("ref must be at most 64 characters")
    lines = _merge(postings)
    _check_balanced(lines)
    accounts = [acc for acc, _ in lines]
    params = {
        "kind": kind,
        "key": key,
        "ref": ref,
        # Decimals (prices, fiat totals) are kept as their exact text.
        "memo": None if memo is None else json.dumps(memo, ensure_ascii=False, sort_keys=True, default=str),
        "fingerprint": _fingerprint(kind, lines),
        "owner_kinds": [acc.owner_kind for acc in accounts],
        "owner_ids": [acc.owner_id for acc in accounts],
        "purposes": [str(acc.purpose) for acc in accounts],
        "assets": [str(asset) for _, asset in lines],
        "user_ids": [acc.user_id for acc in accounts],
        "amounts": list(lines.values()),
    }
    try:
        row = (await session.execute(_POST, params)).one()
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == MALFORMED_SQLSTATE:
            raise UnbalancedEntry(reason="refused by the database") from exc
        raise
    entry_id, status, asset, needed, available = row
    if status == "created":
        return EntryResult(entry_id, True)
    if status == "replay":
        return EntryResult(entry_id, False)
    if status == "conflict":
        raise IdempotencyConflict(key=key, entry_id=entry_id)
    if status == "insufficient":
        raise InsufficientFunds(asset=Asset(asset), needed=needed, available=available)
    raise RuntimeError(f"ledger_post answered {status!r}")


async def transfer(
    session: AsyncSession,
    *,
    kind: str,
    key: str,
    src: AccountRef,
    dst: AccountRef,
    asset: Asset,
    amount: int,
    ref: str | None = None,
    memo: dict[str, Any] | None = None,
) -> EntryResult:
    """Move ``amount`` (> 0) of ``asset`` from ``src`` to ``dst`` as one entry."""
    if type(amount) is not int:
        raise TypeError("amount must be an int of micro units")
    if amount <= 0:
        raise ValueError("amount must be positive")
    if src == dst:
        raise ValueError("source and destination are the same account")
    postings = [Posting(src, asset, -amount), Posting(dst, asset, amount)]
    return await post_entry(session, kind=kind, key=key, postings=postings, ref=ref, memo=memo)


def _is(account: AccountRef, asset: Asset) -> Any:
    return and_(
        LedgerAccount.owner_kind == account.owner_kind,
        LedgerAccount.owner_id == account.owner_id,
        LedgerAccount.purpose == str(account.purpose),
        LedgerAccount.asset == str(Asset(asset)),
    )


async def balance(session: AsyncSession, account: AccountRef, asset: Asset) -> int:
    """The account's balance in micro units (0 if it was never used)."""
    value = await session.scalar(select(LedgerAccount.balance).where(_is(account, asset)))
    return int(value or 0)


_USER_FIELDS = {
    Purpose.AVAILABLE: "available",
    Purpose.RESERVE: "in_offers",
    Purpose.ESCROW: "in_escrow",
    Purpose.HOLD: "in_withdrawals",
}


async def user_balances(session: AsyncSession, user_id: int) -> dict[Asset, UserBalances]:
    """Everything a user owns, per asset: available, locked in offers, in escrow (as seller)
    and held for withdrawals. Every asset is present (zeros for an unused one)."""
    rows = await session.execute(
        select(LedgerAccount.purpose, LedgerAccount.asset, func.sum(LedgerAccount.balance))
        .where(LedgerAccount.user_id == user_id, LedgerAccount.owner_kind != "platform")
        .group_by(LedgerAccount.purpose, LedgerAccount.asset)
    )
    totals: dict[Asset, dict[str, int]] = {asset: {} for asset in Asset}
    for purpose, asset, total in rows:
        name = _USER_FIELDS.get(Purpose(purpose))
        if name is not None:
            totals[Asset(asset)][name] = totals[Asset(asset)].get(name, 0) + int(total)
    return {asset: UserBalances(**fields) for asset, fields in totals.items()}


async def statement(
    session: AsyncSession,
    user_id: int,
    *,
    asset: Asset | None = None,
    limit: int = 10,
    before_entry_id: int | None = None,
) -> list[StatementLine]:
    """The entries that changed the user's available balance, newest first. Page with
    ``before_entry_id`` = the last line's entry_id."""
    query = (
        select(
            LedgerEntry.id,
            LedgerEntry.kind,
            LedgerEntry.ref,
            LedgerAccount.asset,
            LedgerPosting.amount,
            LedgerEntry.memo,
            LedgerEntry.created_at,
        )
        .join(LedgerPosting, LedgerPosting.account_id == LedgerAccount.id)
        .join(LedgerEntry, LedgerEntry.id == LedgerPosting.entry_id)
        .where(
            LedgerAccount.owner_kind == "user",
            LedgerAccount.owner_id == user_id,
            LedgerAccount.purpose == str(Purpose.AVAILABLE),
        )
        .order_by(LedgerPosting.entry_id.desc(), LedgerAccount.asset)
        .limit(limit)
    )
    if asset is not None:
        query = query.where(LedgerAccount.asset == str(Asset(asset)))
    if before_entry_id is not None:
        query = query.where(LedgerPosting.entry_id < before_entry_id)
    rows = await session.execute(query)
    return [
        StatementLine(entry_id, kind, ref, Asset(row_asset), amount, memo, created_at)
        for entry_id, kind, ref, row_asset, amount, memo, created_at in rows
    ]
