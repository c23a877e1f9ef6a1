"""Offers: publish, edit, pause, resume, close, and the maker's own list.

Money (sell offers): publishing moves ``amount`` plus the maker's fee on it
(``fee_for(amount, maker_fee_pct)``, the percentage in force when publishing) from the maker's
available balance into the offer's reserve account, in the same transaction as the offer row.
Each trade then takes its crypto and the maker's fee on it from the reserve; because fees round
down, the fee part of the reserve always covers the fees of the remaining amount.

- Pausing keeps the reserve (the offer is only hidden, its trades go on); resuming moves nothing.
- Editing the amount sets a new *remaining* amount and takes or returns the difference.
- Closing returns everything left in the reserve to the maker's available balance.
- Sold out: once a completed trade leaves an offer that cannot be taken any more (its remaining
  amount is zero or worth less than one trade's minimum) and no trade on it is still open, the
  offer closes (``close_if_sold_out``): it leaves the list, the channel and the open-offers limit,
  and what is left in its reserve goes back to the maker. While a trade on it is open it stays
  open, since a refund would give its amount back.
Buy offers hold no money: the taker (the seller) is funded when taking.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core import outbox
from core.accounts import names
from core.accounts.models import PaymentAccount
from core.accounts.payment_accounts import PAYMENT_METHODS as PAYMENT_METHODS
from core.accounts.payment_accounts import accounts_of, check_public_text, own_accounts
from core.db import fresh
from core.errors import DomainError, InsufficientFunds
from core.escrow import advertising, limits, market, premium, trust
from core.escrow.models import OPEN_TRADE_STATUSES, Offer, OfferStatus, PriceType, Side, Trade
from core.escrow.pricing import check_deviation, check_fiat_precision, floating_price, max_fiat_for
from core.ledger import AccountRef, balance, transfer
from core.money import Asset, Fiat, fee_for
from core.users import User

PAYMENT_WINDOWS = market.Rules().payment_windows  # the default choices (admins may change them)
TERMS_MAX = 500
AUTO_REPLY_MAX = 500
NOTE_MAX = 100
T = TypeVar("T")


@dataclass(frozen=True)
class OfferDraft:
    """Everything a maker chooses. Give exactly one of ``price`` (fixed) or ``margin_pct``."""

    side: Side
    asset: Asset
    fiat: Fiat
    amount: int  # micro units
    min_fiat: Decimal
    max_fiat: Decimal
    payment_methods: tuple[str, ...] = ()
    payment_window: int = 30
    price: Decimal | None = None
    margin_pct: Decimal | None = None
    payment_note: str | None = None  # free-text method or details ("Asia Hawala, Mansour branch")
    terms: str | None = None
    min_trades: int = 0
    min_account_age_days: int = 0
    payment_account_ids: tuple[int, ...] = ()  # the maker's saved accounts the offer accepts
    city: str | None = None  # cash offers: where (the market filters by it)
    visibility: str = "public"  # public | private (by link only) | trusted (core.escrow.trust)
    auto_reply: str | None = None  # sent into the chat of each trade it opens (instructions, no numbers)


@dataclass(frozen=True)
class OfferPatch:
    """Changes to an offer; None leaves a field as it is. ``amount`` is the new remaining amount.

    To switch a fixed price to floating, give ``margin_pct`` (and vice versa); "" clears
    ``terms`` / ``payment_note``."""

    amount: int | None = None
    price: Decimal | None = None
    margin_pct: Decimal | None = None
    min_fiat: Decimal | None = None
    max_fiat: Decimal | None = None
    payment_methods: tuple[str, ...] | None = None
    payment_note: str | None = None
    payment_window: int | None = None
    terms: str | None = None
    min_trades: int | None = None
    min_account_age_days: int | None = None


def _now() -> datetime:
    return datetime.now(UTC)


async def current_price(session: AsyncSession, offer: Offer) -> Decimal:
    """The offer's price now (a floating price follows the reference rate)."""
    fixed = offer.price_type == PriceType.FIXED
    return price_at(offer, None if fixed else await market.get_reference_rate(session, offer.asset_enum, offer.fiat_enum))


