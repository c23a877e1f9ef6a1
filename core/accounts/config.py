"""The accounts' knobs, read once from the environment (and .env), with defaults in code.

Limits are per asset in micro units (USDT and TRX each have their own number), the same unit
the ledger and the wallet use: a limit never depends on an exchange rate, so it cannot move
with the market and needs no reference price to check. Override them with KYC_LIMITS, a JSON
object by level and field, e.g. ``{"0": {"daily_trade": {"USDT": 300000000}, "open_offers": 1}}``
(fields not given keep their defaults).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.money import MICRO, Asset

LEVELS = (0, 1, 2)
TOP_LEVEL = LEVELS[-1]


def _per_asset(usdt: int, trx: int) -> dict[Asset, int]:
    return {Asset.USDT: usdt * MICRO, Asset.TRX: trx * MICRO}


@dataclass(frozen=True)
class Limits:
    """What one KYC level may do. Amounts in micro units per asset; days are rolling 24 hours."""

    level: int
    per_trade: dict[Asset, int]  # the largest single trade (crypto amount)
    daily_trade: dict[Asset, int]  # trade volume as buyer or seller (cancelled trades do not count)
    daily_withdrawal: dict[Asset, int]  # on-chain withdrawals (the amount, without the network fee)
    daily_transfer: dict[Asset, int]  # internal transfers sent to other users
    open_offers: int  # active or paused offers at once


DEFAULT_LIMITS: dict[int, Limits] = {
    0: Limits(
        level=0,
        per_trade=_per_asset(200, 4_000),
        daily_trade=_per_asset(500, 10_000),
        daily_withdrawal=_per_asset(1_000, 20_000),
        daily_transfer=_per_asset(200, 4_000),
        open_offers=2,
    ),
    1: Limits(
        level=1,
        per_trade=_per_asset(2_000, 40_000),
        daily_trade=_per_asset(5_000, 100_000),
        daily_withdrawal=_per_asset(10_000, 200_000),
        daily_transfer=_per_asset(2_000, 40_000),
        open_offers=5,
    ),
    2: Limits(
        level=2,
        per_trade=_per_asset(20_000, 400_000),
        daily_trade=_per_asset(100_000, 2_000_000),
        daily_withdrawal=_per_asset(100_000, 2_000_000),
        daily_transfer=_per_asset(20_000, 400_000),
        open_offers=20,
    ),
}


class AccountsSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    kyc_limits: dict[int, dict[str, Any]] = Field(default_factory=dict, description="JSON overrides")
    kyc_retention_days: int = Field(default=30, ge=0, description="Days rejected documents are kept")
    referral_share_pct: Decimal = Field(default=Decimal("20"), ge=0, le=100, description="Share of the fee")
    referral_days: int = Field(default=180, ge=1, description="Days a referred user's trades earn rewards")
    referral_link_minutes: int = Field(default=60, ge=1, description="How new a user must be to be linked")
    premium_price_usdt: Decimal = Field(default=Decimal("10"), gt=0, description="Price of 30 days, in USDT")
    premium_days: int = Field(default=30, ge=1)
    premium_fee_discount_pct: Decimal = Field(default=Decimal("50"), ge=0, le=100)
    premium_promoted_offers: int = Field(default=3, ge=0)
    premium_remind_days: int = Field(default=3, ge=0)
    # Risk holds (core.escrow.holds): coins bought by a younger or level-0 account wait this long.
    risk_hold_min_account_age: timedelta = Field(default=timedelta(days=7), description="ISO 8601, e.g. P7D")
    risk_hold_hours: int = Field(default=24, ge=0, description="0: no risk holds")

    @property
    def premium_price(self) -> int:
        """The price in USDT micro units."""
        micro = self.premium_price_usdt * MICRO
        if micro != micro.to_integral_value():
            raise ValueError("PREMIUM_PRICE_USDT has more than 6 decimal places")
        return int(micro)

    def limits(self) -> dict[int, Limits]:
        table = dict(DEFAULT_LIMITS)
        for level, fields in self.kyc_limits.items():
            base = table[int(level)]
            changes: dict[str, Any] = {}
            for name, value in fields.items():
                if name == "open_offers":
                    changes[name] = int(value)
                elif name in ("per_trade", "daily_trade", "daily_withdrawal", "daily_transfer"):
                    merged = dict(getattr(base, name))
                    merged.update({Asset(k): int(v) for k, v in value.items()})
                    changes[name] = merged
                else:
                    raise ValueError(f"KYC_LIMITS: unknown field {name!r}")
            table[int(level)] = replace(base, **changes)
        return table


@lru_cache(maxsize=1)
def get_accounts_settings() -> AccountsSettings:
    return AccountsSettings()
