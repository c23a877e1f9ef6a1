"""Deposit addresses: one per user, derived from the xpub, and the watched set the scanner uses.

Indexes are allocated under a transaction-scoped advisory lock as max + 1, so they commit in
index order with no gaps: a reader that has seen index n has seen every index below it, and the
watched set refreshes incrementally with ``idx > last seen``.
"""

from __future__ import annotations

import io

import qrcode
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import get_settings
from core.wallet import addresses
from core.wallet.config import wallet_config
from core.wallet.hd import address_at
from core.wallet.models import DepositAddress

ALLOCATION_LOCK = 0x4B4F5858_0001  # pg advisory lock key: deposit index allocation


async def deposit_address(session: AsyncSession, user_id: int, xpub: str | None = None) -> str:
    """The user's deposit address, allocating the next HD index the first time (in the caller's
    transaction). ``xpub`` defaults to the configured WALLET_XPUB (the dev wallet's locally)."""
    if xpub is None:
        xpub = wallet_config(get_settings()).xpub
    existing = await session.get(DepositAddress, user_id)
    if existing is not None:
        return existing.address
    await session.execute(select(func.pg_advisory_xact_lock(ALLOCATION_LOCK)))
    existing = await session.get(DepositAddress, user_id, populate_existing=True)
    if existing is not None:
        return existing.address
    last = await session.scalar(select(func.max(DepositAddress.index)))
    index = 0 if last is None else last + 1
    address = address_at(xpub, index)
    session.add(DepositAddress(user_id=user_id, index=index, address=address, body=addresses.body(address)))
    await session.flush()
    return address


def qr_png(data: str) -> bytes:
    """A QR code (PNG) of ``data`` alone: an address as wallets expect to scan it, an otpauth://
    URI for an authenticator app, a transaction for an offline signer."""
    qr = qrcode.QRCode(border=2, box_size=8)
    qr.add_data(data)
    qr.make(fit=True)
    buffer = io.BytesIO()
    qr.make_image().save(buffer)
    return buffer.getvalue()


class AddressBook:
    """The watched addresses as 20-byte bodies, loaded once and then refreshed with only the
    addresses allocated since (about 95 bytes an address: 1,000,000 take ~90 MB).

    They are the keys of a dict rather than a set: a dict holding only bytes and None is not
    tracked by Python's garbage collector, which would otherwise walk the million entries on
    every full collection (the scanner allocates a lot; this doubled its speed)."""

    def __init__(self) -> None:
        self.bodies: dict[bytes, None] = {}
        self.last_index = -1

    def __contains__(self, body: object) -> bool:
        return body in self.bodies

    def __len__(self) -> int:
        return len(self.bodies)

    def add(self, body: bytes) -> None:
        self.bodies[body] = None

    async def refresh(self, session: AsyncSession, page: int = 50_000) -> int:
        """Load addresses allocated since the last refresh (in pages, so a first load of a
        million rows never holds them all at once); returns how many."""
        added = 0
        while True:
            result = await session.execute(
                select(DepositAddress.index, DepositAddress.body)
                .where(DepositAddress.index > self.last_index)
                .order_by(DepositAddress.index)
                .limit(page)
            )
            rows = result.tuples().all()
            for index, body in rows:
                self.bodies[bytes(body)] = None
                self.last_index = index
            added += len(rows)
            if len(rows) < page:
                return added


async def owners(session: AsyncSession, bodies: set[bytes]) -> dict[bytes, tuple[int, str]]:
    """user id and base58 address for each body (only called for actual hits)."""
    if not bodies:
        return {}
    result = await session.execute(
        select(DepositAddress.body, DepositAddress.user_id, DepositAddress.address).where(
            DepositAddress.body.in_(list(bodies))
        )
    )
    return {bytes(body): (user_id, address) for body, user_id, address in result}
