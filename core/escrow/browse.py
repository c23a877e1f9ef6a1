"""Browsing offers: the market a trader sees.

Order: core.escrow.ranking (far-priced offers last; a newcomer sees experienced makers first;
best price; promoted offers, the hook for the premium issue: ``offers.is_promoted``; the maker's
trust score; the oldest offer). SQL finds the matching offers, best price first, up to
CANDIDATES; they are ordered and paged here. A floating price is computed in SQL from the
reference rate exactly as pricing.floating_price does (round half up to the fiat's exponent);
floating offers without a reference rate are not shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import (
    Numeric,
    Select,
    String,
    and_,
    any_,
    bindparam,
    case,
    cast,
    exists,
    func,
    not_,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import BindParameter, ColumnElement

from core.errors import DomainError
from core.escrow import market, ranking
from core.escrow.availability import local_hour, open_sql
from core.escrow.models import Block, MarketRate, Offer, OfferStatus, PriceType, Side, Trade, TradeStatus
from core.escrow.pricing import check_fiat_precision, max_fiat_for
from core.escrow.reputation import UserStats, stats_for
from core.escrow.trust import trusted_by
from core.money import MICRO, Asset, Fiat
from core.users import User

LIMIT_MAX = 50
CANDIDATES = 500  # offers ordered per page view: far more than one market holds


@dataclass(frozen=True)
class OfferRow:
    offer: Offer
    price: Decimal  # the price now
    max_fiat: Decimal  # the most one trade can be now (limit, or what is left)
    maker_name: str
    maker: UserStats
    maker_nickname: str | None = None  # the public name (Telegram names are not shown in the market)
    far_from_market: bool = False  # priced far from the reference rate (listed last)


@dataclass(frozen=True)
class OfferPage:
    items: list[OfferRow]
    total: int
    offset: int
    limit: int

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.items) < self.total


def _price_expr(fiat: Fiat) -> ColumnElement[Decimal]:
    floating = func.round(MarketRate.rate * (100 + Offer.margin_pct) / 100, fiat.exponent)
    return cast(case((Offer.price_type == PriceType.FIXED.value, Offer.price), else_=floating), Numeric(20, 2))


@cache
def _page_statement(fiat: Fiat, side: Side, by_amount: bool, by_method: bool,
                    by_city: bool = False) -> Select[*tuple[Any, ...]]:  # fmt: skip
    """The market page for one shape of question, built once (building and keying a statement
    this size for SQLAlchemy's cache costs more than running it). Bind parameters: viewer_id,
    side, asset, fiat, offset, limit, and amount / method when filtered by them."""
    price = _price_expr(fiat).label("current_price")
    available_fiat = Offer.remaining * price / MICRO
    viewer_id: BindParameter[int] = bindparam("viewer_id")
    blocked = exists().where(
        or_(
            and_(Block.user_id == viewer_id, Block.blocked_id == Offer.maker_id),
            and_(Block.user_id == Offer.maker_id, Block.blocked_id == viewer_id),
        )
    )
    conditions: list[ColumnElement[bool]] = [
        Offer.status == OfferStatus.ACTIVE.value,
        Offer.side == bindparam("side"),
        Offer.asset == bindparam("asset"),
        Offer.fiat == bindparam("fiat"),
        Offer.maker_id != viewer_id,
        Offer.remaining > 0,
        price.isnot(None),
        available_fiat >= Offer.min_fiat,
        not_(User.is_banned),
        not_(blocked),
        open_sql(bindparam("now"), bindparam("hour")),  # the maker is not away, and within their hours
        or_(Offer.visibility == "public",
            and_(Offer.visibility == "trusted", trusted_by(Offer.maker_id, viewer_id))),  # never private
    ]
    if by_amount:
        amount = bindparam("amount", type_=Numeric(20, 2))
        conditions += [Offer.min_fiat <= amount, Offer.max_fiat >= amount, available_fiat >= amount]
    if by_method:
        conditions.append(bindparam("method", type_=String) == any_(Offer.payment_methods))
    if by_city:  # cash offers in that city (offers without cash are not about a place)
        conditions.append(func.lower(Offer.city) == func.lower(bindparam("city", type_=String)))
    completed = (
        select(func.count())
        .where(
            Trade.status == TradeStatus.COMPLETED.value,
            or_(Trade.seller_id == Offer.maker_id, Trade.buyer_id == Offer.maker_id),
        )
        .correlate(Offer)
        .scalar_subquery()
    )
    best = price.asc() if side == Side.SELL else price.desc()
    return (
        select(Offer, price, User.username, User.first_name, User.nickname, func.count().over().label("total"),
               MarketRate.rate)
        .join(User, User.id == Offer.maker_id)
        .outerjoin(MarketRate, and_(MarketRate.asset == Offer.asset, MarketRate.fiat == Offer.fiat))
        .where(*conditions)
        .order_by(best, Offer.is_promoted.desc(), completed.desc(), Offer.id)
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
    )


async def browse(
    session: AsyncSession,
    *,
    viewer_id: int,
    side: Side,
    asset: Asset,
    fiat: Fiat,
    fiat_amount: Decimal | None = None,
    payment_method: str | None = None,
    city: str | None = None,
    offset: int = 0,
    limit: int = 10,
    now: datetime | None = None,
) -> OfferPage:
    """Active offers of ``side`` (SELL: what a buyer sees) for an asset and fiat, without the
    viewer's own and without makers blocked by or blocking the viewer. ``fiat_amount`` keeps
    offers whose limits and remaining amount allow that much; ``payment_method`` one code;
    ``city`` the offers whose cash changes hands there (case does not count)."""
    side, asset, fiat = Side(side), Asset(asset), Fiat(fiat)
    if offset < 0 or not 0 < limit <= LIMIT_MAX:
        raise DomainError("page_invalid", offset=offset, limit=limit, max_limit=LIMIT_MAX)
    now = now or datetime.now(UTC)
    params: dict[str, Any] = {"viewer_id": viewer_id, "side": side.value, "asset": asset.value, "fiat": fiat.value,
                              "now": now, "hour": local_hour(now)}  # fmt: skip
    if fiat_amount is not None:
        params["amount"] = check_fiat_precision(fiat_amount, fiat, "fiat_amount")
    if payment_method is not None:
        params["method"] = payment_method
    city = " ".join((city or "").split()) or None
    if city is not None:
        params["city"] = city
    stmt = _page_statement(fiat, side, fiat_amount is not None, payment_method is not None, city is not None)
    rows = list((await session.execute(stmt, {**params, "offset": 0, "limit": CANDIDATES})).all())
    total = int(rows[0].total) if rows else 0  # the window counts every match, before LIMIT
    stats = await stats_for(session, [viewer_id, *(row[0].maker_id for row in rows)], now=now)
    rules = await market.rules(session)
    newcomer = ranking.is_newcomer(stats[viewer_id], rules)
    rows.sort(key=lambda row: ranking.order_key(row[0], row[1], row[6], stats[row[0].maker_id],
                                                newcomer=newcomer, rules=rules))  # fmt: skip
    items = []
    for offer, row_price, username, first_name, nickname, _, reference in rows[offset : offset + limit]:
        items.append(
            OfferRow(
                offer=offer,
                price=row_price,
                max_fiat=min(offer.max_fiat, max_fiat_for(offer.remaining, row_price, fiat)),
                maker_name=f"@{username}" if username else (first_name or str(offer.maker_id)),
                maker=stats[offer.maker_id],
                maker_nickname=nickname,
                far_from_market=ranking.is_far(row_price, reference, rules),
            )
        )
    return OfferPage(items=items, total=total, offset=offset, limit=limit)


async def cash_cities(session: AsyncSession, *, side: Side, asset: Asset, fiat: Fiat, limit: int = 8) -> list[str]:
    """The cities of the active cash offers of a market, the busiest first (the market's city
    buttons)."""
    name = func.min(Offer.city)
    stmt = (
        select(name)
        .where(Offer.status == OfferStatus.ACTIVE.value, Offer.side == Side(side).value,
               Offer.asset == Asset(asset).value, Offer.fiat == Fiat(fiat).value, Offer.city.isnot(None),
               Offer.remaining > 0, any_(Offer.payment_methods) == "cash", Offer.visibility == "public")
        .group_by(func.lower(Offer.city))
        .order_by(func.count().desc(), name)
        .limit(limit)
    )  # fmt: skip
    return [str(c) for c in (await session.execute(stmt)).scalars()]
