"""The reports' own tables: what no other table keeps a history of (the wallets' holdings and
the reference rates, one row per Baghdad day, the last reading of the day winning) and the
weeks whose market summary was posted."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, created_at_column
from core.escrow.models import PRICE


class HoldingsDay(Base):
    __tablename__ = "report_holdings_daily"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    asset: Mapped[str] = mapped_column(String(8), primary_key=True)
    liabilities: Mapped[int] = mapped_column(BigInteger)  # owed to users (ledger), micro units
    hot: Mapped[int | None] = mapped_column(BigInteger)  # None: no node or hot wallet configured
    cold: Mapped[int | None] = mapped_column(BigInteger)  # None: no cold wallet configured
    recorded_at: Mapped[datetime] = created_at_column()


class RateDay(Base):
    __tablename__ = "report_rates_daily"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    asset: Mapped[str] = mapped_column(String(8), primary_key=True)
    fiat: Mapped[str] = mapped_column(String(8), primary_key=True)
    rate: Mapped[Decimal] = mapped_column(PRICE)
    recorded_at: Mapped[datetime] = created_at_column()


class SummaryPosted(Base):
    """A week (its Monday, Baghdad) whose summary went to the payments channel: once per week."""

    __tablename__ = "report_summaries_posted"

    week: Mapped[date] = mapped_column(Date, primary_key=True)
    created_at: Mapped[datetime] = created_at_column()
