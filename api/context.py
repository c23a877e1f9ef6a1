"""What the API's handlers share: settings, the database, Redis, the live event stream and the
traders' bot (the chat's photos are its files: api.photos)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from aiogram import Bot
from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.ratelimit import COUNT_SCRIPT
from core.config import Settings
from core.db import make_read_factory
from core.escrow.market_cache import MarketCache
from core.kv import KeyValue, MemoryKeyValue
from core.wallet.config import WalletConfig, wallet_config

if TYPE_CHECKING:
    from api.stream import EventStream


@dataclass
class ApiContext:
    settings: Settings
    session_factory: async_sessionmaker[AsyncSession]
    redis: Redis | None  # None: one process (the sandbox), limits and stream in memory
    stream: EventStream
    bot: Bot  # the traders' bot, the one bootstrap builds (in the sandbox: on the local stand-in)
    # Reads that may be a moment stale (routes with replica=True): DATABASE_REPLICA_URL's sessions,
    # or None (no replica: they read the primary).
    replica_factory: async_sessionmaker[AsyncSession] | None = None
    kv: KeyValue = field(default_factory=MemoryKeyValue)  # the read-your-writes marks

    @cached_property
    def rate_script(self) -> AsyncScript:
        """api.ratelimit's counting script, registered once (EVALSHA, loaded again after a Redis restart)."""
        assert self.redis is not None
        return self.redis.register_script(COUNT_SCRIPT)

    @cached_property
    def market(self) -> MarketCache:
        """GET /api/offers' markets and viewers, read at most once per API_MARKET_SECONDS."""
        return MarketCache(self.settings.api_market_seconds)

    @cached_property
    def wallet(self) -> WalletConfig:
        """Built once: deriving the dev wallet's xpub is slow."""
        return wallet_config(self.settings)

    @cached_property
    def read_factory(self) -> async_sessionmaker[AsyncSession]:
        """Sessions on the primary for the routes that only read (core.db.make_read_factory)."""
        return make_read_factory(self.session_factory.kw["bind"])

    async def wrote(self, user_id: int) -> None:
        """``user_id``'s write just committed: their replica reads go to the primary for
        REPLICA_STICKY_SECONDS, the time the replica takes to catch up (read-your-writes); the
        markets and their view of them are read again (a write through this worker shows at once
        to everyone it serves; others' writes reach it as offer events)."""
        self.market.forget_viewer(user_id)
        self.market.forget()
        if self.replica_factory is not None:
            await self.kv.mark(sticky_key(user_id), self.settings.replica_sticky_seconds)

    async def browse_factory(self, user_id: int | None) -> async_sessionmaker[AsyncSession]:
        """Where a replica=True route reads: the replica, unless the user has just written."""
        if self.replica_factory is None or (user_id and await self.kv.marked(sticky_key(user_id))):
            return self.read_factory
        return self.replica_factory

    @property
    def bot_token(self) -> str:
        return self.settings.bot_token.get_secret_value() if self.settings.bot_token else ""


def sticky_key(user_id: int) -> str:
    return f"replica:wrote:{user_id}"
