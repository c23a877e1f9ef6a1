"""«Saved addresses only»: the one rule for everything that sends a user's coins away.

With the option on (or while switching it off cools off), a withdrawal goes only to a saved
address and an internal transfer only to a saved recipient, each usable once the cooling-off
after saving it has passed. Someone who got into the account can neither withdraw to an address
of their own nor move the coins to an account of their own and withdraw from there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.accounts import second_factor
from core.errors import DomainError, NotFound
from core.users import User
from core.wallet.config import WalletConfig
from core.wallet.models import WalletPrefs, WhitelistEntry, WhitelistRecipient


def _now() -> datetime:
    return datetime.now(UTC)


async def enforced(session: AsyncSession, user_id: int) -> bool:
    """Whether the user's coins may leave only to saved destinations right now."""
    prefs = await session.get(WalletPrefs, user_id)
    if prefs is None:
        return False
    return prefs.whitelist_only or (prefs.whitelist_off_at is not None and prefs.whitelist_off_at > _now())


async def usable_addresses(session: AsyncSession, user_id: int, *, limit: int = 5) -> list[str]:
    """The user's saved addresses past their cooling-off, oldest first: the quick choices."""
    rows = await session.scalars(
        select(WhitelistEntry.address)
        .where(WhitelistEntry.user_id == user_id, WhitelistEntry.usable_after <= _now())
        .order_by(WhitelistEntry.created_at)
        .limit(limit)
    )
    return list(rows)


@dataclass(frozen=True)
class Overview:
    """What the saved-addresses screen shows."""

    only: bool  # «saved addresses only» is on
    off_at: datetime | None  # when switching it off takes effect
    addresses: list[tuple[str, datetime]]  # (address, usable_after), oldest first
    recipients: list[tuple[str, datetime]]  # (display name, usable_after), oldest first


async def overview(session: AsyncSession, user_id: int) -> Overview:
    prefs = await session.get(WalletPrefs, user_id, populate_existing=True)
    rows = await session.scalars(
        select(WhitelistEntry).where(WhitelistEntry.user_id == user_id).order_by(WhitelistEntry.created_at)
    )
    addresses = [(e.address, e.usable_after) for e in rows]
    saved = await session.execute(
        select(User, WhitelistRecipient.usable_after)
        .join(WhitelistRecipient, WhitelistRecipient.recipient_id == User.id)
        .where(WhitelistRecipient.user_id == user_id)
        .order_by(WhitelistRecipient.created_at)
    )
    recipients = [(user.display_name, usable_after) for user, usable_after in saved.tuples()]
    return Overview(bool(prefs and prefs.whitelist_only), prefs.whitelist_off_at if prefs else None, addresses,
                    recipients)  # fmt: skip


async def check_address(session: AsyncSession, user_id: int, address: str) -> None:
    """Raises DomainError address_not_whitelisted or address_cooling_off (usable_after)."""
    if not await enforced(session, user_id):
        return
    entry = await session.get(WhitelistEntry, (user_id, address))
    if entry is None:
        raise DomainError("address_not_whitelisted")
    if entry.usable_after > _now():
        raise DomainError("address_cooling_off", usable_after=entry.usable_after.isoformat())


async def check_recipient(session: AsyncSession, user_id: int, recipient: User) -> None:
    """Raises DomainError recipient_not_saved (recipient, recipient_id, cooling_minutes: how long
    a recipient saved now waits) or recipient_cooling_off (recipient, recipient_id,
    usable_after)."""
    if not await enforced(session, user_id):
        return
    entry = await session.get(WhitelistRecipient, (user_id, recipient.id))
    who: dict[str, object] = {"recipient": recipient.display_name, "recipient_id": recipient.id}
    if entry is None:
        cooling = int(WalletConfig.whitelist_cooling.total_seconds() // 60)  # no override is configured
        raise DomainError("recipient_not_saved", cooling_minutes=cooling, **who)
    if entry.usable_after > _now():
        raise DomainError("recipient_cooling_off", usable_after=entry.usable_after.isoformat(), **who)


async def add_recipient(
    session: AsyncSession, config: WalletConfig, user_id: int, recipient_id: int,
    proof: second_factor.Proof | None = None,
) -> WhitelistRecipient:
    """Save a recipient of internal transfers; usable after the cooling-off, like a new address
    (and, like one, needing a code when the user's second factor is on)."""
    if recipient_id == user_id:
        raise DomainError("transfer_to_self")
    if await session.get(User, recipient_id) is None:
        raise NotFound(what="user", id=recipient_id)
    entry = await session.get(WhitelistRecipient, (user_id, recipient_id))
    if entry is None:
        await second_factor.require(session, user_id, proof)
        entry = WhitelistRecipient(
            user_id=user_id, recipient_id=recipient_id, usable_after=_now() + config.whitelist_cooling
        )
        session.add(entry)
        await session.flush()
    return entry
