"""Assets, currencies and the one place where crypto and fiat amounts are converted.

Crypto amounts are integers in micro units (6 decimals for USDT and TRX).
Fiat amounts and prices are Decimals with the currency's exponent (IQD 0, USD 2).
"""

from __future__ import annotations

import enum
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

MICRO = 1_000_000


class Asset(enum.StrEnum):
    USDT = "USDT"
    TRX = "TRX"

    @property
    def decimals(self) -> int:
        return 6


class Fiat(enum.StrEnum):
    IQD = "IQD"
    USD = "USD"

    @property
    def exponent(self) -> int:
        return 0 if self is Fiat.IQD else 2

    @property
    def quantum(self) -> Decimal:
        return Decimal(1).scaleb(-self.exponent)


def to_micro(units: Decimal) -> int:
    """Whole units (e.g. 12.5 USDT) to micro units, refusing anything finer than 1e-6."""
    micro = units * MICRO
    if micro != micro.to_integral_value():
        raise ValueError("more than 6 decimal places")
    return int(micro)


def from_micro(micro: int) -> Decimal:
    return Decimal(micro).scaleb(-6)


def crypto_for_fiat(fiat_amount: Decimal, price: Decimal) -> int:
    """How much crypto (micro units, rounded down) a fiat amount buys at a price per 1 unit.

    Rounding down means the buyer never receives more than they paid for; the remainder
    stays with the seller.
    """
    if price <= 0:
        raise ValueError("price must be positive")
    return int((fiat_amount * MICRO / price).to_integral_value(rounding=ROUND_DOWN))


def fiat_for_crypto(micro: int, price: Decimal, fiat: Fiat) -> Decimal:
    """The fiat total for a crypto amount, rounded to the currency's exponent (half up)."""
    return (Decimal(micro) * price / MICRO).quantize(fiat.quantum, rounding=ROUND_HALF_UP)


def fee_for(micro: int, pct: Decimal) -> int:
    """A percentage fee in micro units, rounded down (in the payer's favour)."""
    return int((Decimal(micro) * pct / 100).to_integral_value(rounding=ROUND_DOWN))
