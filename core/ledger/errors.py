"""Errors the ledger raises (InsufficientFunds lives in core.errors: every part uses it)."""

from __future__ import annotations

from core.errors import DomainError


class UnbalancedEntry(DomainError):
    """The postings of an entry do not sum to zero per asset (a programming error)."""

    code = "unbalanced_entry"


class IdempotencyConflict(DomainError):
    """An entry with this key exists already, with other postings or another kind."""

    code = "idempotency_conflict"
