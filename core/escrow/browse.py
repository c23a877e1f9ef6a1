"""Browsing offers: the market a trader sees.

Order: core.escrow.ranking (far-priced offers last; a newcomer sees experienced makers first;
best price; promoted offers, the hook for the premium issue: ``offers.is_promoted``; the maker's
trust score; the oldest offer). SQL finds the matching offers, best price first, up to
CANDIDATES; they are ordered and paged here. A floating price is computed in SQL from the
reference rate exactly as pricing.floating_price does (round half up to the fiat's exponent);
floating offers without a reference rate are not shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass(frozen=True, eq=False)  # one object per offer and market reading (api.views keeps its JSON)
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
def _market_statement(fiat: Fiat, side: Side, by_amount: bool, by_method: bool,
                      by_city: bool = False) -> Select[*tuple[Any, ...]]:  # fmt: skip
    """One market's matching offers for every viewer, best price first, for one shape of question,
    built once (building and keying a statement this size for SQLAlchemy's cache costs more than
    running it). Bind parameters: side, asset, fiat, now, hour, limit, and amount / method / city
    when filtered by them. What depends on the viewer is ``Viewer.may_see``'s."""
    price = _price_expr(fiat).label("current_price")
    available_fiat = Offer.remaining * price / MICRO
    conditions: list[ColumnElement[bool]] = [
        Offer.status == OfferStatus.ACTIVE.value,
        Offer.side == bindparam("side"),
        Offer.asset == bindparam("asset"),
        Offer.fiat == bindparam("fiat"),
        Offer.remaining > 0,
        price.isnot(None),
        available_fiat >= Offer.min_fiat,
        not_(User.is_banned),
        open_sql(bindparam("now"), bindparam("hour")),  # the maker is not away, and within their hours
        Offer.visibility.in_(("public", "trusted")),  # never private
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
        .limit(bindparam("limit"))
    )


def _viewer_statement() -> Select[*tuple[Any, ...]]:
    """Whom the viewer may not see (blocked either way) and which makers of trusted-only offers
    trust them; bind parameter viewer_id."""
    viewer_id: BindParameter[int] = bindparam("viewer_id")
    blocked = select(Block.blocked_id).where(Block.user_id == viewer_id).union(
        select(Block.user_id).where(Block.blocked_id == viewer_id))
    trusting = select(Offer.maker_id).where(
        Offer.visibility == "trusted", Offer.status == OfferStatus.ACTIVE.value, Offer.maker_id != viewer_id,
        trusted_by(Offer.maker_id, viewer_id)).distinct()  # fmt: skip
    return select(func.array(blocked.scalar_subquery()), func.array(trusting.scalar_subquery()))


_VIEWER = _viewer_statement()


@dataclass(frozen=True)
class MarketQuery:
    """What a page of the market is about; hashable (the key of api's cache)."""

    side: Side
    asset: Asset
    fiat: Fiat
    fiat_amount: Decimal | None = None
    payment_method: str | None = None
    city: str | None = None

    @classmethod
    def of(cls, side: Side, asset: Asset, fiat: Fiat, fiat_amount: Decimal | None = None,
           payment_method: str | None = None, city: str | None = None) -> MarketQuery:  # fmt: skip
        """Checked and normalised: the fiat amount's precision, the city's spaces."""
        fiat = Fiat(fiat)
        if fiat_amount is not None:
            fiat_amount = check_fiat_precision(fiat_amount, fiat, "fiat_amount")
        return cls(Side(side), Asset(asset), fiat, fiat_amount, payment_method, " ".join((city or "").split()) or None)


@dataclass(frozen=True)
class Viewer:
    """What of the market depends on who looks at it."""

    user_id: int
    stats: UserStats
    blocked: frozenset[int]  # makers the viewer blocked or who blocked the viewer
    trusting: frozenset[int]  # makers of trusted-only offers who trust the viewer

    def may_see(self, offer: Offer) -> bool:
        return (offer.maker_id != self.user_id and offer.maker_id not in self.blocked
                and (offer.visibility == "public" or offer.maker_id in self.trusting))  # fmt: skip


