"""A tiny key-value interface for things several web workers must share (update
de-duplication, throttling): Redis when REDIS_URL is set, a process-local dict otherwise."""

from __future__ import annotations

import time
from typing import Protocol

from redis.asyncio import Redis


class KeyValue(Protocol):
    async def admit(self, once_key: str, ttl_seconds: int, hit_key: str | None, window_seconds: int) -> int | None:
        """Set ``once_key`` for ``ttl_seconds`` and, if it was not set already, count a hit on
        ``hit_key`` in a window of ``window_seconds``. None when ``once_key`` was already set,
        else the hits on ``hit_key`` in the current window (0 without one)."""

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

    def _set_once(self, key: str, ttl_seconds: int) -> bool:
        now = time.monotonic()
        self._sweep(now)
        if self._alive(key, now):
            return False
        self._expiry[key] = now + ttl_seconds
        return True

    def _hit(self, key: str, window_seconds: int) -> int:
        now = time.monotonic()
        if not self._alive(key, now):
            self._expiry[key] = now + window_seconds
        self._counts[key] = self._counts.get(key, 0) + 1
        return self._counts[key]

    async def admit(self, once_key: str, ttl_seconds: int, hit_key: str | None, window_seconds: int) -> int | None:
        if not self._set_once(once_key, ttl_seconds):
            return None
        return self._hit(hit_key, window_seconds) if hit_key is not None else 0

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        return None


# KEYS[1] the once key, KEYS[2] (optional) the hit counter; ARGV: their TTLs in seconds.
_ADMIT = """
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return -1 end
if #KEYS < 2 then return 0 end
local hits = redis.call('INCR', KEYS[2])
if hits == 1 then redis.call('EXPIRE', KEYS[2], ARGV[2]) end
return hits
"""


class RedisKeyValue:
    def __init__(self, redis: Redis, prefix: str = "koxx") -> None:
        self.redis = redis
        self.prefix = prefix
        self._admit = redis.register_script(_ADMIT)

    async def admit(self, once_key: str, ttl_seconds: int, hit_key: str | None, window_seconds: int) -> int | None:
        """One round trip (a Lua script, atomic) for what every update needs first."""
        keys = [f"{self.prefix}:{once_key}"] + ([f"{self.prefix}:{hit_key}"] if hit_key is not None else [])
        hits = int(await self._admit(keys=keys, args=[ttl_seconds, window_seconds]))
        return None if hits < 0 else hits

    async def ping(self) -> bool:
        try:
            return bool(await self.redis.ping())
        except Exception:
            return False

    async def close(self) -> None:
        await self.redis.aclose()
