"""Trades: the state machine, the only place that decides what happens to a trade.

```
take ──> AWAITING_PAYMENT ──buyer: mark_paid──> PAID ──seller: release──> COMPLETED
            │  └─seller: release (saw the money before "paid")───────────────^
            ├─ buyer: cancel / window expires (jobs.expire_due) ──> CANCELLED (refund)
            │                                   PAID ─either party, after a while─> DISPUTED
            │                                   PAID ─no release for 24 h (jobs.escalate_due)─> DISPUTED
            │                                   DISPUTED ─moderator (disputes.resolve)─> COMPLETED | CANCELLED
```

Every transition locks the trade row (SELECT ... FOR UPDATE), checks who acts and in which
state, moves the money through the ledger, changes the state and writes the timeline and the
outbox events, all in the caller's ONE transaction. A second click, a racing job or another
party's action then waits for the lock and finds the new state: it gets
``DomainError("trade_state", state=..., expected=[...])`` and changes nothing.

Money: opening moves ``crypto_amount + seller_fee`` into the trade's escrow account (from the
sell offer's reserve, or from the selling taker's available balance). Release pays the buyer
``crypto_amount - buyer_fee`` and the platform's FEES account both fees, and closes the offer
if it is sold out (offers.close_if_sold_out). A refund moves the
whole escrow back: to the sell offer's reserve while the offer is active or paused (its
remaining amount is restored), else to the seller's available balance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core import events, outbox
from core.accounts import names, referrals
from core.accounts.models import PaymentAccount
from core.accounts.payment_accounts import accounts_of, own_account, payer_name_check
from core.db import fresh
from core.errors import DomainError, InsufficientFunds
from core.escrow import availability, holds, limits, market, premium, reputation, trust
from core.escrow.chat import record_message
from core.escrow.models import (
    OPEN_TRADE_STATUSES,
    Offer,
    OfferStatus,
    Side,
    Trade,
    TradeEvent,
    TradeStatus,
    fiat_text,
)
from core.escrow.offers import (
    announce_offer,
    close_if_sold_out,
    current_price,
    get_offer,
    lock_offer,
    price_at,
)
from core.escrow.pricing import TradeNumbers, check_deviation, max_fiat_for, trade_numbers
from core.faults import crash_point
from core.ledger import AccountRef, Posting, Purpose, balance, post_entry, transfer
from core.money import Asset
from core.users import User


@dataclass(frozen=True)
class Receipt:
    """A payment receipt photo as Telegram identifies it."""

    file_id: str
    file_unique_id: str


@dataclass(frozen=True)
class Quote:
    """What taking an offer would do; shown to the taker before they confirm."""

    offer_id: int
    seller_id: int
    buyer_id: int
    asset: Asset
    numbers: TradeNumbers
    payment_method: str | None
    payment_window: int  # minutes

    @property
    def price(self) -> Decimal:
        return self.numbers.price

    @property
    def fiat_amount(self) -> Decimal:
        return self.numbers.fiat_amount

    @property
    def crypto_amount(self) -> int:
        return self.numbers.crypto_amount


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


# --- reading -----------------------------------------------------------------------------------


async def get_trade(session: AsyncSession, trade_id: int) -> Trade:
    trade = await fresh(session, Trade, trade_id)
    if trade is None:
        raise DomainError("trade_not_found", trade_id=trade_id)
    return trade


async def lock_trade(session: AsyncSession, trade_id: int) -> Trade:
    """The trade row, locked until the end of the transaction."""
    trade = await fresh(session, Trade, trade_id, lock=True)
    if trade is None:
        raise DomainError("trade_not_found", trade_id=trade_id)
    return trade


async def my_trades(session: AsyncSession, user_id: int, *, open_only: bool = False, limit: int = 20) -> list[Trade]:
    """The user's trades (as buyer or seller), newest first."""
    stmt = select(Trade).where(or_(Trade.seller_id == user_id, Trade.buyer_id == user_id))
    if open_only:
        stmt = stmt.where(Trade.status.in_([s.value for s in OPEN_TRADE_STATUSES]))
    stmt = stmt.order_by(Trade.id.desc()).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def timeline(session: AsyncSession, trade_id: int) -> list[TradeEvent]:
    """Every event of a trade with its time, oldest first (the admin screen)."""
    stmt = select(TradeEvent).where(TradeEvent.trade_id == trade_id).order_by(TradeEvent.id)
    return list((await session.execute(stmt)).scalars())


