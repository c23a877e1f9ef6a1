"""Express trades: "buy 100 USDT" picks the best offer the trader may take and quotes it.

The choice rule (one place): among the active offers of the market (a buyer takes sell offers,
a seller buy offers) that the trader may take for that crypto amount, meaning not their own, no
block either way, the maker not banned, the offer's requirements met, and the amount's fiat at
the offer's price within the offer's limits and what it has left, the market's order
(core.escrow.ranking: far-priced offers last, experienced makers first for a newcomer, the best
price for the trader, the maker's trust score, the oldest offer) picks the first.

The answer is the offer's Quote (the numbers take() checks again at the quoted price), so the
trader confirms exactly as after typing an amount on the offer.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import DomainError
from core.escrow import ranking
from core.escrow.browse import MarketQuery, load_market, load_viewer
from core.escrow.models import Offer, Side
from core.escrow.pricing import max_fiat_for
from core.escrow.trades import Quote, quote
from core.money import Asset, Fiat, fiat_for_crypto

# Refusals that concern one offer (the next one may do); any other refusal concerns the trader
# (a cooldown, too many open trades, their balance) and is raised as it is.
_OFFER_REFUSALS = frozenset({
    "amount_out_of_limits", "offer_insufficient", "amount_too_small", "requirement_trades",
    "requirement_account_age", "offer_unavailable", "blocked", "price_out_of_range", "no_reference_rate",
    "own_offer", "offer_trusted_only",
})  # fmt: skip


def _fits(offer: Offer, price: Decimal, crypto_amount: int) -> bool:
    """Whether the crypto amount's fiat at ``price`` lies within the offer's limits and what is left."""
    fiat = fiat_for_crypto(crypto_amount, price, offer.fiat_enum)
    most = min(offer.max_fiat, max_fiat_for(offer.remaining, price, offer.fiat_enum))
    return offer.min_fiat <= fiat <= most


async def best_offer(
    session: AsyncSession,
    *,
    taker_id: int,
    buy: bool,
    asset: Asset,
    fiat: Fiat,
    crypto_amount: int,
    now: datetime | None = None,
) -> Quote | None:
    """The quote of the best offer ``taker_id`` may take to buy (``buy``) or sell
    ``crypto_amount`` micro units of ``asset`` for ``fiat``; None when no offer can.

    Raises DomainError (amount_invalid, or a refusal about the trader: cancel_cooldown,
    too_many_open_trades, user_banned) and InsufficientFunds (selling without the balance)."""
    if crypto_amount <= 0:
        raise DomainError("amount_invalid", crypto_amount=crypto_amount)
    side = Side.SELL if buy else Side.BUY  # the offers' side
    found = await load_market(session, MarketQuery.of(side, asset, fiat), now=now)
    viewer = await load_viewer(session, taker_id, now=now)
    rows = [row for row in found.ordered(ranking.is_newcomer(viewer.stats, found.rules))
            if viewer.may_see(row.offer) and _fits(row.offer, row.price, crypto_amount)]  # fmt: skip
    for row in rows:
        try:
            return await quote(session, offer_id=row.offer.id, taker_id=taker_id, crypto_amount=crypto_amount,
                               rules=found.rules, now=now)  # fmt: skip
        except DomainError as refused:
            if refused.code not in _OFFER_REFUSALS:
                raise
    return None
