"""Withdrawal requests and the admins' decisions on them.

A user asks for a ``quote`` (destination checked, fee and what arrives shown, limits checked),
then ``request_withdrawal`` puts amount + fee on a ledger hold (entry ``withdrawal_hold``).
When the user's withdrawals of the asset in the last 24 hours (this one included; failed and
rejected ones not) pass ``approval_over`` one admin must approve, past ``two_approvals_over`` two
different admins: splitting a large withdrawal into small ones does not avoid the approval.
``reject`` releases the hold. Sending is the job in core.wallet.sender.

Money on the ledger:
  request   user AVAILABLE -> withdrawal HOLD           amount + fee   (withdrawal_hold)
  sent      HOLD -> platform WITHDRAWALS                 amount         (withdrawal_sent)
            HOLD -> platform NETWORK_FEES                fee            (same entry)
  failed    HOLD -> user AVAILABLE                       amount + fee   (withdrawal_failed)
  rejected  HOLD -> user AVAILABLE                       amount + fee   (withdrawal_rejected)
The fee is the user's contribution to the network cost, kept in the withdrawal's asset on
NETWORK_FEES; the TRX the hot wallet actually burned is stored on the withdrawal
(network_cost_sun) for reporting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core import events, outbox
from core.errors import DomainError, Forbidden, InsufficientFunds, InvalidState, NotFound
from core.escrow.limits import limits_for
from core.faults import crash_point
from core.ledger import AccountRef, Posting, Purpose, balance, post_entry, transfer
from core.money import Asset
from core.users import User
from core.wallet import addresses, whitelist
from core.wallet.addresses import InvalidAddress
from core.wallet.config import WalletConfig
from core.wallet.models import (
    DepositAddress,
    WalletPrefs,
    WhitelistEntry,
    Withdrawal,
    WithdrawalApproval,
    WithdrawalStatus,
)

COUNTED = (
    WithdrawalStatus.AWAITING_APPROVAL,
    WithdrawalStatus.APPROVED,
    WithdrawalStatus.SIGNED,
    WithdrawalStatus.BROADCAST,
    WithdrawalStatus.SENT,
)


@dataclass(frozen=True)
class Quote:
    to_address: str
    asset: Asset
    amount: int  # what arrives
    fee: int  # network fee, same asset
    total: int  # taken from the balance
    approvals_needed: int
    daily_limit: int
    daily_left: int  # before this withdrawal


def _now() -> datetime:
    return datetime.now(UTC)


async def _check_destination(session: AsyncSession, config: WalletConfig, text: str | None) -> str:
    address = addresses.parse_destination(text)
    if address == config.usdt_contract:
        raise InvalidAddress("address_contract")
    if address == config.hot_address:
        raise InvalidAddress("address_own")
    own = await session.scalar(select(DepositAddress.user_id).where(DepositAddress.address == address))
    if own is not None:
        raise InvalidAddress("address_own")
    return address


async def _daily_used(session: AsyncSession, user_id: int, asset: Asset) -> int:
    used = await session.scalar(
        select(func.coalesce(func.sum(Withdrawal.amount), 0)).where(
            Withdrawal.user_id == user_id,
            Withdrawal.asset == str(asset),
            Withdrawal.status.in_([str(s) for s in COUNTED]),
            Withdrawal.created_at > _now() - timedelta(hours=24),
        )
    )
    return int(used or 0)


@dataclass(frozen=True)
class Start:
    """Before asking for a destination: whether the balance covers the smallest withdrawal."""

    available: int
    minimum: int  # the smallest amount that arrives
    fee: int  # network fee, same asset

    @property
    def possible(self) -> bool:
        return self.available >= self.minimum + self.fee


def most_withdrawable(config: WalletConfig, asset: Asset, available: int) -> int:
    """The largest amount that arrives from ``available``: the network fee comes on top."""
    return max(available - config.withdrawal_fee[Asset(asset)], 0)


async def start(session: AsyncSession, config: WalletConfig, *, user_id: int, asset: Asset) -> Start:
    """The numbers of the first step of a withdrawal; quote() checks the real amount later."""
    asset = Asset(asset)
    available = await balance(session, AccountRef.user(user_id), asset)
    return Start(available, config.min_withdrawal[asset], config.withdrawal_fee[asset])


def daily_limit(kyc_level: int, asset: Asset) -> int:
    """The KYC level's daily withdrawal limit (core.accounts owns the limits of every level)."""
    return limits_for(kyc_level).daily_withdrawal[Asset(asset)]


def approvals_needed(config: WalletConfig, asset: Asset, day_total: int) -> int:
    """Admins needed for a withdrawal that brings the user's 24-hour total of ``asset`` to
    ``day_total``."""
    if day_total > config.two_approvals_over[asset]:
        return 2
    if day_total > config.approval_over[asset]:
        return 1
    return 0