# --- shared checks and effects -------------------------------------------------------------------


def require_state(trade: Trade, *states: TradeStatus) -> None:
    if trade.status not in states:
        raise DomainError(
            "trade_state", trade_id=trade.id, state=trade.status, expected=[s.value for s in states]
        )


def require_role(trade: Trade, actor_id: int, role: str) -> None:
    """``role`` is "buyer", "seller" or "party"."""
    if actor_id not in trade.party_ids():
        raise DomainError("not_party", trade_id=trade.id)
    if role == "buyer" and actor_id != trade.buyer_id:
        raise DomainError("not_your_role", trade_id=trade.id, role="buyer")
    if role == "seller" and actor_id != trade.seller_id:
        raise DomainError("not_your_role", trade_id=trade.id, role="seller")


def record_event(
    session: AsyncSession, trade: Trade, kind: str, actor_id: int | None, at: datetime, **data: Any
) -> None:
    session.add(
        TradeEvent(trade_id=trade.id, kind=kind, actor_id=actor_id, status=trade.status, data=data, created_at=at)
    )


def notify_parties(session: AsyncSession, event: events.Event, trade: Trade, extra: list[str] | None = None) -> None:
    outbox.emit(session, event, [outbox.user(trade.seller_id), outbox.user(trade.buyer_id), *(extra or [])])


async def apply_release(
    session: AsyncSession, trade: Trade, *, now: datetime, actor_id: int | None, reason: str
) -> None:
    """Escrow to the buyer (less the buyer's fee) and both fees to the platform; COMPLETED.
    The caller holds the trade lock and checked state and actor."""
    escrow = AccountRef.trade_escrow(trade.id, trade.seller_id)
    asset = Asset(trade.asset)
    await post_entry(
        session,
        kind="trade_release",
        key=f"trade:{trade.id}:release",
        postings=[
            Posting(escrow, asset, -trade.escrow_amount),
            Posting(AccountRef.user(trade.buyer_id), asset, trade.buyer_receives),
            Posting(AccountRef.platform(Purpose.FEES), asset, trade.fee_total),
        ],
        ref=f"trade:{trade.id}",
    )
    buyer = await session.get(User, trade.buyer_id)
    assert buyer is not None
    await holds.record(session, buyer=buyer, trade_id=trade.id, asset=asset, amount=trade.buyer_receives, now=now)
    for payer_id, fee in ((trade.seller_id, trade.seller_fee), (trade.buyer_id, trade.buyer_fee)):
        await referrals.reward_referrer(session, trade_id=trade.id, user_id=payer_id, fee_micro=fee, asset=asset)
    trade.status = TradeStatus.COMPLETED.value
    trade.completed_at = now
    trade.close_reason = reason
    record_event(session, trade, "released", actor_id, now, buyer_receives=trade.buyer_receives,
                 fees=trade.fee_total, by=reason)
    await session.flush()  # the trade is no longer open for close_if_sold_out
    await close_if_sold_out(session, await lock_offer(session, trade.offer_id))
    notify_parties(session, events.TradeCompleted(trade=trade.facts(), by=reason), trade)
    outbox.emit(session, events.TradeCompleted(trade=trade.deal()), [outbox.PAYMENTS_CHANNEL])


