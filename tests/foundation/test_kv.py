"""Admission of updates in the shared key-value store: each update once, at most N per user a
second. The same rules in Redis (several web workers) and in memory (one process)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from core.kv import KeyValue, MemoryKeyValue, RedisKeyValue
from tests.conftest import REDIS_URL


@pytest.fixture(params=["redis", "memory"])
async def kv(request: pytest.FixtureRequest, redis_prefix: str) -> AsyncIterator[KeyValue]:
    store: KeyValue = RedisKeyValue(Redis.from_url(REDIS_URL), prefix=redis_prefix) if request.param == "redis" \
        else MemoryKeyValue()  # fmt: skip
    yield store
    await store.close()


async def test_an_update_is_admitted_once_and_a_repeat_is_not_counted(kv: KeyValue) -> None:
    assert await kv.admit("upd:1", 60, "thr:7", 1) == 1
    assert await kv.admit("upd:1", 60, "thr:7", 1) is None  # re-delivered: not handled, not counted
    assert await kv.admit("upd:2", 60, "thr:7", 1) == 2
    assert await kv.admit("upd:3", 60, None, 1) == 0  # no user to count


async def test_hits_are_counted_per_user_and_the_window_ends(kv: KeyValue) -> None:
    counts = [await kv.admit(f"upd:a{i}", 60, "thr:alice", 1) for i in range(6)]
    assert counts == [1, 2, 3, 4, 5, 6]
    assert await kv.admit("upd:b0", 60, "thr:bob", 1) == 1
    await asyncio.sleep(1.1)
    assert await kv.admit("upd:a6", 60, "thr:alice", 1) == 1


async def test_two_workers_racing_on_one_update_admit_it_once(kv: KeyValue) -> None:
    results = await asyncio.gather(*(kv.admit("upd:race", 60, "thr:r", 1) for _ in range(20)))
    assert sorted(r for r in results if r is not None) == [1]
