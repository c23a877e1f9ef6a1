"""Who may advertise: the market's rules for publishing an offer (the admins' knobs
``advertise_min_*`` of market.Rules; 0 asks nothing).

A trader short of any rule is refused ``advertise_requirements`` with every rule in force, what
it asks and what the trader has, so the bot can show the rules and what is still lacking.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import DomainError
from core.escrow import market
from core.escrow.reputation import UserStats, user_stats
from core.users import User


@dataclass(frozen=True)
class Requirement:
    rule: str  # account_age_days, trades, completion_pct, counterparties, kyc_level
    required: int
    actual: int

    @property
    def met(self) -> bool:
        return self.actual >= self.required


def requirements(stats: UserStats, kyc_level: int, rules: market.Rules) -> list[Requirement]:
    """The rules in force (those asking more than 0) and where the trader stands on each."""
    asked = (
        ("account_age_days", rules.advertise_min_account_age_days, stats.account_age_days),
        ("trades", rules.advertise_min_trades, stats.completed_trades),
        ("completion_pct", rules.advertise_min_completion_pct, int(stats.completion_rate_30d or 0)),
        ("counterparties", rules.advertise_min_counterparties, stats.counterparties),
        ("kyc_level", rules.advertise_min_kyc_level, kyc_level),
    )
    return [Requirement(rule, required, actual) for rule, required, actual in asked if required > 0]


async def check_may_advertise(session: AsyncSession, maker: User, rules: market.Rules | None = None) -> None:
    """Raise DomainError ``advertise_requirements`` (rules: [{rule, required, actual}], every rule
    in force) when the maker falls short of any of the market's rules for publishing."""
    rules = rules or await market.rules(session)
    if not requirements(UserStats(user_id=maker.id), maker.kyc_level, rules):
        return  # nothing asked: no statistics to read
    asked = requirements(await user_stats(session, maker.id), maker.kyc_level, rules)
    if not all(r.met for r in asked):
        raise DomainError("advertise_requirements",
                          rules=[{"rule": r.rule, "required": r.required, "actual": r.actual} for r in asked])  # fmt: skip
