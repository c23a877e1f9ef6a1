"""The daily proof of reserves, for the worker's scheduler (jobs.py): a snapshot when none was
published today (UTC), then the signatures this process's keys can make (the hot wallet's, the
deposit addresses' from the seed) for the latest snapshot, also one an admin asked for with
/reserves in the web role, which holds no keys."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.db import transaction
from core.reserves.holdings import KeyRing, sign_pending
from core.reserves.snapshot import Published, latest, make_snapshot
from core.wallet.jobs import WalletJobs


def keys_of(wallet: WalletJobs | None) -> KeyRing:
    """The keys the wallet's jobs were given (none in a process without HOT_WALLET_KEY / WALLET_SEED)."""
    hot = wallet.sender.signer if wallet is not None and wallet.sender is not None else None
    seed = wallet.sweeper.seed if wallet is not None and wallet.sweeper is not None else None
    return KeyRing(hot, seed)


async def publish_daily(
    factory: async_sessionmaker[AsyncSession],
    secret: bytes,
    wallet: WalletJobs | None,
    *,
    now: datetime | None = None,
) -> Published | None:
    """Today's snapshot if none is published yet (None: one was, or the audit refused it), and
    the latest snapshot's signatures."""
    today = (now or datetime.now(UTC)).date()
    async with factory() as session:
        last = await latest(session)
    made = None
    if last is None or last.published_at is None or last.published_at.astimezone(UTC).date() < today:
        node, config = (wallet.node, wallet.config) if wallet is not None else (None, None)
        made = await make_snapshot(factory, secret, node=node, config=config)
    async with transaction(factory) as session:
        await sign_pending(session, keys_of(wallet))
    return made
