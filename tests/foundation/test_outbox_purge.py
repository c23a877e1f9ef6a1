"""Sent and given-up notifications are deleted once older than the retention; what is still to
be delivered stays, however old."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core import outbox
from core.db import transaction
from core.outbox import OutboxMessage
from tests.conftest import new_id


async def test_purge_deletes_settled_rows_older_than_the_cutoff_only(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    now = datetime.now(UTC)
    old, recent = now - timedelta(days=40), now - timedelta(days=1)
    to = outbox.user(new_id())
    rows = {
        "sent long ago": OutboxMessage(kind="t", recipient=to, payload={}, delivered_at=old),
        "given up long ago": OutboxMessage(kind="t", recipient=to, payload={}, failed_at=old, attempts=8),
        "sent yesterday": OutboxMessage(kind="t", recipient=to, payload={}, delivered_at=recent),
        "never sent": OutboxMessage(kind="t", recipient=to, payload={}, created_at=old, available_at=old),
    }
    async with transaction(session_factory) as s:
        s.add_all(rows.values())
    ids = {name: row.id for name, row in rows.items()}

    async with transaction(session_factory) as s:
        assert await outbox.purge_settled(s, before=now - timedelta(days=30)) >= 2
    async with session_factory() as s:
        left = set((await s.execute(select(OutboxMessage.id).where(OutboxMessage.id.in_(ids.values())))).scalars())
    assert left == {ids["sent yesterday"], ids["never sent"]}
