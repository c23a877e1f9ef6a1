"""A tiny key-value interface for what several web workers must share (throttling): Redis when
REDIS_URL is set, a process-local dict otherwise. (Each update once is core.inbox's, in
PostgreSQL: it must hold across a worker killed in the middle of an update.)"""

from __future__ import annotations

import time
from typing import Protocol

from redis.asyncio import Redis


class KeyValue(Protocol):
    async def hit(self, key: str, window_seconds: int) -> int:
        """Count a hit on ``key`` in a window of ``window_seconds``: the hits in the current window."""

    async def mark(self, key: str, seconds: int) -> None:
        """Set ``key`` for ``seconds`` (again: from now)."""

    async def marked(self, key: str) -> bool:
        """Whether ``key`` is set and has not expired."""

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

    async def hit(self, key: str, window_seconds: int) -> int:
        now = time.monotonic()
        self._sweep(now)
        if not self._alive(key, now):
            self._expiry[key] = now + window_seconds
        self._counts[key] = self._counts.get(key, 0) + 1
        return self._counts[key]

    async def mark(self, key: str, seconds: int) -> None:
        now = time.monotonic()
        self._sweep(now)
        self._expiry[key] = now + seconds
        self._counts.setdefault(key, 0)

    async def marked(self, key: str) -> bool:
        return self._alive(key, time.monotonic())

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        return None


# KEYS[1] the counter; ARGV[1] its window in seconds.
_HIT = """
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return hits
"""


class RedisKeyValue:
    def __init__(self, redis: Redis, prefix: str = "koxx") -> None:
        self.redis = redis
        self.prefix = prefix
        self._hit = redis.register_script(_HIT)

    async def hit(self, key: str, window_seconds: int) -> int:
        """One round trip (a Lua script, atomic)."""
        return int(await self._hit(keys=[f"{self.prefix}:{key}"], args=[window_seconds]))

    async def mark(self, key: str, seconds: int) -> None:
        await self.redis.set(f"{self.prefix}:{key}", 1, ex=seconds)

    async def marked(self, key: str) -> bool:
        return bool(await self.redis.exists(f"{self.prefix}:{key}"))

    async def ping(self) -> bool:
        try:
            return bool(await self.redis.ping())
        except Exception:
            return False

    async def close(self) -> None:
        await self.redis.aclose()
