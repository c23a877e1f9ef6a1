"""The accounts' scheduled job (the process binds it and runs it: jobs.py): the retention of
rejected documents, in its own transaction; rows another worker holds are skipped and done next
time. (Premium reminders and expiry: core.escrow.premium.premium_expiry.)"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.accounts import kyc
from core.accounts.config import get_accounts_settings
from core.db import transaction


async def kyc_retention(session_factory: async_sessionmaker[AsyncSession]) -> None:
    """Delete the photos of rejected verifications once the retention period has passed."""
    async with transaction(session_factory) as session:
        await kyc.purge_rejected(
            session, retention_days=get_accounts_settings().kyc_retention_days
        )