async def apply_refund(
    session: AsyncSession, trade: Trade, *, now: datetime, actor_id: int | None, reason: str
) -> None:
    """The whole escrow back where it came from; CANCELLED. The caller holds the trade lock."""
    escrow = AccountRef.trade_escrow(trade.id, trade.seller_id)
    offer = await lock_offer(session, trade.offer_id)
    offer_open = offer.status in (OfferStatus.ACTIVE, OfferStatus.PAUSED)
    to_reserve = trade.escrow_source == "reserve" and offer_open
    destination = AccountRef.offer_reserve(offer.id, offer.maker_id) if to_reserve else AccountRef.user(trade.seller_id)
    await transfer(
        session,
        kind="trade_refund",
        key=f"trade:{trade.id}:refund",
        src=escrow,
        dst=destination,
        asset=Asset(trade.asset),
        amount=trade.escrow_amount,
        ref=f"trade:{trade.id}",
    )
    if offer_open:
        offer.remaining += trade.crypto_amount
        if to_reserve:
            offer.fee_reserve += trade.seller_fee
        await announce_offer(session, offer, "updated")
    trade.status = TradeStatus.CANCELLED.value
    trade.cancelled_at = now
    trade.close_reason = reason
    record_event(session, trade, "cancelled", actor_id, now, by=reason,
                 refunded_to="reserve" if to_reserve else "available")
    notify_parties(session, events.TradeCancelled(trade=trade.facts(), by=reason), trade)
    if reason == "expired":
        crash_point("trade.expiry.before_commit")


# --- opening -------------------------------------------------------------------------------------


# Statements every take runs, built once (building and keying one for SQLAlchemy's cache costs
# more than running it); their values are bind parameters.
_RECENT_CANCELS = select(func.count(), func.max(Trade.cancelled_at)).where(
    Trade.buyer_id == bindparam("buyer_id"),
    Trade.status == TradeStatus.CANCELLED.value,
    Trade.close_reason.in_(("buyer", "expired")),
    Trade.cancelled_at > bindparam("since"),
)
_OPEN_TRADES = select(func.count()).where(
    or_(Trade.seller_id == bindparam("user_id"), Trade.buyer_id == bindparam("user_id")),
    Trade.status.in_([s.value for s in OPEN_TRADE_STATUSES]),
)


async def _cooldown_until(session: AsyncSession, buyer_id: int, now: datetime, rules: market.Rules) -> datetime | None:
    """A buyer who cancelled (or let expire) ``cancel_limit`` trades within 24 h waits
    ``cancel_cooldown`` after the last one before taking as a buyer again."""
    params = {"buyer_id": buyer_id, "since": now - timedelta(hours=24)}
    count, last = (await session.execute(_RECENT_CANCELS, params)).one()
    if rules.cancel_limit and count >= rules.cancel_limit and last is not None:
        until: datetime = last + rules.cancel_cooldown
        if until > now:
            return until
    return None


async def _open_trade_count(session: AsyncSession, user_id: int) -> int:
    return int((await session.execute(_OPEN_TRADES, {"user_id": user_id})).scalar_one())


def _check_open_to(offer: Offer, taker_id: int) -> None:
    if offer.status != OfferStatus.ACTIVE:  # first: a closed offer is the answer, whoever asks
        raise DomainError("offer_unavailable", offer_id=offer.id, status=offer.status)
    if offer.maker_id == taker_id:
        raise DomainError("own_offer", offer_id=offer.id)


async def take_range(session: AsyncSession, *, offer_id: int, taker_id: int) -> tuple[Offer, Decimal]:
    """Before asking a taker for an amount: the offer, if it is open and not their own, and the
    most fiat they can ask for at its price now. quote() and take() check everything else."""
    offer = await get_offer(session, offer_id)
    _check_open_to(offer, taker_id)
    await trust.check_may_see(session, offer, taker_id)
    maker = await session.get(User, offer.maker_id)
    if maker is not None:
        availability.check_open(maker, datetime.now(UTC))
    price = await current_price(session, offer)
    return offer, min(offer.max_fiat, max_fiat_for(offer.remaining, price, offer.fiat_enum))