def price_at(offer: Offer, reference: Decimal | None) -> Decimal:
    """The offer's price given the reference rate (read already by the caller)."""
    if offer.price_type == PriceType.FIXED:
        assert offer.price is not None
        return offer.price.quantize(offer.fiat_enum.quantum)
    assert offer.margin_pct is not None
    if reference is None:
        raise DomainError("no_reference_rate", asset=offer.asset, fiat=offer.fiat)
    return floating_price(reference, offer.margin_pct, offer.fiat_enum)


async def _validated_price(session: AsyncSession, draft: OfferDraft, rules: market.Rules) -> Decimal:
    return await offer_price(session, asset=draft.asset, fiat=draft.fiat, price=draft.price,
                             margin_pct=draft.margin_pct, rules=rules)  # fmt: skip


async def offer_price(
    session: AsyncSession,
    *,
    asset: Asset,
    fiat: Fiat,
    price: Decimal | None = None,
    margin_pct: Decimal | None = None,
    rules: market.Rules | None = None,
) -> Decimal:
    """The price of a new offer from a fixed ``price`` or a ``margin_pct`` over the reference rate,
    refused (DomainError) when it is invalid or too far from the reference rate. The offer form
    asks it at the price step; publishing asks it again."""
    if (price is None) == (margin_pct is None):
        raise DomainError("price_required")
    asset, fiat = Asset(asset), Fiat(fiat)
    rules = rules or await market.rules(session)
    reference = await market.get_reference_rate(session, asset, fiat)
    if price is not None:
        price = check_fiat_precision(price, fiat, "price")
        if price <= 0:
            raise DomainError("price_invalid", price=str(price))
    else:
        assert margin_pct is not None
        if reference is None:
            raise DomainError("no_reference_rate", asset=asset.value, fiat=fiat.value)
        if not margin_pct.is_finite() or margin_pct != margin_pct.quantize(Decimal("0.01")):
            raise DomainError("margin_invalid", margin_pct=str(margin_pct))
        price = floating_price(reference, margin_pct, fiat)
    check_deviation(price, reference, rules.price_deviation_pct, fiat)
    return price


async def check_max_per_trade(
    session: AsyncSession,
    *,
    asset: Asset,
    fiat: Fiat,
    amount: int,
    max_fiat: Decimal,
    price: Decimal | None = None,
    margin_pct: Decimal | None = None,
) -> Decimal:
    """The offer form's maximum per trade may not exceed what the offer's whole amount is worth
    at its price (a larger one would be listed as another maximum, and a trade for it refused).
    Returns that worth; raises DomainError ``max_exceeds_amount``."""
    fiat = Fiat(fiat)
    price = await offer_price(session, asset=asset, fiat=fiat, price=price, margin_pct=margin_pct)
    worth = max_fiat_for(amount, price, fiat)
    if amount > 0 and max_fiat > worth:
        raise DomainError(
            "max_exceeds_amount", max_fiat=str(max_fiat), amount_fiat=str(worth), fiat=fiat.value
        )
    return worth


