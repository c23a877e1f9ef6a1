"""The accounts' scheduled jobs (registered with the process scheduler by importing this module,
which jobs.py does): premium reminders and expiry, and the retention of rejected documents.
Each runs in its own transaction; rows another worker holds are skipped and done next time."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.accounts import kyc, premium
from core.accounts.config import get_accounts_settings
from core.db import transaction

JobFunc = TypeVar("JobFunc", bound=Callable[..., Awaitable[object]])

if TYPE_CHECKING:
    # The scheduler module types its jobs with the whole process (webhook.Runtime, aiogram);
    # mypy checks core on its own, so it sees only this signature.
    def job(name: str, every_seconds: float) -> Callable[[JobFunc], JobFunc]: ...
else:
    from scheduler import job


class _Settings(Protocol):
    data_dir: Path


class _Runtime(Protocol):
    settings: _Settings
    session_factory: async_sessionmaker[AsyncSession] | None


def _factory(runtime: _Runtime) -> async_sessionmaker[AsyncSession]:
    assert runtime.session_factory is not None
    return runtime.session_factory


@job("accounts.premium_expiry", every_seconds=300)
async def premium_expiry(runtime: _Runtime) -> None:
    """Remind members three days (configurable) before the end; at the end remove the badge and
    the promotions."""
    async with transaction(_factory(runtime)) as session:
        await premium.remind_expiring(session)
    async with transaction(_factory(runtime)) as session:
        await premium.expire_ended(session)


@job("accounts.kyc_retention", every_seconds=3600)
async def kyc_retention(runtime: _Runtime) -> None:
    """Delete the photos of rejected verifications once the retention period has passed."""
    async with transaction(_factory(runtime)) as session:
        await kyc.purge_rejected(
            session, data_dir=runtime.settings.data_dir, retention_days=get_accounts_settings().kyc_retention_days
        )