async def _check_parties(session: AsyncSession, offer: Offer, *, taker_id: int, rules: market.Rules,
                         now: datetime) -> tuple[User, User]:  # fmt: skip
    """The rules about who may trade with whom; returns (taker, maker). Raises DomainError with
    the facts. take() checks them before locking the offer (a block or a ban arriving meanwhile
    is as if it arrived just after), so the offer's lock, which every taker of the offer waits
    for, is held for less."""
    _check_open_to(offer, taker_id)
    taker = await session.get(User, taker_id)
    maker = await session.get(User, offer.maker_id)
    if taker is None:
        raise DomainError("user_not_found", user_id=taker_id)
    if taker.is_banned:
        raise DomainError("user_banned", user_id=taker_id)
    if maker is None or maker.is_banned:
        raise DomainError("offer_unavailable", offer_id=offer.id, status="maker_banned")
    availability.check_open(maker, now)
    if await reputation.is_blocked(session, taker_id, offer.maker_id):
        raise DomainError("blocked", offer_id=offer.id)
    await trust.check_may_see(session, offer, taker_id)
    if offer.min_trades:
        done = await reputation.completed_count(session, taker_id)
        if done < offer.min_trades:
            raise DomainError("requirement_trades", required=offer.min_trades, actual=done)
    if offer.min_account_age_days:
        age = (now - taker.created_at).days
        if age < offer.min_account_age_days:
            raise DomainError("requirement_account_age", required=offer.min_account_age_days, actual=age)
    if offer.side == Side.SELL:  # the taker buys
        until = await _cooldown_until(session, taker_id, now, rules)
        if until is not None:
            raise DomainError("cancel_cooldown", until=until.isoformat(), limit=rules.cancel_limit)
    return taker, maker


async def _terms(
    session: AsyncSession,
    offer: Offer,
    *,
    taker: User,
    fiat_amount: Decimal | None,
    crypto_amount: int | None,
    payment_method: str | None,
    rules: market.Rules,
    reference: Decimal | None,
    now: datetime,
) -> Quote:
    """The rules about the offer's terms and what it has left, and the taker's open trades.
    Raises DomainError with the facts."""
    if offer.status != OfferStatus.ACTIVE:
        raise DomainError("offer_unavailable", offer_id=offer.id, status=offer.status)
    taker_id = taker.id
    if payment_method is None and len(offer.payment_methods) == 1:
        payment_method = offer.payment_methods[0]
    if payment_method is not None and payment_method not in offer.payment_methods:
        raise DomainError("payment_method_unknown", methods=[payment_method], allowed=list(offer.payment_methods))

    price = price_at(offer, reference)
    check_deviation(price, reference, rules.price_deviation_pct, offer.fiat_enum)
    sell = offer.side == Side.SELL
    taker_fee_pct = premium.fee_pct_for(taker, rules.taker_fee_pct, now)  # members pay less
    numbers = trade_numbers(
        price=price,
        fiat=offer.fiat_enum,
        fiat_amount=fiat_amount,
        crypto_amount=crypto_amount,
        seller_fee_pct=offer.maker_fee_pct if sell else taker_fee_pct,
        buyer_fee_pct=taker_fee_pct if sell else offer.maker_fee_pct,
    )
    available_fiat = max_fiat_for(offer.remaining, price, offer.fiat_enum)
    if not offer.min_fiat <= numbers.fiat_amount <= offer.max_fiat:
        raise DomainError(
            "amount_out_of_limits",
            fiat_amount=fiat_text(numbers.fiat_amount, offer.fiat),
            min_fiat=fiat_text(offer.min_fiat, offer.fiat),
            max_fiat=fiat_text(min(offer.max_fiat, available_fiat), offer.fiat),
            fiat=offer.fiat,
        )
    if numbers.crypto_amount > offer.remaining or (sell and numbers.seller_fee > offer.fee_reserve):
        raise DomainError(
            "offer_insufficient", remaining=offer.remaining, available_fiat=fiat_text(available_fiat, offer.fiat),
            fiat=offer.fiat,
        )
    seller_id, buyer_id = (offer.maker_id, taker_id) if sell else (taker_id, offer.maker_id)
    if await _open_trade_count(session, taker_id) >= rules.max_open_trades:
        raise DomainError("too_many_open_trades", limit=rules.max_open_trades)
    return Quote(
        offer_id=offer.id,
        seller_id=seller_id,
        buyer_id=buyer_id,
        asset=offer.asset_enum,
        numbers=numbers,
        payment_method=payment_method,
        payment_window=offer.payment_window,
    )


