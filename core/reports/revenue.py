"""The operator's monthly revenue, from the ledger: what reached the platform's fee accounts
(FEES, REVENUE, NETWORK_FEES) in the period, by where it came from, and the network fees the
wallets actually burned against the withdrawal fees charged.

``net`` per asset is the sum of every posting to those three accounts in the period, sorted
into lines by entry kind (an unknown kind is a line of its own, "other"), so it equals the
accounts' balance change over the period (tests/reports/test_revenue.py checks it against the
balances)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from core.money import Asset
from core.reports.periods import Period

FEE_PURPOSES = ("fees", "revenue", "network_fees")

_LINES = text("""
    SELECT a.asset, a.purpose, e.kind, t.fiat, sum(p.amount)
    FROM ledger_entries e
    JOIN ledger_postings p ON p.entry_id = e.id
    JOIN ledger_accounts a ON a.id = p.account_id
    LEFT JOIN trades t
      ON t.id = CASE WHEN e.ref LIKE 'trade:%' THEN split_part(e.ref, ':', 2)::bigint END
    WHERE a.owner_kind = 'platform' AND a.purpose IN ('fees', 'revenue', 'network_fees')
      AND e.created_at >= :start AND e.created_at < :end
    GROUP BY 1, 2, 3, 4
""")
_BURNED = text("""
    SELECT 'withdrawals', count(*), sum(network_cost_sun) FROM wallet_withdrawals
    WHERE status = 'sent' AND settled_at >= :start AND settled_at < :end
    UNION ALL
    SELECT 'cold_moves', count(*), sum(network_cost_sun) FROM wallet_cold_transfers
    WHERE block_num IS NOT NULL AND settled_at >= :start AND settled_at < :end
""")
# The gas sent for USDT sweeps (burned by the sweep); sweeps from before gas_sun was recorded
# (migration 0021) make the sum unknown.
_SWEEPS = text("""
    SELECT count(*), sum(gas_sun), count(*) - count(gas_sun) FROM wallet_sweeps
    WHERE gas_txid IS NOT NULL AND status <> 'failed' AND created_at >= :start AND created_at < :end
""")

CATEGORIES = {
    ("fees", "trade_release"): "trade_fees",
    ("fees", "referral_reward"): "referral_payouts",
    ("revenue", "premium"): "premium",
    ("network_fees", "withdrawal_sent"): "withdrawal_fees",
}


@dataclass(frozen=True)
class RevenueLine:
    category: str  # trade_fees | referral_payouts | premium | withdrawal_fees | other
    asset: str
    pair: str | None  # trade fees: the pair ("USDT/IQD")
    amount: int  # micro units the fee accounts gained (a payout is negative)


@dataclass(frozen=True)
class NetworkCost:
    what: str  # withdrawals | cold_moves | sweep_gas
    transfers: int
    trx: int | None  # micro TRX (sun) burned; None: not recorded (sweep gas from before migration 0021)


@dataclass(frozen=True)
class Revenue:
    period: Period
    lines: tuple[RevenueLine, ...]
    network: tuple[NetworkCost, ...]

    def net(self, asset: Asset | str) -> int:
        """What the fee accounts gained in ``asset`` over the period."""
        return sum(line.amount for line in self.lines if line.asset == str(asset))

    def total(self, category: str, asset: Asset | str) -> int:
        return sum(line.amount for line in self.lines if line.category == category and line.asset == str(asset))

    @property
    def burned_trx(self) -> int:
        return sum(cost.trx or 0 for cost in self.network)

    @property
    def trx_after_network(self) -> int:
        """TRX net less the TRX the wallets burned (withdrawals, cold moves, sweep gas)."""
        return self.net(Asset.TRX) - self.burned_trx


async def revenue(session: AsyncSession, period: Period) -> Revenue:
    params = {"start": period.start, "end": period.end}
    totals: dict[tuple[str, str, str | None], int] = defaultdict(int)
    for asset, purpose, kind, fiat, amount in (await session.execute(_LINES, params)).tuples():
        category = CATEGORIES.get((purpose, kind), "other")
        pair = f"{asset}/{fiat}" if category == "trade_fees" and fiat else None
        totals[category, asset, pair] += int(amount)
    order = [*dict.fromkeys(CATEGORIES.values()), "other"]
    lines = tuple(
        RevenueLine(c, a, p, amount)
        for (c, a, p), amount in sorted(totals.items(), key=lambda kv: (order.index(kv[0][0]), kv[0][1], kv[0][2] or ""))
    )
    network = [
        NetworkCost(what, int(n), int(sun or 0)) for what, n, sun in (await session.execute(_BURNED, params)).tuples()
    ]
    sweeps, gas, unrecorded = (await session.execute(_SWEEPS, params)).one()
    network.append(NetworkCost("sweep_gas", int(sweeps), None if unrecorded else int(gas or 0)))
    return Revenue(period, lines, tuple(network))
