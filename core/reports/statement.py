"""A trader's statement of a period, from the ledger: the opening and closing balance per asset
(everything that is theirs: available, in offers, in escrow as seller, held for withdrawals) and
every entry that changed it, with the trade, deposit, withdrawal or transfer behind it. Moves
between their own accounts (funding an offer, locking escrow, a withdrawal's hold) change
nothing and are left out. The closing balance of a period reaching today is
``core.ledger.user_balances(...)[asset].total``. The bots' /export and the REST API render it
(core.reports.statement_files)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.escrow.models import Trade
from core.money import Asset, Fiat
from core.reports.periods import Period
from core.users import User
from core.wallet.models import Withdrawal

_OPENING = text("""
    SELECT a.asset, sum(p.amount)
    FROM ledger_accounts a
    JOIN ledger_postings p ON p.account_id = a.id
    JOIN ledger_entries e ON e.id = p.entry_id
    WHERE a.user_id = :user_id AND a.owner_kind <> 'platform' AND e.created_at < :start
    GROUP BY a.asset
""")
_CHANGES = text("""
    SELECT e.id, e.kind, e.ref, e.memo, e.created_at, a.asset, sum(p.amount)
    FROM ledger_accounts a
    JOIN ledger_postings p ON p.account_id = a.id
    JOIN ledger_entries e ON e.id = p.entry_id
    WHERE a.user_id = :user_id AND a.owner_kind <> 'platform' AND e.created_at >= :start AND e.created_at < :end
    GROUP BY e.id, a.asset
    HAVING sum(p.amount) <> 0
    ORDER BY e.created_at, e.id
""")

KINDS = {
    "trade_release": "trade", "deposit": "deposit", "withdrawal_sent": "withdrawal", "transfer": "transfer",
    "referral_reward": "referral", "premium": "premium", "adjustment": "adjustment",
}  # fmt: skip


@dataclass(frozen=True)
class StatementLine:
    at: datetime
    kind: str  # trade | deposit | withdrawal | transfer | referral | premium | adjustment | other
    asset: str
    change: int  # micro units, signed
    balance: int  # micro units, after this line
    side: str | None = None  # trade: buy | sell; transfer: in | out
    amount: int | None = None  # trade: the coins traded; withdrawal: what arrived; transfer: sent
    price: Decimal | None = None
    fiat: str | None = None
    fiat_total: Decimal | None = None
    fee: int | None = None  # trade: this trader's fee; withdrawal: the network fee
    counterparty: str | None = None  # trade: the other party's nickname; transfer: the other's name
    method: str | None = None
    txid: str | None = None
    reference: str | None = None  # "trade:12", "withdrawal:3", ...


@dataclass(frozen=True)
class AssetBalance:
    asset: str
    opening: int
    closing: int


@dataclass(frozen=True)
class Statement:
    user_id: int
    name: str
    period: Period
    balances: tuple[AssetBalance, ...]
    lines: tuple[StatementLine, ...]

    def balance(self, asset: Asset | str) -> AssetBalance:
        return next(b for b in self.balances if b.asset == str(asset))


def _ref_id(ref: str | None, prefix: str) -> int | None:
    if ref and ref.startswith(prefix + ":"):
        tail = ref.split(":", 1)[1]
        return int(tail) if tail.isdigit() else None
    return None


async def build_statement(session: AsyncSession, user_id: int, period: Period) -> Statement:
    """The statement of ``user_id`` for ``period`` (an empty one for a period with nothing)."""
    params = {"user_id": user_id, "start": period.start, "end": period.end}
    running: dict[str, int] = {asset.value: 0 for asset in Asset}
    for asset, total in (await session.execute(_OPENING, params)).tuples():
        running[asset] = int(total)
    opening = dict(running)
    rows = list((await session.execute(_CHANGES, params)).tuples())
    trades = await _trades(session, {i for r in rows if (i := _ref_id(r[2], "trade")) is not None})
    withdrawals = await _withdrawals(session, {i for r in rows if (i := _ref_id(r[2], "withdrawal")) is not None})
    names = await _names(session, {t.buyer_id for t in trades.values()} | {t.seller_id for t in trades.values()})
    lines = []
    for _entry_id, kind, ref, memo, at, asset, change in rows:
        running[asset] += int(change)
        base: dict[str, Any] = {"at": at, "kind": KINDS.get(kind, "other"), "asset": asset, "change": int(change),
                                "balance": running[asset], "reference": ref}  # fmt: skip
        trade = trades.get(_ref_id(ref, "trade") or 0)
        if kind == "trade_release" and trade is not None:
            base.update(_trade_fields(trade, user_id, names))
        elif kind == "withdrawal_sent" and (w := withdrawals.get(_ref_id(ref, "withdrawal") or 0)) is not None:
            base.update(amount=w.amount, fee=w.fee, txid=w.txid)
        elif kind == "deposit":
            base.update(amount=int(change), txid=(memo or {}).get("txid"))
        elif kind == "transfer":
            outgoing = int(change) < 0
            base.update(side="out" if outgoing else "in", amount=abs(int(change)),
                        counterparty=(memo or {}).get("to_name" if outgoing else "from_name"))  # fmt: skip
        elif kind == "referral_reward":
            base.update(counterparty=(memo or {}).get("referred_name"))
        lines.append(StatementLine(**base))
    user = await session.get(User, user_id)
    balances = tuple(AssetBalance(a, opening[a], running[a]) for a in running)
    return Statement(user_id, user.public_name if user else str(user_id), period, balances, tuple(lines))


def _trade_fields(trade: Trade, user_id: int, names: dict[int, str]) -> dict[str, Any]:
    buyer = trade.buyer_id == user_id
    other = trade.seller_id if buyer else trade.buyer_id
    quantum = Fiat(trade.fiat).quantum  # IQD in whole dinars, USD in cents
    return {
        "side": "buy" if buyer else "sell", "amount": trade.crypto_amount, "price": trade.price.quantize(quantum),
        "fiat": trade.fiat, "fiat_total": trade.fiat_amount.quantize(quantum), "fee": trade.buyer_fee if buyer else trade.seller_fee,
        "counterparty": names.get(other), "method": trade.payment_method,
    }  # fmt: skip


async def _trades(session: AsyncSession, ids: set[int]) -> dict[int, Trade]:
    if not ids:
        return {}
    return {t.id: t for t in (await session.execute(select(Trade).where(Trade.id.in_(ids)))).scalars()}


async def _withdrawals(session: AsyncSession, ids: set[int]) -> dict[int, Withdrawal]:
    if not ids:
        return {}
    return {w.id: w for w in (await session.execute(select(Withdrawal).where(Withdrawal.id.in_(ids)))).scalars()}


async def _names(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    found: dict[int, str] = defaultdict(str)
    if ids:
        for user in (await session.execute(select(User).where(User.id.in_(ids)))).scalars():
            found[user.id] = user.public_name
    return dict(found)
