"""The ledger's vocabulary: purposes, account references, postings and results."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.money import Asset


class Purpose(enum.StrEnum):
    AVAILABLE = "available"
    RESERVE = "reserve"
    ESCROW = "escrow"
    HOLD = "hold"
    FEES = "fees"
    REVENUE = "revenue"
    DEPOSITS = "deposits"
    WITHDRAWALS = "withdrawals"
    ADJUSTMENTS = "adjustments"
    NETWORK_FEES = "network_fees"


OWNER_KINDS = frozenset({"user", "offer", "trade", "withdrawal", "platform"})

# The outside world's accounts: their balance is minus what came in from (or plus what went
# out to) the world, so they are the only ones allowed below zero. The same rule is the
# generated column ledger_accounts.may_go_negative in the database.
NEGATIVE_ALLOWED = frozenset({Purpose.DEPOSITS, Purpose.WITHDRAWALS, Purpose.ADJUSTMENTS})


@dataclass(frozen=True)
class AccountRef:
    """One account per asset: who owns it, and what the money is for.

    ``user_id`` is the beneficial owner of an offer's reserve, a trade's escrow or a
    withdrawal's hold; it is stored when the account is first used, so that
    user_balances() can show a user everything that is theirs.
    """

    owner_kind: str
    owner_id: int
    purpose: Purpose
    user_id: int | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.owner_kind not in OWNER_KINDS:
            raise ValueError(f"unknown owner kind {self.owner_kind!r}")
        object.__setattr__(self, "purpose", Purpose(self.purpose))
        if self.owner_kind == "platform" and self.owner_id != 0:
            raise ValueError("platform accounts have owner_id 0")
        if self.owner_kind == "user" and self.user_id is None:
            object.__setattr__(self, "user_id", self.owner_id)

    @classmethod
    def user(cls, user_id: int) -> AccountRef:
        return cls("user", user_id, Purpose.AVAILABLE, user_id)

    @classmethod
    def offer_reserve(cls, offer_id: int, maker_id: int) -> AccountRef:
        return cls("offer", offer_id, Purpose.RESERVE, maker_id)

    @classmethod
    def trade_escrow(cls, trade_id: int, seller_id: int) -> AccountRef:
        return cls("trade", trade_id, Purpose.ESCROW, seller_id)

    @classmethod
    def withdrawal_hold(cls, withdrawal_id: int, user_id: int) -> AccountRef:
        return cls("withdrawal", withdrawal_id, Purpose.HOLD, user_id)

    @classmethod
    def platform(cls, purpose: Purpose) -> AccountRef:
        return cls("platform", 0, purpose)

    @property
    def may_go_negative(self) -> bool:
        return self.owner_kind == "platform" and self.purpose in NEGATIVE_ALLOWED

    def __str__(self) -> str:
        return f"{self.owner_kind}:{self.owner_id}:{self.purpose}"


@dataclass(frozen=True)
class Posting:
    """One line of an entry: ``amount`` > 0 raises the account's balance, < 0 lowers it."""

    account: AccountRef
    asset: Asset
    amount: int


@dataclass(frozen=True)
class EntryResult:
    entry_id: int
    created: bool  # False: the key was posted before, nothing moved this time


@dataclass(frozen=True)
class UserBalances:
    available: int = 0
    in_offers: int = 0
    in_escrow: int = 0
    in_withdrawals: int = 0

    @property
    def total(self) -> int:
        return self.available + self.in_offers + self.in_escrow + self.in_withdrawals


@dataclass(frozen=True)
class StatementLine:
    entry_id: int
    kind: str
    ref: str | None
    asset: Asset
    amount: int  # signed change of the user's AVAILABLE account in this entry
    memo: dict[str, Any] | None
    created_at: datetime


@dataclass
class AuditReport:
    ok: bool
    checks: list[str]
    violations: list[str]
