"""Rate limits per address and per signed-in user, in fixed one-minute windows shared by every web
worker (Redis; one process without Redis counts in memory). Over the limit: 429 with Retry-After."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from api.problems import Problem

if TYPE_CHECKING:
    from api.context import ApiContext

WINDOW = 60  # seconds; the limits are API_RATE_PER_IP and API_RATE_PER_USER requests a window
_memory: dict[str, tuple[int, int]] = {}  # key -> (window, hits)


# Each key's window counted and, when new, given its expiry: one command, one round trip (a
# MULTI/EXEC pipeline of INCRBY and EXPIRE per key costs twice the time in redis-py).
COUNT_SCRIPT = """
local hits = {}
for i, key in ipairs(KEYS) do
  hits[i] = redis.call('INCRBY', key, ARGV[1])
  if hits[i] == tonumber(ARGV[1]) then redis.call('EXPIRE', key, ARGV[2]) end
end
return hits
"""


async def _hits(ctx: ApiContext, keys: list[str], cost: int, window: int) -> list[int]:
    """Count ``cost`` on each key's window."""
    if ctx.redis is not None:
        full = [f"{ctx.settings.redis_prefix}:rl:{key}:{window}" for key in keys]
        answers = await ctx.rate_script(keys=full, args=[cost, WINDOW * 2])
        return [int(hits) for hits in answers]
    if len(_memory) > 100_000:
        _memory.clear()
    counted = []
    for key in keys:
        seen_window, hits = _memory.get(key, (window, 0))
        hits = hits + cost if seen_window == window else cost
        _memory[key] = (window, hits)
        counted.append(hits)
    return counted


async def check_rate(ctx: ApiContext, *, ip: str, user_id: int | None, cost: int = 1) -> None:
    now = time.time()
    window = int(now // WINDOW)
    keys = [f"ip:{ip}"] + ([f"user:{user_id}"] if user_id is not None else [])
    limits = [ctx.settings.api_rate_per_ip, ctx.settings.api_rate_per_user]
    if any(hits > limit for hits, limit in zip(await _hits(ctx, keys, cost, window), limits, strict=False)):
        raise Problem(429, "rate_limited", retry_after=int(WINDOW - now % WINDOW) + 1)

_used: dict[str, float] = {}


async def first_use(ctx: ApiContext, key: str, ttl: int = 600) -> bool:
    """True the first time ``key`` is seen within ``ttl`` seconds (a single-use token)."""
    if ctx.redis is not None:
        return bool(await ctx.redis.set(f"{ctx.settings.redis_prefix}:once:{key}", "1", nx=True, ex=ttl))
    now = time.time()
    if len(_used) > 100_000:
        for old in [k for k, until in _used.items() if until < now]:
            del _used[old]
    if _used.get(key, 0) > now:
        return False
    _used[key] = now + ttl
    return True