@dataclass
class Market:
    """One market's matching offers (up to CANDIDATES, best price first) with their makers'
    statistics and the rules in force: the part of a page that is the same for every viewer."""

    rows: list[Any]  # (offer, price, username, first_name, nickname, total, reference rate)
    total: int  # every match, beyond CANDIDATES too
    stats: dict[int, UserStats]
    rules: market.Rules
    fiat: Fiat
    _ordered: dict[bool, list[OfferRow]] = field(default_factory=dict)

    def ordered(self, newcomer: bool) -> list[OfferRow]:
        """The offers in ranking order for a newcomer or not (made and sorted once each)."""
        if newcomer not in self._ordered:
            self._ordered[newcomer] = [self._row(row) for row in sorted(self.rows, key=lambda row: ranking.order_key(
                row[0], row[1], row[6], self.stats[row[0].maker_id], newcomer=newcomer, rules=self.rules))]  # fmt: skip
        return self._ordered[newcomer]

    def _row(self, row: Any) -> OfferRow:
        offer, row_price, username, first_name, nickname, _, reference = row
        return OfferRow(
            offer=offer,
            price=row_price,
            max_fiat=min(offer.max_fiat, max_fiat_for(offer.remaining, row_price, self.fiat)),
            maker_name=f"@{username}" if username else (first_name or str(offer.maker_id)),
            maker=self.stats[offer.maker_id],
            maker_nickname=nickname,
            far_from_market=ranking.is_far(row_price, reference, self.rules),
        )

    def page(self, viewer: Viewer, *, offset: int, limit: int) -> OfferPage:
        rows = self.ordered(ranking.is_newcomer(viewer.stats, self.rules))
        seen = [row for row in rows if viewer.may_see(row.offer)]
        return OfferPage(items=seen[offset : offset + limit], total=self.total - (len(rows) - len(seen)),
                         offset=offset, limit=limit)  # fmt: skip


async def load_market(session: AsyncSession, query: MarketQuery, *, now: datetime | None = None) -> Market:
    now = now or datetime.now(UTC)
    params: dict[str, Any] = {"side": query.side.value, "asset": query.asset.value, "fiat": query.fiat.value,
                              "now": now, "hour": local_hour(now), "limit": CANDIDATES}  # fmt: skip
    for name, value in (("amount", query.fiat_amount), ("method", query.payment_method), ("city", query.city)):
        if value is not None:
            params[name] = value
    stmt = _market_statement(query.fiat, query.side, query.fiat_amount is not None,
                             query.payment_method is not None, query.city is not None)  # fmt: skip
    rows = list((await session.execute(stmt, params)).all())
    total = int(rows[0].total) if rows else 0  # the window counts every match, before LIMIT
    stats = await stats_for(session, [row[0].maker_id for row in rows], now=now)
    return Market(rows, total, stats, await market.rules(session), query.fiat)


async def load_viewer(session: AsyncSession, viewer_id: int, *, now: datetime | None = None) -> Viewer:
    blocked, trusting = (await session.execute(_VIEWER, {"viewer_id": viewer_id})).one()
    stats = (await stats_for(session, [viewer_id], now=now))[viewer_id]
    return Viewer(viewer_id, stats, frozenset(blocked), frozenset(trusting))


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
    check_page(offset, limit)
    query = MarketQuery.of(side, asset, fiat, fiat_amount, payment_method, city)
    found = await load_market(session, query, now=now)
    return found.page(await load_viewer(session, viewer_id, now=now), offset=offset, limit=limit)


def check_page(offset: int, limit: int) -> None:
    if offset < 0 or not 0 < limit <= LIMIT_MAX:
        raise DomainError("page_invalid", offset=offset, limit=limit, max_limit=LIMIT_MAX)


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
