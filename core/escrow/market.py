"""Market settings the admins control: reference rates per asset and fiat, and the knobs
(fees, allowed price deviation, timers, limits) with defaults from core.config.Settings.

Every service takes an optional ``rules``; when omitted, ``await rules(session)`` is used.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core import events, outbox
from core.accounts.config import TOP_LEVEL
from core.config import get_settings
from core.errors import DomainError
from core.escrow.models import MarketRate, MarketSetting
from core.money import MICRO, Asset, Fiat
from core.users import User


@dataclass(frozen=True)
class Rules:
    maker_fee_pct: Decimal = Decimal("0.2")
    taker_fee_pct: Decimal = Decimal("0.2")
    price_deviation_pct: Decimal = Decimal("10")  # a price further from the reference is refused
    dispute_after_minutes: int = 15  # after PAID, before either party may open a dispute
    release_escalation_hours: int = 24  # PAID and neither released nor disputed: escalate
    reminder_minutes: int = 5  # remind the buyer this long before the payment window ends
    max_open_trades: int = 5  # per taker, trades not yet finished
    cancel_limit: int = 3  # cancellations (or expiries) by one buyer within 24 h ...
    cancel_cooldown_hours: int = 24  # ... then no taking as a buyer for this long after the last one
    payment_windows: tuple[int, ...] = (15, 30, 45, 60)  # minutes a maker may give the buyer to pay
    # What one admin may adjust alone within 24 hours, in whole units; beyond it an adjustment
    # waits for a second admin's approval (core.admin.actions.adjust_balance).
    adjust_limit_usdt: int = 100
    adjust_limit_trx: int = 1000
    # Who may advertise (core.escrow.advertising); 0 asks nothing. OKX asks, for IQD, 30 days,
    # 35 trades and 20 counterparties; Binance 30 days, 20 trades and 80 %.
    advertise_min_account_age_days: int = 0
    advertise_min_trades: int = 0
    advertise_min_completion_pct: int = 0  # completion rate over 30 days
    advertise_min_counterparties: int = 0  # distinct traders completed with
    advertise_min_kyc_level: int = 0
    # Dispute deadlines (core.escrow.dispute_deadlines): the other party's time to answer, the
    # opener's time to send evidence, and a reminder this long before either ends.
    dispute_answer_minutes: int = 720
    dispute_evidence_minutes: int = 120
    dispute_reminder_minutes: int = 60
    # The reference rate from the market (core.escrow.market_rate): the volume-weighted median of
    # the completed trades of the last hours (0: the admins' rate only), when they are enough;
    # an alert when the rate in force has not moved for this many hours (0: none).
    market_rate_window_hours: int = 0
    market_rate_min_trades: int = 5
    market_rate_min_volume: int = 1000  # whole units of the asset
    market_rate_stale_hours: int = 24
    appeal_days: int = 7  # after a trade completed or was cancelled, either party may appeal this long
    # How the market orders offers (core.escrow.ranking).
    ranking_far_pct: Decimal = Decimal("5")  # further from the reference rate: listed last
    ranking_newcomer_trades: int = 3  # a viewer with fewer credited trades ...
    ranking_experienced_trades: int = 5  # ... sees makers with this many (no dispute lost) first

    def adjust_limit(self, asset: Asset) -> int:
        """What one admin may adjust alone within 24 hours (micro units)."""
        whole = self.adjust_limit_usdt if Asset(asset) == Asset.USDT else self.adjust_limit_trx
        return whole * MICRO

    @property
    def dispute_after(self) -> timedelta:
        return timedelta(minutes=self.dispute_after_minutes)

    @property
    def dispute_answer(self) -> timedelta:
        return timedelta(minutes=self.dispute_answer_minutes)

    @property
    def dispute_evidence(self) -> timedelta:
        return timedelta(minutes=self.dispute_evidence_minutes)

    @property
    def dispute_reminder(self) -> timedelta:
        return timedelta(minutes=self.dispute_reminder_minutes)

    @property
    def release_escalation(self) -> timedelta:
        return timedelta(hours=self.release_escalation_hours)

    @property
    def reminder_before(self) -> timedelta:
        return timedelta(minutes=self.reminder_minutes)

    @property
    def cancel_cooldown(self) -> timedelta:
        return timedelta(hours=self.cancel_cooldown_hours)


RULE_NAMES = tuple(f.name for f in dataclasses.fields(Rules))
DECIMAL_RULES = frozenset({"maker_fee_pct", "taker_fee_pct", "price_deviation_pct", "ranking_far_pct"})


def default_rules() -> Rules:
    settings = get_settings()
    return Rules(
        maker_fee_pct=settings.maker_fee_pct,
        taker_fee_pct=settings.taker_fee_pct,
        price_deviation_pct=settings.price_deviation_pct,
        dispute_after_minutes=settings.dispute_after_minutes,
        release_escalation_hours=settings.release_escalation_hours,
    )


_RULE_MAXIMA = {"advertise_min_completion_pct": 100, "advertise_min_kyc_level": TOP_LEVEL, "ranking_far_pct": 100}

WINDOW_RANGE = (5, 24 * 60)  # a payment window of 5 minutes to a day (the database agrees)


def _parse_windows(value: str) -> tuple[int, ...]:
    """'15,30,60' -> (15, 30, 60): one to six whole minutes within WINDOW_RANGE."""
    try:
        windows = tuple(sorted({int(part) for part in value.replace(" ", "").split(",") if part}))
    except ValueError:
        raise DomainError("setting_invalid", name="payment_windows", value=value) from None
    low, high = WINDOW_RANGE
    if not 1 <= len(windows) <= 6 or any(not low <= w <= high for w in windows):
        raise DomainError("setting_invalid", name="payment_windows", value=value)
    return windows


def _parse(name: str, value: str) -> Decimal | int | tuple[int, ...]:
    if name == "payment_windows":
        return _parse_windows(value)
    try:
        parsed: Decimal | int = Decimal(value) if name in DECIMAL_RULES else int(value)
    except (InvalidOperation, ValueError):
        raise DomainError("setting_invalid", name=name, value=value) from None
    if parsed < 0 or (isinstance(parsed, Decimal) and not parsed.is_finite()):
        raise DomainError("setting_invalid", name=name, value=value)
    if (name.endswith("fee_pct") and parsed > 10) or (name == "price_deviation_pct" and parsed >= 100):
        raise DomainError("setting_invalid", name=name, value=value)
    if name in _RULE_MAXIMA and parsed > _RULE_MAXIMA[name]:
        raise DomainError("setting_invalid", name=name, value=value)
    if name.startswith("adjust_limit_") and parsed > 10 * getattr(Rules, name):
        raise DomainError("setting_invalid", name=name, value=value)  # one admin alone stays small
    return parsed


async def rules(session: AsyncSession) -> Rules:
    """The knobs in force: Settings defaults overridden by what admins stored."""
    base = default_rules()
    rows = (await session.execute(select(MarketSetting))).scalars().all()
    overrides = {row.key: _parse(row.key, row.value) for row in rows if row.key in RULE_NAMES}
    return dataclasses.replace(base, **overrides)  # type: ignore[arg-type]


async def set_rule(session: AsyncSession, *, name: str, value: str, actor_id: int | None) -> Rules:
    """Override one knob at run time (admins); returns the rules now in force."""
    if name not in RULE_NAMES:
        raise DomainError("setting_unknown", name=name)
    _parse(name, value)
    stmt = insert(MarketSetting).values(key=name, value=value, updated_by=actor_id)
    stmt = stmt.on_conflict_do_update(
        index_elements=[MarketSetting.key],
        set_={"value": value, "updated_by": actor_id, "updated_at": func.now()},
    )
    await session.execute(stmt)
    outbox.emit(session, events.MarketSettingChanged(name=name, value=value, by=actor_id), [outbox.ADMINS])
    return await rules(session)


async def get_reference_rate(session: AsyncSession, asset: Asset, fiat: Fiat) -> Decimal | None:
    row = await session.get(MarketRate, (asset.value, fiat.value), populate_existing=True)
    return row.rate.quantize(fiat.quantum) if row is not None else None


async def reference_rates(session: AsyncSession) -> dict[tuple[Asset, Fiat], Decimal]:
    rows = (await session.execute(select(MarketRate))).scalars().all()
    return {(Asset(r.asset), Fiat(r.fiat)): r.rate.quantize(Fiat(r.fiat).quantum) for r in rows}


async def set_reference_rate(
    session: AsyncSession, *, asset: Asset, fiat: Fiat, rate: Decimal, actor_id: int | None
) -> Decimal:
    """Set the reference rate (fiat per 1 unit, in the fiat's exponent); announces the change."""
    if not rate.is_finite() or rate <= 0:
        raise DomainError("rate_invalid", rate=str(rate))
    if rate != rate.quantize(fiat.quantum):
        raise DomainError("fiat_precision", fiat=fiat.value, decimals=fiat.exponent, value=str(rate))
    old = await get_reference_rate(session, asset, fiat)
    stmt = insert(MarketRate).values(asset=asset.value, fiat=fiat.value, rate=rate, admin_rate=rate,
                                     updated_by=actor_id)  # fmt: skip
    stmt = stmt.on_conflict_do_update(  # in force at once (the market's median may follow it)
        index_elements=[MarketRate.asset, MarketRate.fiat],
        set_={"rate": rate, "admin_rate": rate, "source": "admin", "updated_by": actor_id, "updated_at": func.now(),
              "stale_alerted_at": None},
    )  # fmt: skip
    await session.execute(stmt)
    staff = await session.get(User, actor_id) if actor_id is not None else None
    changed = events.ReferenceRateChanged(asset=asset.value, fiat=fiat.value, rate=rate, old_rate=old, by=actor_id,
                                          by_name=staff.public_name if staff else None)  # fmt: skip
    outbox.emit(session, changed, [outbox.ADMINS])
    return rate
