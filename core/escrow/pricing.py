"""Prices and the numbers of a trade, as pure functions (no database): the one place where a
fiat amount becomes crypto, fees are computed and the offer's limits are checked.

Rounding (see DESIGN.md "Money"): the buyer pays exactly the fiat amount and receives the crypto
it buys rounded down to micro units (core.money.crypto_for_fiat); fees are rounded down too.
The escrow holds ``crypto + seller_fee``; at release the buyer gets ``crypto - buyer_fee`` and
the platform ``seller_fee + buyer_fee``: the postings always sum to zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from core.errors import DomainError
from core.money import MICRO, Fiat, crypto_for_fiat, fee_for, fiat_for_crypto


def floating_price(reference: Decimal, margin_pct: Decimal, fiat: Fiat) -> Decimal:
    """Reference rate plus a margin percent, rounded half up to the fiat's exponent."""
    return (reference * (100 + margin_pct) / 100).quantize(fiat.quantum, rounding=ROUND_HALF_UP)


def check_fiat_precision(value: Decimal, fiat: Fiat, field: str) -> Decimal:
    if not value.is_finite() or value != value.quantize(fiat.quantum):
        raise DomainError("fiat_precision", field=field, fiat=fiat.value, decimals=fiat.exponent,
                          value=str(value))
    return value.quantize(fiat.quantum)


def allowed_range(reference: Decimal, deviation_pct: Decimal, fiat: Fiat) -> tuple[Decimal, Decimal]:
    low = (reference * (100 - deviation_pct) / 100).quantize(fiat.quantum, rounding=ROUND_HALF_UP)
    high = (reference * (100 + deviation_pct) / 100).quantize(fiat.quantum, rounding=ROUND_HALF_UP)
    return low, high


def check_deviation(price: Decimal, reference: Decimal | None, deviation_pct: Decimal, fiat: Fiat) -> None:
    """Refuse a price further than ``deviation_pct`` from the reference rate (when one is set)."""
    if reference is None:
        return
    low, high = allowed_range(reference, deviation_pct, fiat)
    if not low <= price <= high:
        raise DomainError(
            "price_out_of_range",
            price=str(price),
            reference=str(reference),
            min_price=str(low),
            max_price=str(high),
            deviation_pct=str(deviation_pct),
            fiat=fiat.value,
        )


@dataclass(frozen=True)
class TradeNumbers:
    """What a take will do, computed before anyone commits (see quote/take)."""

    price: Decimal  # fiat per 1 unit
    fiat_amount: Decimal  # the buyer pays exactly this
    crypto_amount: int  # micro units the fiat buys (rounded down)
    seller_fee: int  # locked in escrow on top of crypto_amount, to the platform at release
    buyer_fee: int  # deducted from what the buyer receives at release
    seller_fee_pct: Decimal
    buyer_fee_pct: Decimal

    @property
    def escrow_amount(self) -> int:
        return self.crypto_amount + self.seller_fee

    @property
    def buyer_receives(self) -> int:
        return self.crypto_amount - self.buyer_fee


def trade_numbers(
    *,
    price: Decimal,
    fiat: Fiat,
    fiat_amount: Decimal | None = None,
    crypto_amount: int | None = None,
    seller_fee_pct: Decimal,
    buyer_fee_pct: Decimal,
) -> TradeNumbers:
    """The numbers of one trade from either a fiat amount or a crypto amount.

    Given crypto, the fiat total is rounded (half up) to the currency and the crypto is then
    recomputed from it, so that every trade satisfies ``crypto = crypto_for_fiat(fiat, price)``.
    """
    if (fiat_amount is None) == (crypto_amount is None):
        raise ValueError("give exactly one of fiat_amount and crypto_amount")
    if crypto_amount is not None:
        if crypto_amount <= 0:
            raise DomainError("amount_invalid", crypto_amount=crypto_amount)
        fiat_amount = fiat_for_crypto(crypto_amount, price, fiat)
    assert fiat_amount is not None
    fiat_amount = check_fiat_precision(fiat_amount, fiat, "fiat_amount")
    if fiat_amount <= 0:
        raise DomainError("amount_invalid", fiat_amount=str(fiat_amount))
    crypto = crypto_for_fiat(fiat_amount, price)
    if crypto <= 0:
        raise DomainError("amount_too_small", fiat_amount=str(fiat_amount), price=str(price))
    buyer_fee = fee_for(crypto, buyer_fee_pct)
    if buyer_fee >= crypto:
        raise DomainError("amount_too_small", fiat_amount=str(fiat_amount), price=str(price))
    return TradeNumbers(
        price=price,
        fiat_amount=fiat_amount,
        crypto_amount=crypto,
        seller_fee=fee_for(crypto, seller_fee_pct),
        buyer_fee=buyer_fee,
        seller_fee_pct=seller_fee_pct,
        buyer_fee_pct=buyer_fee_pct,
    )


def max_fiat_for(remaining: int, price: Decimal, fiat: Fiat) -> Decimal:
    """The largest fiat amount (in the currency's quantum) whose crypto fits in ``remaining``."""
    return (Decimal(remaining) * price / MICRO).quantize(fiat.quantum, rounding=ROUND_DOWN)