async def validate_draft(
    session: AsyncSession, draft: OfferDraft, rules: market.Rules, *, allow_empty: bool = False
) -> Decimal:
    """Check every rule of an offer; returns its current price. Raises DomainError with facts.

    ``allow_empty``: an edit of an offer whose amount is all traded (remaining 0)."""
    draft = replace(draft, side=Side(draft.side), asset=Asset(draft.asset), fiat=Fiat(draft.fiat))
    if draft.amount < 0 or (draft.amount == 0 and not allow_empty):
        raise DomainError("amount_invalid", amount=draft.amount)
    price = await _validated_price(session, draft, rules)
    min_fiat = check_fiat_precision(draft.min_fiat, draft.fiat, "min_fiat")
    max_fiat = check_fiat_precision(draft.max_fiat, draft.fiat, "max_fiat")
    if min_fiat <= 0 or max_fiat < min_fiat:
        raise DomainError("limits_invalid", min_fiat=str(min_fiat), max_fiat=str(max_fiat))
    most = max_fiat_for(draft.amount, price, draft.fiat)
    if draft.amount > 0 and min_fiat > most:
        raise DomainError("limits_exceed_amount", min_fiat=str(min_fiat), amount_fiat=str(most),
                          fiat=draft.fiat.value)
    unknown = [m for m in draft.payment_methods if m not in PAYMENT_METHODS]
    if unknown:
        raise DomainError("payment_method_unknown", methods=unknown, allowed=list(PAYMENT_METHODS))
    if not draft.payment_methods and not (draft.payment_note or "").strip():
        raise DomainError("payment_method_required")
    if draft.payment_note is not None and len(draft.payment_note) > NOTE_MAX:
        raise DomainError("payment_note_too_long", max=NOTE_MAX, length=len(draft.payment_note))
    if draft.payment_window not in rules.payment_windows:
        raise DomainError("payment_window_invalid", value=draft.payment_window, allowed=list(rules.payment_windows))
    if draft.terms is not None and len(draft.terms) > TERMS_MAX:
        raise DomainError("terms_too_long", max=TERMS_MAX, length=len(draft.terms))
    if draft.visibility not in trust.VISIBILITIES:
        raise DomainError("visibility_invalid", value=draft.visibility)
    if draft.auto_reply is not None and len(draft.auto_reply) > AUTO_REPLY_MAX:
        raise DomainError("auto_reply_too_long", max=AUTO_REPLY_MAX, length=len(draft.auto_reply))
    check_public_text(draft.auto_reply, "auto_reply")  # account numbers come from payment accounts
    check_public_text(draft.terms, "terms")  # numbers belong in payment accounts
    check_public_text(draft.payment_note, "payment_note")
    if draft.min_trades < 0 or draft.min_account_age_days < 0:
        raise DomainError("requirement_invalid", min_trades=draft.min_trades,
                          min_account_age_days=draft.min_account_age_days)
    return price


async def _check_accounts(session: AsyncSession, maker_id: int, draft: OfferDraft) -> list[int]:
    """The offer's accepted accounts: the maker's own, of the offer's methods; their ids."""
    accounts = await own_accounts(session, user_id=maker_id, account_ids=draft.payment_account_ids)
    for account in accounts:
        if account.method not in draft.payment_methods:
            raise DomainError("account_method_mismatch", method=account.method,
                              allowed=list(draft.payment_methods))
    return [a.id for a in accounts]


async def with_saved_accounts(session: AsyncSession, maker_id: int, draft: OfferDraft) -> OfferDraft:
    """A sell offer accepts the maker's saved accounts of its methods (the buyer of a trade is
    shown the one of the method they pay by); a cash offer takes its city from the cash account.
    Nothing to choose: the accounts are saved once (/accounts)."""
    if Side(draft.side) != Side.SELL or draft.payment_account_ids:
        return draft
    accounts = [a for a in await accounts_of(session, maker_id) if a.method in draft.payment_methods]
    city = draft.city or next((a.city for a in accounts if a.city), None)
    return replace(draft, payment_account_ids=tuple(a.id for a in accounts), city=city)


def _offer_city(draft: OfferDraft) -> str | None:
    city = " ".join((draft.city or "").split())
    if len(city) > 40:
        raise DomainError("city_invalid", max=40)
    return city or None


async def accept_account(session: AsyncSession, *, maker_id: int, account: PaymentAccount) -> list[int]:
    """A newly saved account joins the maker's open sell offers of its method (their buyers are
    shown it from the next trade on); returns those offers' ids."""
    stmt = select(Offer).where(Offer.maker_id == maker_id, Offer.side == Side.SELL.value,
                               Offer.status != OfferStatus.CLOSED.value).with_for_update()  # fmt: skip
    changed = []
    for offer in (await session.execute(stmt)).scalars():
        if account.method in offer.payment_methods and account.id not in offer.payment_account_ids:
            offer.payment_account_ids = [*offer.payment_account_ids, account.id]
            changed.append(offer.id)
    await session.flush()
    return changed


