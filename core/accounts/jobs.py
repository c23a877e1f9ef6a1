"""The accounts' scheduled jobs (the process binds them and runs them: jobs.py): premium
reminders and expiry, and the retention of rejected documents. Each runs in its own transaction;
rows another worker holds are skipped and done next time."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.accounts import kyc, premium
from core.accounts.config import get_accounts_settings
from core.db import transaction


async def premium_expiry(session_factory: async_sessionmaker[AsyncSession]) -> None:
    """Remind members three days (configurable) before the end; at the end remove the badge and
    the promotions."""
    async with transaction(session_factory) as session:
        await premium.remind_expiring(session)
    async with transaction(session_factory) as session:
        await premium.expire_ended(session)


async def kyc_retention(session_factory: async_sessionmaker[AsyncSession], *, data_dir: Path) -> None:
    """Delete the photos of rejected verifications once the retention period has passed."""
    async with transaction(session_factory) as session:
        await kyc.purge_rejected(
            session, data_dir=data_dir, retention_days=get_accounts_settings().kyc_retention_days
        )
