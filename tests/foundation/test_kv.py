"""Throttling in the shared key-value store: hits per user in a window, the same in Redis
(several web workers) and in memory (one process)."""

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


async def test_hits_are_counted_per_user_and_the_window_ends(kv: KeyValue) -> None:
    counts = [await kv.hit("thr:alice", 1) for _ in range(6)]
    assert counts == [1, 2, 3, 4, 5, 6]
    assert await kv.hit("thr:bob", 1) == 1
    await asyncio.sleep(1.1)
    assert await kv.hit("thr:alice", 1) == 1


async def test_two_workers_counting_at_once_count_every_hit(kv: KeyValue) -> None:
    results = await asyncio.gather(*(kv.hit("thr:race", 60) for _ in range(20)))
    assert sorted(results) == list(range(1, 21))


async def test_a_mark_lives_its_seconds_for_its_key_only(kv: KeyValue) -> None:
    assert not await kv.marked("rw:alice")
    await kv.mark("rw:alice", 1)
    assert await kv.marked("rw:alice")
    assert not await kv.marked("rw:bob")
    await asyncio.sleep(1.1)
    assert not await kv.marked("rw:alice")
