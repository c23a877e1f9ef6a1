"""The ledger: double-entry accounts and journal. Every coin the platform holds for somebody
is a balance here, and only balanced, idempotent entries move it.

Use the functions below with your own AsyncSession inside your own transaction.
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
