"""A tiny key-value interface for things several web workers must share (update
de-duplication, throttling): Redis when REDIS_URL is set, a process-local dict otherwise."""

from __future__ import annotations

import time
from typing import Protocol

from redis.asyncio import Redis


class KeyValue(Protocol):
    async def set_once(self, key: str, ttl_seconds: int) -> bool:
        """True the first time ``key`` is set within ``ttl_seconds``; False after."""

    async def hit(self, key: str, window_seconds: int) -> int:
        """Count one hit on ``key`` and return the hits in the current window."""

    async def ping(self) -> bool: ...

    async def close(self) -> None: ...


class MemoryKeyValue:
    def __init__(self) -> None:
        self._expiry: dict[str, float] = {}
        self._counts: dict[str, int] = {}

    def _alive(self, key: str, now: float) -> bool:
        expires = self._expiry.get(key)
        if expires is None or expires <= now:
            self._expiry.pop(key, None)
            self._counts.pop(key, None)
            return False
        return True

    def _sweep(self, now: float) -> None:
        if len(self._expiry) > 100_000:
            for key in [k for k, exp in self._expiry.items() if exp <= now]:
                self._expiry.pop(key, None)
                self._counts.pop(key, None)

    async def set_once(self, key: str, ttl_seconds: int) -> bool:
        now = time.monotonic()
        self._sweep(now)
        if self._alive(key, now):
            return False
        self._expiry[key] = now + ttl_seconds
        return True

    async def hit(self, key: str, window_seconds: int) -> int:
        now = time.monotonic()
        if not self._alive(key, now):
            self._expiry[key] = now + window_seconds
        self._counts[key] = self._counts.get(key, 0) + 1
        return self._counts[key]

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        return None


class RedisKeyValue:
    def __init__(self, redis: Redis, prefix: str = "koxx") -> None:
        self.redis = redis
        self.prefix = prefix

    async def set_once(self, key: str, ttl_seconds: int) -> bool:
        return bool(await self.redis.set(f"{self.prefix}:{key}", b"1", nx=True, ex=ttl_seconds))

    async def hit(self, key: str, window_seconds: int) -> int:
        name = f"{self.prefix}:{key}"
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, window_seconds, nx=True)
            count, _ = await pipe.execute()
        return int(count)

    async def ping(self) -> bool:
        try:
            return bool(await self.redis.ping())
        except Exception:
            return False

    async def close(self) -> None:
        await self.redis.aclose()
