"""Each update once, across web workers and crashes (core.inbox, in the update's transaction):
a redelivery of a committed update is skipped; one whose first attempt died before committing
is handled; two attempts at once end in one handling."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from aiogram import Bot
from aiogram.types import Update
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from botkit.middlewares import UnitOfWork
from core import inbox
from core.db import transaction
from tests.conftest import new_id

BOT = Bot("4242:test-inbox")


async def _deliver(factory: async_sessionmaker[AsyncSession], update_id: int, handled: list[int],
                   *, fail: bool = False, hold: asyncio.Event | None = None) -> None:  # fmt: skip
    async def handler(event: Update, data: dict[str, Any]) -> None:
        if hold is not None:
            await hold.wait()
        if fail:
            raise ConnectionResetError("the worker died")
        handled.append(event.update_id)

    await UnitOfWork(factory, asyncio.Event())(handler, Update(update_id=update_id), {"bot": BOT})


async def test_a_redelivered_update_is_handled_once(session_factory: async_sessionmaker[AsyncSession]) -> None:
    handled: list[int] = []
    update_id = new_id()
    await _deliver(session_factory, update_id, handled)
    await _deliver(session_factory, update_id, handled)
    assert handled == [update_id]


async def test_an_update_whose_handling_died_is_handled_on_redelivery(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    handled: list[int] = []
    update_id = new_id()
    try:
        await _deliver(session_factory, update_id, handled, fail=True)
    except ConnectionResetError:
        pass
    await _deliver(session_factory, update_id, handled)
    assert handled == [update_id]


async def test_two_workers_given_one_update_at_once_handle_it_once(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    handled: list[int] = []
    update_id = new_id()
    hold = asyncio.Event()
    first = asyncio.create_task(_deliver(session_factory, update_id, handled, hold=hold))
    await asyncio.sleep(0.2)
    second = asyncio.create_task(_deliver(session_factory, update_id, handled))  # waits on the row
    await asyncio.sleep(0.2)
    assert handled == []
    hold.set()
    await asyncio.gather(first, second)
    assert handled == [update_id]


async def test_old_handled_updates_are_purged(session_factory: async_sessionmaker[AsyncSession]) -> None:
    update_id = new_id()
    async with transaction(session_factory) as s:
        assert await inbox.claim(s, bot_id=7, update_id=update_id)
    async with transaction(session_factory) as s:
        await inbox.purge(s, before=datetime.now(UTC) - timedelta(days=2))
        assert await s.scalar(select(func.count()).where(inbox.HandledUpdate.update_id == update_id)) == 1
        await inbox.purge(s, before=datetime.now(UTC) + timedelta(seconds=1))
        assert await s.scalar(select(func.count()).where(inbox.HandledUpdate.update_id == update_id)) == 0