async def quote(
    session: AsyncSession,
    *,
    offer_id: int,
    taker_id: int,
    fiat_amount: Decimal | None = None,
    crypto_amount: int | None = None,
    payment_method: str | None = None,
    rules: market.Rules | None = None,
    now: datetime | None = None,
) -> Quote:
    """The numbers take() would use, changing nothing. A selling taker without the balance for
    the escrow gets InsufficientFunds here already."""
    rules = rules or await market.rules(session)
    now = _now(now)
    offer = await get_offer(session, offer_id)
    taker, _ = await _check_parties(session, offer, taker_id=taker_id, rules=rules, now=now)
    reference = await market.get_reference_rate(session, offer.asset_enum, offer.fiat_enum)
    q = await _terms(session, offer, taker=taker, fiat_amount=fiat_amount, crypto_amount=crypto_amount,
                     payment_method=payment_method, rules=rules, reference=reference, now=now)
    if offer.side == Side.BUY:
        available = await balance(session, AccountRef.user(taker_id), q.asset)
        if available < q.numbers.escrow_amount:
            raise InsufficientFunds(asset=q.asset, needed=q.numbers.escrow_amount, available=available)
    return q


async def take(
    session: AsyncSession,
    *,
    offer_id: int,
    taker_id: int,
    fiat_amount: Decimal | None = None,
    crypto_amount: int | None = None,
    payment_method: str | None = None,
    expected_price: Decimal | None = None,
    rules: market.Rules | None = None,
    now: datetime | None = None,
) -> Trade:
    """Open a trade on an offer for a fiat amount (or a crypto amount) and lock the seller's
    coins in escrow. Concurrent takers serialise on the offer row, so together they never take
    more than the offer has left.

    ``expected_price``: the price of the quote the taker confirmed. If the offer's price is now
    different (the maker edited it, or a floating price followed the reference rate), nothing
    happens: DomainError("price_moved", quoted, price, fiat) and the caller shows a new quote.
    The traders' bot always gives it; None (scripts, tests) takes at the price of the moment."""
    rules = rules or await market.rules(session)
    now = _now(now)
    unlocked = await session.get(Offer, offer_id)
    if unlocked is None:
        raise DomainError("offer_not_found", offer_id=offer_id)
    taker, maker = await _check_parties(session, unlocked, taker_id=taker_id, rules=rules, now=now)
    await names.ensure_nickname(session, taker)  # named on the trade cards from the first trade on
    reference = await market.get_reference_rate(session, unlocked.asset_enum, unlocked.fiat_enum)
    # Under the locks only what must be exact: the offer's terms and what it has left, the
    # taker's open trades and both parties' limits, then the writes.
    offer = await lock_offer(session, offer_id)
    # One taker's takes serialise too, so that the open-trade limit holds under double clicks.
    await session.get(User, taker_id, with_for_update=True)
    q = await _terms(session, offer, taker=taker, fiat_amount=fiat_amount, crypto_amount=crypto_amount,
                     payment_method=payment_method, rules=rules, reference=reference, now=now)
    if expected_price is not None and q.price != expected_price:
        raise DomainError("price_moved", offer_id=offer.id, quoted=str(expected_price), price=str(q.price),
                          fiat=offer.fiat)
    n = q.numbers
    # The KYC levels' per-trade and daily volumes, for both parties (under their locks).
    buyer, seller = (taker, maker) if q.buyer_id == taker_id else (maker, taker)
    await limits.check_trade_parties(session, buyer=buyer, seller=seller, asset=q.asset,
                                     amount=n.crypto_amount, actor_id=taker_id, now=now)
    sell = offer.side == Side.SELL
    trade = Trade(
        offer_id=offer.id,
        offer_side=offer.side,
        maker_id=offer.maker_id,
        taker_id=taker_id,
        seller_id=q.seller_id,
        buyer_id=q.buyer_id,
        asset=offer.asset,
        fiat=offer.fiat,
        price=n.price,
        fiat_amount=n.fiat_amount,
        crypto_amount=n.crypto_amount,
        seller_fee=n.seller_fee,
        buyer_fee=n.buyer_fee,
        escrow_source="reserve" if sell else "available",
        payment_method=q.payment_method,
        payment_window=offer.payment_window,
        status=TradeStatus.AWAITING_PAYMENT.value,
        created_at=now,
        expires_at=now + timedelta(minutes=offer.payment_window),
    )
    options = await _seller_accounts(session, offer, seller_id=q.seller_id, method=q.payment_method)
    if len(options) == 1:  # else the buyer chooses on the trade card (choose_seller_account)
        trade.seller_account_id = options[0].id
        trade.payment_method = options[0].method
    session.add(trade)
    await session.flush()
    source = AccountRef.offer_reserve(offer.id, offer.maker_id) if sell else AccountRef.user(taker_id)
    await transfer(
        session,
        kind="trade_lock",
        key=f"trade:{trade.id}:lock",
        src=source,
        dst=AccountRef.trade_escrow(trade.id, trade.seller_id),
        asset=offer.asset_enum,
        amount=n.escrow_amount,
        ref=f"trade:{trade.id}",
    )
    offer.remaining -= n.crypto_amount
    if sell:
        offer.fee_reserve -= n.seller_fee
    record_event(session, trade, "opened", taker_id, now, fiat_amount=str(n.fiat_amount),
                 crypto_amount=n.crypto_amount)
    notify_parties(session, events.TradeOpened(trade=trade.facts(), maker_id=offer.maker_id, taker_id=taker_id,
                                               payment_window=trade.payment_window, taker_name=taker.public_name),
                   trade)  # fmt: skip
    if offer.auto_reply:  # the maker's instructions, into the trade's chat (kept as evidence too)
        await record_message(session, trade, sender_id=offer.maker_id, kind="text", text=offer.auto_reply)
        outbox.emit(session, events.TradeAutoReply(trade=trade.facts(), text=offer.auto_reply),
                    [outbox.user(taker_id)])  # fmt: skip
    await announce_offer(session, offer, "updated", take_price=n.price)
    await session.flush()
    crash_point("trade.take.before_commit")
    return trade