async def quote(
    session: AsyncSession,
    config: WalletConfig,
    *,
    user_id: int,
    address: str | None,
    asset: Asset,
    amount: int,
) -> Quote:
    """Check a withdrawal without moving anything: destination, minimum, whitelist, daily limit.
    Raises InvalidAddress, DomainError (amount_too_small, user_frozen, daily_limit_exceeded,
    address_not_whitelisted, address_cooling_off) or InsufficientFunds (amount + fee)."""
    asset = Asset(asset)
    destination = await _check_destination(session, config, address)
    if type(amount) is not int:
        raise TypeError("amount must be an int of micro units")
    if amount < config.min_withdrawal[asset]:
        raise DomainError("amount_too_small", minimum=config.min_withdrawal[asset], asset=str(asset))
    await whitelist.check_address(session, user_id, destination)
    user = await session.get(User, user_id)
    if user is None:
        raise NotFound(what="user")
    if user.is_banned:
        raise DomainError("user_frozen", user_id=user_id)
    limit = daily_limit(user.kyc_level, asset)
    used = await _daily_used(session, user_id, asset)
    left = max(limit - used, 0)
    if amount > left:
        raise DomainError("daily_limit_exceeded", limit=limit, left=left, asset=str(asset))
    fee = config.withdrawal_fee[asset]
    available = await balance(session, AccountRef.user(user_id), asset)
    if available < amount + fee:
        raise InsufficientFunds(asset=asset, needed=amount + fee, available=available)
    return Quote(
        destination, asset, amount, fee, amount + fee, approvals_needed(config, asset, used + amount), limit, left
    )


async def request_withdrawal(
    session: AsyncSession,
    config: WalletConfig,
    *,
    user_id: int,
    address: str | None,
    asset: Asset,
    amount: int,
    client_key: str | None = None,
) -> Withdrawal:
    """The user confirmed: check again (under a lock on the user, so two requests cannot both
    use the same daily allowance nor both stay under the approval threshold) and move amount + fee to the withdrawal's hold.
    ``client_key`` (e.g. the confirmation button's id) makes a double click harmless: the same
    key again returns the first withdrawal. Raises what ``quote`` raises, and InsufficientFunds
    (nothing is written)."""
    await session.execute(select(User.id).where(User.id == user_id).with_for_update())
    if client_key is not None:
        same = await session.scalar(
            select(Withdrawal).where(Withdrawal.user_id == user_id, Withdrawal.client_key == client_key)
        )
        if same is not None:
            return same
    q = await quote(session, config, user_id=user_id, address=address, asset=asset, amount=amount)
    status = WithdrawalStatus.AWAITING_APPROVAL if q.approvals_needed else WithdrawalStatus.APPROVED
    async with session.begin_nested():
        withdrawal = Withdrawal(
            user_id=user_id,
            asset=str(q.asset),
            amount=q.amount,
            fee=q.fee,
            to_address=q.to_address,
            status=status,
            approvals_needed=q.approvals_needed,
            client_key=client_key,
        )
        session.add(withdrawal)
        await session.flush()
        await transfer(
            session,
            kind="withdrawal_hold",
            key=f"withdrawal_hold:{withdrawal.id}",
            src=AccountRef.user(user_id),
            dst=AccountRef.withdrawal_hold(withdrawal.id, user_id),
            asset=q.asset,
            amount=q.total,
            ref=f"withdrawal:{withdrawal.id}",
        )
    facts = withdrawal_facts(withdrawal)
    outbox.emit(session, events.WithdrawalRequested(withdrawal=facts), [outbox.user(user_id)])
    if q.approvals_needed:
        outbox.emit(session, events.WithdrawalApprovalNeeded(withdrawal=facts), [outbox.ADMINS])
    crash_point("withdrawal.requested.before_commit")
    return withdrawal


def withdrawal_facts(w: Withdrawal) -> events.Withdrawal:
    """What the withdrawal's events carry."""
    return events.Withdrawal(
        withdrawal_id=w.id, user_id=w.user_id, asset=w.asset, amount=w.amount, fee=w.fee, to_address=w.to_address,
        status=w.status, approvals_needed=w.approvals_needed, txid=w.txid,
    )  # fmt: skip


async def _lock(session: AsyncSession, withdrawal_id: int) -> Withdrawal:
    w = await session.get(Withdrawal, withdrawal_id, with_for_update=True, populate_existing=True)
    if w is None:
        raise NotFound(what="withdrawal", id=withdrawal_id)
    return w


