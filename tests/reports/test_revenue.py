"""The operator's revenue: its net per asset equals the change of the fee accounts' balances
(FEES, REVENUE, NETWORK_FEES) over the scripted market, and each line equals its source."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.errors import DomainError
from core.escrow.models import Trade, TradeStatus
from core.ledger.models import LedgerEntry
from core.money import MICRO, Asset
from core.reports import periods, revenue
from tests.reports.conftest import FEE_ACCOUNTS, SWEEP_GAS, Script


async def test_net_equals_the_fee_accounts_change(script: Script) -> None:
    async with script.factory() as s:
        r = await revenue.revenue(s, script.period)
        done = list((await s.execute(select(Trade).where(Trade.status == TradeStatus.COMPLETED))).scalars())
        rewards = list((await s.execute(select(LedgerEntry).where(LedgerEntry.kind == "referral_reward"))).scalars())
    for asset in Asset:
        change = sum(script.fees_after[p, asset] - script.fees_before[p, asset] for p in FEE_ACCOUNTS)
        assert r.net(asset) == change
    assert r.net(Asset.USDT) > 0
    assert r.total("trade_fees", Asset.USDT) == sum(t.fee_total for t in done)
    by_pair = {line.pair: line.amount for line in r.lines if line.category == "trade_fees"}
    assert by_pair == {
        pair: sum(t.fee_total for t in done if f"{t.asset}/{t.fiat}" == pair) for pair in ("USDT/IQD", "USDT/USD")
    }
    assert len(rewards) == 2  # the referred buyer's two trades
    assert r.total("referral_payouts", Asset.USDT) < 0
    assert r.total("premium", Asset.USDT) == 10 * MICRO
    assert r.total("withdrawal_fees", Asset.USDT) == script.withdrawal.fee
    burned = {cost.what: cost for cost in r.network}
    assert (burned["withdrawals"].transfers, burned["withdrawals"].trx) == (1, 13_845_000)
    assert (burned["sweep_gas"].transfers, burned["sweep_gas"].trx) == (1, SWEEP_GAS)
    assert r.trx_after_network == r.net(Asset.TRX) - 13_845_000 - SWEEP_GAS


async def test_a_month_before_the_market_is_empty(script: Script) -> None:
    async with script.factory() as s:
        r = await revenue.revenue(s, periods.parse_month("2020-02"))
    assert r.lines == () and r.net(Asset.USDT) == 0


def test_months_are_read_in_either_digits_and_bad_ones_refused() -> None:
    nov = periods.parse_month("2026-11")
    assert (nov.first_day, nov.last_day) == (date(2026, 11, 1), date(2026, 11, 30))
    assert periods.parse_month("٢٠٢٦-١١") == nov
    dec = periods.parse_month("2026-12")
    assert (dec.first_day, dec.last_day) == (date(2026, 12, 1), date(2026, 12, 31))
    for bad in ("2026-13", "November", "2026/11", "2026-11-01"):
        with pytest.raises(DomainError) as refused:
            periods.parse_month(bad)
        assert refused.value.code == "month_invalid"