# --- payment accounts --------------------------------------------------------------------------


async def _seller_accounts(session: AsyncSession, offer: Offer, *, seller_id: int,
                           method: str | None) -> list[PaymentAccount]:  # fmt: skip
    """Where the buyer may pay: the sell offer's accepted accounts, or (a buy offer) the selling
    taker's saved accounts of the offer's methods; only ``method``'s when it is chosen."""
    saved = await accounts_of(session, seller_id)
    if offer.side == Side.SELL:
        found = [a for a in saved if a.id in offer.payment_account_ids]
    else:
        found = [a for a in saved if a.method in offer.payment_methods]
    return [a for a in found if method is None or a.method == method]


async def seller_account_options(session: AsyncSession, trade: Trade) -> list[PaymentAccount]:
    """The seller's accounts the buyer of an unpaid trade may still choose between (empty once
    one is chosen)."""
    if trade.seller_account_id is not None or trade.status != TradeStatus.AWAITING_PAYMENT:
        return []
    offer = await get_offer(session, trade.offer_id)
    return await _seller_accounts(session, offer, seller_id=trade.seller_id, method=trade.payment_method)


async def choose_seller_account(
    session: AsyncSession, *, trade_id: int, actor_id: int, account_id: int, now: datetime | None = None
) -> Trade:
    """The buyer picks which of the seller's accounts they will pay to (the offer accepts
    several); the trade's payment method becomes that account's."""
    trade = await lock_trade(session, trade_id)
    require_role(trade, actor_id, "buyer")
    require_state(trade, TradeStatus.AWAITING_PAYMENT)
    options = {a.id: a for a in await seller_account_options(session, trade)}
    if account_id not in options:
        raise DomainError("account_not_found", account_id=account_id)
    trade.seller_account_id = account_id
    trade.payment_method = options[account_id].method
    record_event(session, trade, "account_chosen", actor_id, _now(now), method=trade.payment_method)
    await session.flush()
    return trade


