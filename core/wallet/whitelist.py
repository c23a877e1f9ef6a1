"""«Saved addresses only»: the one rule for everything that sends a user's coins away.

With the option on (or while switching it off cools off), a withdrawal goes only to a saved
address and an internal transfer only to a saved recipient, each usable once the cooling-off
after saving it has passed. Someone who got into the account can neither withdraw to an address
of their own nor move the coins to an account of their own and withdraw from there.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

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
    session: AsyncSession, config: WalletConfig, user_id: int, recipient_id: int
) -> WhitelistRecipient:
    """Save a recipient of internal transfers; usable after the cooling-off, like a new address."""
    if recipient_id == user_id:
        raise DomainError("transfer_to_self")
    if await session.get(User, recipient_id) is None:
        raise NotFound(what="user", id=recipient_id)
    entry = await session.get(WhitelistRecipient, (user_id, recipient_id))
    if entry is None:
        entry = WhitelistRecipient(
            user_id=user_id, recipient_id=recipient_id, usable_after=_now() + config.whitelist_cooling
        )
        session.add(entry)
        await session.flush()
    return entry
