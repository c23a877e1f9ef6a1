"""The audit trail: every staff action written in the same transaction as its effect.

Rows are never changed (a database trigger refuses UPDATE, DELETE and TRUNCATE); list them per
user, per trade or per staff member, newest first.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.admin.models import StaffAction


async def record(
    session: AsyncSession,
    *,
    actor_id: int,
    action: str,
    target: str,
    user_id: int | None = None,
    trade_id: int | None = None,
    reason: str | None = None,
    **data: Any,
) -> StaffAction:
    """Append one action (``data`` must be JSON-safe); flushed so it has an id."""
    row = StaffAction(
        actor_id=actor_id, action=action, target=target, user_id=user_id, trade_id=trade_id,
        reason=reason, data=data,
    )  # fmt: skip
    session.add(row)
    await session.flush()
    return row


async def _list(session: AsyncSession, condition: Any, limit: int) -> list[StaffAction]:
    stmt = select(StaffAction).where(condition).order_by(StaffAction.id.desc()).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def for_user(session: AsyncSession, user_id: int, *, limit: int = 20) -> list[StaffAction]:
    return await _list(session, StaffAction.user_id == user_id, limit)


async def for_trade(session: AsyncSession, trade_id: int, *, limit: int = 20) -> list[StaffAction]:
    return await _list(session, StaffAction.trade_id == trade_id, limit)


async def by_staff(session: AsyncSession, actor_id: int, *, limit: int = 20) -> list[StaffAction]:
    return await _list(session, StaffAction.actor_id == actor_id, limit)