async def trade_accounts(session: AsyncSession, trade: Trade) -> tuple[PaymentAccount | None, PaymentAccount | None]:
    """(the seller's account paid to, the buyer's account paid from), as far as known."""
    seller = await session.get(PaymentAccount, trade.seller_account_id) if trade.seller_account_id else None
    buyer = await session.get(PaymentAccount, trade.buyer_account_id) if trade.buyer_account_id else None
    return seller, buyer


# --- transitions ---------------------------------------------------------------------------------


async def mark_paid(
    session: AsyncSession,
    *,
    trade_id: int,
    actor_id: int,
    receipt: Receipt | None = None,
    paid_from: int | None = None,
    now: datetime | None = None,
) -> Trade:
    """The buyer says the fiat was sent (optionally with a receipt photo, and the saved account
    ``paid_from`` it left). A receipt already sent in another trade is flagged
    (events.TradeFileReused to the seller and admins). An account whose holder is not the
    buyer's verified name sets ``payer_name_check`` to "mismatch": the seller is warned before
    releasing and admins see the flag (triangulation: someone else's money)."""
    now = _now(now)
    trade = await lock_trade(session, trade_id)
    require_role(trade, actor_id, "buyer")
    require_state(trade, TradeStatus.AWAITING_PAYMENT)
    if now >= trade.expires_at:
        raise DomainError("payment_window_expired", trade_id=trade.id, expires_at=trade.expires_at.isoformat())
    if paid_from is not None:
        account = await own_account(session, user_id=actor_id, account_id=paid_from)
        buyer = await session.get(User, actor_id)
        trade.buyer_account_id = account.id
        trade.payment_method = trade.payment_method or account.method  # staff see how it was paid
        trade.payer_name_check = payer_name_check(account.holder_name, buyer.verified_name if buyer else None)
    trade.status = TradeStatus.PAID.value
    trade.paid_at = now
    reused: tuple[int, ...] = ()
    if receipt is not None:
        trade.receipt_file_id, trade.receipt_file_unique_id = receipt.file_id, receipt.file_unique_id
        result = await record_message(session, trade, sender_id=actor_id, kind="receipt",
                                      file_id=receipt.file_id, file_unique_id=receipt.file_unique_id)
        reused = result.reused_in
    record_event(session, trade, "paid", actor_id, now, receipt=receipt is not None,
                 receipt_reused_in=list(reused), payer_name_check=trade.payer_name_check)
    notify_parties(session, events.TradePaid(trade=trade.facts(), receipt_file_id=trade.receipt_file_id,
                                             receipt_reused_in=reused, payer_flagged=trade.payer_flagged), trade)
    await session.flush()
    crash_point("trade.paid.before_commit")
    return trade


async def cancel(session: AsyncSession, *, trade_id: int, actor_id: int, now: datetime | None = None) -> Trade:
    """The buyer withdraws before paying; the seller's coins go back."""
    trade = await lock_trade(session, trade_id)
    require_role(trade, actor_id, "buyer")
    require_state(trade, TradeStatus.AWAITING_PAYMENT)
    await apply_refund(session, trade, now=_now(now), actor_id=actor_id, reason="buyer")
    await session.flush()
    return trade


async def release(session: AsyncSession, *, trade_id: int, actor_id: int, now: datetime | None = None) -> Trade:
    """The seller confirms the fiat arrived and releases the coins to the buyer. Allowed once the
    buyer marked paid, and before that too (the seller may see the money first)."""
    trade = await lock_trade(session, trade_id)
    require_role(trade, actor_id, "seller")
    require_state(trade, TradeStatus.AWAITING_PAYMENT, TradeStatus.PAID)
    await apply_release(session, trade, now=_now(now), actor_id=actor_id, reason="seller")
    await session.flush()
    crash_point("trade.release.before_commit")
    return trade
