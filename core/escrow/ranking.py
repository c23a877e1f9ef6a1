"""How the market orders offers (browse and express share it).

1. Offers priced further than ``ranking_far_pct`` from the reference rate come after all others
   (a bait price far below the market is how many scams start).
2. A viewer with fewer than ``ranking_newcomer_trades`` credited trades sees experienced makers
   (at least ``ranking_experienced_trades`` credited trades, no dispute lost) first.
3. The best price for the viewer (lowest when buying, highest when selling).
4. Promoted offers (premium), then the maker's trust score, then the oldest offer.

The trust score (0 to 1,000 points, more is better) weighs the 30-day completion rate (400), the
release time (200: instant, 0 from an hour), distinct counterparties (240, full at 20) and
credited trades (160, full at 40: repeated trades with one counterpart stop counting, see
reputation.PAIR_CREDIT), minus 150 per dispute lost. Unknown figures count as middling.
"""

from __future__ import annotations

from decimal import Decimal

from core.escrow.market import Rules
from core.escrow.models import Offer, Side
from core.escrow.reputation import UserStats

RELEASE_SLOW_SECONDS = 3600


def trust_score(stats: UserStats) -> int:
    completion = stats.completion_rate_30d if stats.completion_rate_30d is not None else Decimal(50)
    points = int(completion * 4)
    if stats.avg_release_seconds is None:
        points += 100
    else:
        points += max(0, 200 - stats.avg_release_seconds * 200 // RELEASE_SLOW_SECONDS)
    points += min(stats.counterparties, 20) * 12
    points += min(stats.credited_trades, 40) * 4
    return points - 150 * stats.disputes_lost


def is_far(price: Decimal, reference: Decimal | None, rules: Rules) -> bool:
    """Whether ``price`` lies further than ``ranking_far_pct`` from the reference rate."""
    if reference is None or reference <= 0 or rules.ranking_far_pct <= 0:
        return False
    return abs(price - reference) * 100 > rules.ranking_far_pct * reference


def is_newcomer(stats: UserStats, rules: Rules) -> bool:
    return stats.credited_trades < rules.ranking_newcomer_trades


def is_experienced(stats: UserStats, rules: Rules) -> bool:
    return stats.credited_trades >= rules.ranking_experienced_trades and stats.disputes_lost == 0


def order_key(
    offer: Offer, price: Decimal, reference: Decimal | None, maker: UserStats, *, newcomer: bool, rules: Rules
) -> tuple[bool, bool, Decimal, bool, int, int]:
    """The sort key of one offer for one viewer (smaller first)."""
    best = price if Side(offer.side) == Side.SELL else -price
    unproven = newcomer and not is_experienced(maker, rules)
    return is_far(price, reference, rules), unproven, best, not offer.is_promoted, -trust_score(maker), offer.id
