"""The ledger: double-entry accounts and journal. Every coin the platform holds for somebody
is a balance here, and only balanced, idempotent entries move it.

How to use it (always with your own AsyncSession, inside your own transaction; the ledger
never begins or commits):

    await ledger.transfer(session, kind="trade_lock", key=f"trade:{trade.id}:lock",
                          src=AccountRef.offer_reserve(offer.id, maker_id),   # or AccountRef.user(seller)
                          dst=AccountRef.trade_escrow(trade.id, seller_id),
                          asset=Asset.USDT, amount=trade.amount, ref=f"trade:{trade.id}")
    await ledger.post_entry(session, kind="trade_release", key=f"trade:{trade.id}:release",
                            ref=f"trade:{trade.id}", postings=[
                                Posting(AccountRef.trade_escrow(trade.id, seller_id), Asset.USDT, -amount),
                                Posting(AccountRef.user(buyer_id), Asset.USDT, amount - fee),
                                Posting(AccountRef.platform(Purpose.FEES), Asset.USDT, fee)])

- ``key`` makes an entry idempotent: derive it from what happened ("trade:12:release",
  "deposit:<txid>:<event index>", "withdrawal:7:hold"), never from the clock or a random
  number, so that a retry replays instead of moving money twice. A replay returns
  EntryResult(created=False); the same key with other postings or kind raises
  IdempotencyConflict.
- InsufficientFunds(asset, needed, available) and IdempotencyConflict move nothing and leave
  your transaction usable; decide yourself whether to roll back.
- Outside-world accounts (platform DEPOSITS, WITHDRAWALS, ADJUSTMENTS) may go negative: a
  deposit moves DEPOSITS -> user, a sent withdrawal hold -> WITHDRAWALS (the chain fee
  hold -> NETWORK_FEES or as the product decides). Nothing else ever goes below zero; the
  database refuses it.
- One entry locks its accounts in id order and cannot deadlock with another entry. Several
  entries in ONE transaction lock in the order you post them: keep such transactions short,
  post in a consistent order, or retry on a deadlock error. Use READ COMMITTED (the default):
  under REPEATABLE READ or SERIALIZABLE a concurrent entry on the same account makes yours
  fail with a serialization error.
- Audit: ``await audit(session)`` or ``python -m core.ledger audit`` (reads DATABASE_URL).
"""

from core.errors import InsufficientFunds
from core.ledger.audit import audit
from core.ledger.errors import IdempotencyConflict, UnbalancedEntry
from core.ledger.service import balance, post_entry, statement, transfer, user_balances
from core.ledger.types import (
    AccountRef,
    AuditReport,
    EntryResult,
    Posting,
    Purpose,
    StatementLine,
    UserBalances,
)

__all__ = [
    "AccountRef",
    "AuditReport",
    "EntryResult",
    "IdempotencyConflict",
    "InsufficientFunds",
    "Posting",
    "Purpose",
    "StatementLine",
    "UnbalancedEntry",
    "UserBalances",
    "audit",
    "balance",
    "post_entry",
    "statement",
    "transfer",
    "user_balances",
]
