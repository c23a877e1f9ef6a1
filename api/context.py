"""What the API's handlers share: settings, the database, Redis and the live event stream."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Settings
from core.wallet.config import WalletConfig, wallet_config

if TYPE_CHECKING:
    from api.stream import EventStream


@dataclass
class ApiContext:
    settings: Settings
    session_factory: async_sessionmaker[AsyncSession]
    redis: Redis | None  # None: one process (the sandbox), limits and stream in memory
    stream: EventStream

    @cached_property
    def wallet(self) -> WalletConfig:
        """Built once: deriving the dev wallet's xpub is slow."""
        return wallet_config(self.settings)

    @cached_property
    def read_factory(self) -> async_sessionmaker[AsyncSession]:
        """Sessions for the routes that only read: autocommit, so no BEGIN and COMMIT round trips
        around their one or two statements."""
        bind = self.session_factory.kw["bind"]
        return async_sessionmaker(bind.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False)

    @property
    def bot_token(self) -> str:
        return self.settings.bot_token.get_secret_value() if self.settings.bot_token else ""