async def approve(session: AsyncSession, withdrawal_id: int, admin_id: int) -> Withdrawal:
    """Record an admin's approval; the withdrawal becomes APPROVED when enough different admins
    approved. The same admin twice counts once; an admin cannot approve their own withdrawal."""
    w = await _lock(session, withdrawal_id)
    if w.status != WithdrawalStatus.AWAITING_APPROVAL:
        raise InvalidState(status=w.status)
    if admin_id == w.user_id:
        raise Forbidden(reason="own_withdrawal")
    await session.execute(
        insert(WithdrawalApproval).values(withdrawal_id=w.id, admin_id=admin_id).on_conflict_do_nothing()
    )
    count = await session.scalar(
        select(func.count()).select_from(WithdrawalApproval).where(WithdrawalApproval.withdrawal_id == w.id)
    )
    if (count or 0) >= w.approvals_needed:
        w.status = WithdrawalStatus.APPROVED
        outbox.emit(session, events.WithdrawalApproved(withdrawal=withdrawal_facts(w)), [outbox.user(w.user_id)])
    return w


async def reject(session: AsyncSession, withdrawal_id: int, admin_id: int, reason: str) -> Withdrawal:
    """Refuse a withdrawal waiting for approval and give the hold back to the user."""
    w = await _lock(session, withdrawal_id)
    if w.status != WithdrawalStatus.AWAITING_APPROVAL:
        raise InvalidState(status=w.status)
    await release(session, w, WithdrawalStatus.REJECTED, f"rejected by {admin_id}: {reason}"[:500])
    outbox.emit(session, events.WithdrawalRejected(withdrawal=withdrawal_facts(w), reason=reason),
                [outbox.user(w.user_id)])
    return w


async def release(session: AsyncSession, w: Withdrawal, status: WithdrawalStatus, error: str) -> None:
    """Return amount + fee from the hold to the user (rejected, or definitely not sent)."""
    kind = "withdrawal_rejected" if status == WithdrawalStatus.REJECTED else "withdrawal_failed"
    await transfer(
        session,
        kind=kind,
        key=f"{kind}:{w.id}",
        src=AccountRef.withdrawal_hold(w.id, w.user_id),
        dst=AccountRef.user(w.user_id),
        asset=Asset(w.asset),
        amount=w.amount + w.fee,
        ref=f"withdrawal:{w.id}",
    )
    w.status = status
    w.error = error
    w.settled_at = _now()


async def capture(session: AsyncSession, w: Withdrawal) -> None:
    """The transfer is final on chain: the hold leaves the platform (amount) and pays the
    network fee (fee)."""
    hold = AccountRef.withdrawal_hold(w.id, w.user_id)
    asset = Asset(w.asset)
    postings = [
        Posting(hold, asset, -(w.amount + w.fee)),
        Posting(AccountRef.platform(Purpose.WITHDRAWALS), asset, w.amount),
    ]
    if w.fee:
        postings.append(Posting(AccountRef.platform(Purpose.NETWORK_FEES), asset, w.fee))
    await post_entry(
        session,
        kind="withdrawal_sent",
        key=f"withdrawal_sent:{w.id}",
        postings=postings,
        ref=f"withdrawal:{w.id}",
        memo={"txid": w.txid},
    )
    w.status = WithdrawalStatus.SENT
    w.settled_at = _now()


async def add_to_whitelist(
    session: AsyncSession, config: WalletConfig, user_id: int, address: str
) -> WhitelistEntry:
    """Whitelist a destination; it becomes usable after the cooling-off period."""
    destination = await _check_destination(session, config, address)
    entry = await session.get(WhitelistEntry, (user_id, destination))
    if entry is None:
        entry = WhitelistEntry(
            user_id=user_id, address=destination, usable_after=_now() + config.whitelist_cooling
        )
        session.add(entry)
        await session.flush()
    return entry


async def set_whitelist_only(
    session: AsyncSession, config: WalletConfig, user_id: int, enabled: bool
) -> WalletPrefs:
    """Withdraw only to whitelisted addresses, and transfer only to saved recipients
    (core.wallet.whitelist). Turning it on is immediate; turning it off takes effect after the
    cooling-off period (someone who took over the account cannot simply switch it off and
    withdraw)."""
    prefs = await session.get(WalletPrefs, user_id, with_for_update=True)
    if prefs is None:
        prefs = WalletPrefs(user_id=user_id, whitelist_only=False)
        session.add(prefs)
    if enabled:
        prefs.whitelist_only, prefs.whitelist_off_at = True, None
    elif prefs.whitelist_only:
        prefs.whitelist_only, prefs.whitelist_off_at = False, _now() + config.whitelist_cooling
    await session.flush()
    return prefs