async def _require_active_user(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise DomainError("user_not_found", user_id=user_id)
    if user.is_banned:
        raise DomainError("user_banned", user_id=user_id)
    return user


async def _move_reserve(session: AsyncSession, offer: Offer, target: int) -> None:
    """Make the sell offer's reserve hold ``target`` (taking from / returning to the maker)."""
    delta = target - offer.reserved
    if delta == 0:
        return
    offer.reserve_seq += 1
    maker, reserve = AccountRef.user(offer.maker_id), AccountRef.offer_reserve(offer.id, offer.maker_id)
    await transfer(
        session,
        kind="offer_fund" if delta > 0 else "offer_unfund",
        key=f"offer:{offer.id}:reserve:{offer.reserve_seq}",
        src=maker if delta > 0 else reserve,
        dst=reserve if delta > 0 else maker,
        asset=offer.asset_enum,
        amount=abs(delta),
        ref=f"offer:{offer.id}",
    )


async def announce_offer(
    session: AsyncSession,
    offer: Offer,
    change: str,
    *,
    current_price: Decimal | None = None,
    take_price: Decimal | None = None,
    to_maker: bool = False,
) -> None:
    """The one announcer of an offer's change: its whole state to the offers channel (the post
    shows the newest), and to the maker when they made the change. Given the price of a take,
    says whether the rest can still be taken (the channel removes the post of an offer sold out
    down to less than one trade's minimum). The post names the maker (their nickname)."""
    takeable = can_be_taken(offer, take_price) if take_price is not None else None
    maker = await session.get(User, offer.maker_id)
    maker_name = maker.public_name if maker is not None else None
    recipients = [*([outbox.OFFERS_CHANNEL] if offer.visibility == "public" else []),
                  *([outbox.user(offer.maker_id)] if to_maker else [])]  # fmt: skip
    if not recipients:
        return
    event = offer.changed(change, current_price=current_price, takeable=takeable, maker_name=maker_name)
    outbox.emit(session, event, recipients)


def _payment_methods(methods: tuple[str, ...]) -> list[str]:
    return list(dict.fromkeys(m.strip().lower() for m in methods))


@dataclass(frozen=True)
class OfferPreview:
    """What publishing a draft would do, for the maker's confirmation screen."""

    price: Decimal  # the price now (a floating price follows the reference rate)
    maker_fee_pct: Decimal  # fixed for the offer's trades when it is published
    reserve: int  # sell offers: taken from the maker's available balance (amount + fee part)
    available: int  # the maker's available balance now


def _reserve(amount: int, fee_pct: Decimal) -> int:
    return amount + fee_for(amount, fee_pct)


async def sell_reserve(
    session: AsyncSession, *, maker_id: int, asset: Asset, amount: int, rules: market.Rules | None = None
) -> tuple[int, int]:
    """(needed, available): what a sell offer of ``amount`` takes from the maker's balance (the
    amount and the maker's fee), and their available balance now. The offer form asks at the
    amount step; preview_offer and publish_offer refuse the same shortfall."""
    rules = rules or await market.rules(session)
    maker = await session.get(User, maker_id)
    fee_pct = premium.fee_pct_for(maker, rules.maker_fee_pct) if maker is not None else rules.maker_fee_pct
    return _reserve(amount, fee_pct), await balance(session, AccountRef.user(maker_id), Asset(asset))


async def preview_offer(
    session: AsyncSession, *, maker_id: int, draft: OfferDraft, rules: market.Rules | None = None
) -> OfferPreview:
    """Validate a draft and show its price, fee and reserve without changing anything.
    Raises the same DomainError codes as publish_offer (InsufficientFunds included)."""
    rules = rules or await market.rules(session)
    draft = replace(draft, payment_methods=tuple(_payment_methods(draft.payment_methods)))  # as publish_offer
    price = await validate_draft(session, draft, rules)
    await _check_accounts(session, maker_id, draft)
    maker = await _require_active_user(session, maker_id)
    await advertising.check_may_advertise(session, maker, rules)
    fee_pct = premium.fee_pct_for(maker, rules.maker_fee_pct)
    reserve = _reserve(draft.amount, fee_pct) if Side(draft.side) == Side.SELL else 0
    available = await balance(session, AccountRef.user(maker_id), Asset(draft.asset))
    if available < reserve:
        raise InsufficientFunds(asset=Asset(draft.asset), needed=reserve, available=available)
    return OfferPreview(price=price, maker_fee_pct=fee_pct, reserve=reserve, available=available)


async def publish_offer(
    session: AsyncSession, *, maker_id: int, draft: OfferDraft, rules: market.Rules | None = None
) -> Offer:
    """Validate and publish an offer; a sell offer is funded in the same transaction.

    Raises DomainError (validation codes), InsufficientFunds (sell offer without the balance).
    """
    rules = rules or await market.rules(session)
    draft = replace(draft, payment_methods=tuple(_payment_methods(draft.payment_methods)))
    price = await validate_draft(session, draft, rules)
    account_ids = await _check_accounts(session, maker_id, draft)
    maker = await _require_active_user(session, maker_id)
    await advertising.check_may_advertise(session, maker, rules)
    await limits.check_open_offers(session, maker)
    await names.ensure_nickname(session, maker)  # offers name their maker
    offer = Offer(
        maker_id=maker_id,
        side=Side(draft.side).value,
        asset=Asset(draft.asset).value,
        fiat=Fiat(draft.fiat).value,
        price_type=(PriceType.FIXED if draft.price is not None else PriceType.FLOATING).value,
        price=draft.price,
        margin_pct=draft.margin_pct,
        amount=draft.amount,
        remaining=0,
        fee_reserve=0,
        maker_fee_pct=premium.fee_pct_for(maker, rules.maker_fee_pct),  # members pay less
        min_fiat=draft.min_fiat,
        max_fiat=draft.max_fiat,
        payment_methods=list(draft.payment_methods),
        payment_note=(draft.payment_note or "").strip() or None,
        payment_account_ids=account_ids,
        city=_offer_city(draft),
        payment_window=draft.payment_window,
        terms=(draft.terms or "").strip() or None,
        min_trades=draft.min_trades,
        min_account_age_days=draft.min_account_age_days,
        status=OfferStatus.ACTIVE.value,
        reserve_seq=0,
        visibility=draft.visibility,
        link_token=trust.new_link_token() if draft.visibility == "private" else None,
        auto_reply=(draft.auto_reply or "").strip() or None,
    )
    session.add(offer)
    await session.flush()
    if offer.side == Side.SELL:
        await _move_reserve(session, offer, _reserve(draft.amount, offer.maker_fee_pct))
        offer.fee_reserve = fee_for(draft.amount, offer.maker_fee_pct)
    offer.remaining = draft.amount
    await session.flush()
    await announce_offer(session, offer, "published", current_price=price, to_maker=True)
    return offer


async def get_offer(session: AsyncSession, offer_id: int) -> Offer:
    offer = await fresh(session, Offer, offer_id)
    if offer is None:
        raise DomainError("offer_not_found", offer_id=offer_id)
    return offer


async def lock_offer(session: AsyncSession, offer_id: int) -> Offer:
    """The offer row, locked until the end of the transaction (takes and edits serialise here)."""
    offer = await fresh(session, Offer, offer_id, lock=True)
    if offer is None:
        raise DomainError("offer_not_found", offer_id=offer_id)
    return offer


async def _own_open_offer(session: AsyncSession, offer_id: int, actor_id: int, by_admin: bool) -> Offer:
    offer = await lock_offer(session, offer_id)
    if offer.maker_id != actor_id and not by_admin:
        raise DomainError("not_offer_owner", offer_id=offer_id)
    if offer.status == OfferStatus.CLOSED:
        raise DomainError("offer_closed", offer_id=offer_id)
    return offer


def _pick(new: T | None, old: T) -> T:
    return old if new is None else new


def _draft_of(offer: Offer, patch: OfferPatch) -> OfferDraft:
    price, margin = offer.price, offer.margin_pct
    if patch.price is not None:
        price, margin = patch.price, None
    if patch.margin_pct is not None:
        price, margin = None, patch.margin_pct
    note = offer.payment_note if patch.payment_note is None else patch.payment_note
    terms = offer.terms if patch.terms is None else patch.terms

    return OfferDraft(
        side=Side(offer.side),
        asset=offer.asset_enum,
        fiat=offer.fiat_enum,
        amount=_pick(patch.amount, offer.remaining),
        min_fiat=_pick(patch.min_fiat, offer.min_fiat),
        max_fiat=_pick(patch.max_fiat, offer.max_fiat),
        payment_methods=tuple(_payment_methods(_pick(patch.payment_methods, tuple(offer.payment_methods)))),
        payment_window=_pick(patch.payment_window, offer.payment_window),
        price=price,
        margin_pct=margin,
        payment_note=note,
        terms=terms,
        min_trades=_pick(patch.min_trades, offer.min_trades),
        min_account_age_days=_pick(patch.min_account_age_days, offer.min_account_age_days),
    )


async def edit_offer(
    session: AsyncSession,
    *,
    offer_id: int,
    actor_id: int,
    patch: OfferPatch,
    rules: market.Rules | None = None,
) -> Offer:
    """Change an active or paused offer (only its maker). A new amount is the new remaining
    amount: a sell offer's reserve is topped up (InsufficientFunds) or the difference returned."""
    rules = rules or await market.rules(session)
    offer = await _own_open_offer(session, offer_id, actor_id, by_admin=False)
    if patch.amount is not None and patch.amount <= 0:
        raise DomainError("amount_invalid", amount=patch.amount)
    draft = _draft_of(offer, patch)
    price = await validate_draft(session, draft, rules, allow_empty=True)
    if patch.amount is not None:
        if offer.side == Side.SELL:
            fee_reserve = fee_for(patch.amount, offer.maker_fee_pct)
            await _move_reserve(session, offer, patch.amount + fee_reserve)
            offer.fee_reserve = fee_reserve
        offer.amount = offer.amount - offer.remaining + patch.amount
        offer.remaining = patch.amount
    offer.price_type = (PriceType.FIXED if draft.price is not None else PriceType.FLOATING).value
    offer.price, offer.margin_pct = draft.price, draft.margin_pct
    offer.min_fiat, offer.max_fiat = draft.min_fiat, draft.max_fiat
    offer.payment_methods = list(draft.payment_methods)
    offer.payment_note = (draft.payment_note or "").strip() or None
    offer.payment_window = draft.payment_window
    offer.terms = (draft.terms or "").strip() or None
    offer.min_trades, offer.min_account_age_days = draft.min_trades, draft.min_account_age_days
    offer.updated_at = _now()
    await session.flush()
    await announce_offer(session, offer, "updated", current_price=price, to_maker=True)
    return offer


async def pause_offer(session: AsyncSession, *, offer_id: int, actor_id: int) -> Offer:
    """Hide an offer from browsing and taking. Its reserve stays; open trades go on."""
    offer = await _own_open_offer(session, offer_id, actor_id, by_admin=False)
    if offer.status == OfferStatus.PAUSED:
        raise DomainError("offer_state", offer_id=offer_id, status=offer.status)
    offer.status = OfferStatus.PAUSED.value
    offer.updated_at = _now()
    await session.flush()
    await announce_offer(session, offer, "paused", to_maker=True)
    return offer


async def resume_offer(
    session: AsyncSession, *, offer_id: int, actor_id: int, rules: market.Rules | None = None
) -> Offer:
    """Show a paused offer again (its price must still be within the allowed deviation)."""
    rules = rules or await market.rules(session)
    offer = await _own_open_offer(session, offer_id, actor_id, by_admin=False)
    if offer.status != OfferStatus.PAUSED:
        raise DomainError("offer_state", offer_id=offer_id, status=offer.status)
    reference = await market.get_reference_rate(session, offer.asset_enum, offer.fiat_enum)
    price = price_at(offer, reference)
    check_deviation(price, reference, rules.price_deviation_pct, offer.fiat_enum)
    offer.status = OfferStatus.ACTIVE.value
    offer.updated_at = _now()
    await session.flush()
    await announce_offer(session, offer, "resumed", current_price=price, to_maker=True)
    return offer


async def close_offer(session: AsyncSession, *, offer_id: int, actor_id: int, by_admin: bool = False) -> Offer:
    """Close for good; a sell offer's reserve (remaining amount and unused fee part) goes back
    to the maker. Open trades go on; a later refund of one goes to the seller's available."""
    offer = await _own_open_offer(session, offer_id, actor_id, by_admin=by_admin)
    await _close(session, offer)
    return offer


async def _close(session: AsyncSession, offer: Offer) -> None:
    if offer.side == Side.SELL:
        await _move_reserve(session, offer, 0)
    offer.remaining, offer.fee_reserve = 0, 0
    offer.status = OfferStatus.CLOSED.value
    offer.closed_at = offer.updated_at = _now()
    await session.flush()
    await announce_offer(session, offer, "closed", to_maker=True)


def can_be_taken(offer: Offer, price: Decimal) -> bool:
    """Whether what the offer has left, at ``price``, still covers one trade's minimum (browsing
    asks the same in SQL)."""
    return offer.remaining > 0 and max_fiat_for(offer.remaining, price, offer.fiat_enum) >= offer.min_fiat


async def close_if_sold_out(session: AsyncSession, offer: Offer) -> bool:
    """Close an open offer that cannot be taken any more and has no open trade (see the module
    docstring); True if it closed. The caller holds the offer's lock (lock_offer) and has
    flushed the state of the trade that just finished."""
    if offer.status == OfferStatus.CLOSED:
        return False
    if offer.remaining > 0:
        fixed = offer.price_type == PriceType.FIXED
        reference = None if fixed else await market.get_reference_rate(session, offer.asset_enum, offer.fiat_enum)
        if not fixed and reference is None:
            return False  # no price to judge by: it stays until the maker closes it
        if can_be_taken(offer, price_at(offer, reference)):
            return False
    open_trade = await session.scalar(
        select(Trade.id).where(Trade.offer_id == offer.id,
                               Trade.status.in_([s.value for s in OPEN_TRADE_STATUSES])).limit(1)
    )  # fmt: skip
    if open_trade is not None:
        return False
    await _close(session, offer)
    return True


async def my_offers(session: AsyncSession, user_id: int, *, include_closed: bool = False) -> list[Offer]:
    """The maker's offers, newest first (closed ones only when asked)."""
    stmt = select(Offer).where(Offer.maker_id == user_id).order_by(Offer.id.desc())
    if not include_closed:
        stmt = stmt.where(Offer.status != OfferStatus.CLOSED)
    return list((await session.execute(stmt)).scalars())


# --- the new-offer form's defaults ------------------------------------------------------------------

DEFAULT_MIN_FIAT = {Fiat.IQD: Decimal(10_000), Fiat.USD: Decimal(10)}  # a small trade


async def last_offer(session: AsyncSession, maker_id: int, side: Side | None = None) -> Offer | None:
    """The maker's newest offer (of ``side`` when given), closed ones included: the new-offer
    form starts from its settings (market, price type, methods, window, terms, requirements)."""
    stmt = select(Offer).where(Offer.maker_id == maker_id)
    if side is not None:
        stmt = stmt.where(Offer.side == Side(side).value)
    return (await session.execute(stmt.order_by(Offer.id.desc()).limit(1))).scalar_one_or_none()


async def default_limits(
    session: AsyncSession,
    *,
    asset: Asset,
    fiat: Fiat,
    amount: int,
    price: Decimal | None = None,
    margin_pct: Decimal | None = None,
) -> tuple[Decimal, Decimal]:
    """The per-trade limits of an offer whose maker did not set them: from a small trade
    (DEFAULT_MIN_FIAT, or the whole offer when it is worth less) up to the whole offer."""
    fiat = Fiat(fiat)
    price = await offer_price(session, asset=asset, fiat=fiat, price=price, margin_pct=margin_pct)
    worth = max_fiat_for(amount, price, fiat)
    return min(DEFAULT_MIN_FIAT[fiat], worth), worth
