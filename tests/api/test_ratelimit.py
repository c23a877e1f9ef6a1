"""The shared rate limit's counting in Redis: both windows counted in one call, each given its
expiry when it starts (a window that never expired would hold its key for ever)."""

from __future__ import annotations

import time
import uuid

from redis.asyncio import Redis

from api.context import ApiContext
from api.problems import Problem
from api.ratelimit import WINDOW, check_rate
from api.stream import MemoryStream
from core.config import load_settings
from tests.conftest import REDIS_URL


async def test_windows_are_counted_in_redis_and_expire() -> None:
    redis = Redis.from_url(REDIS_URL)
    prefix = f"koxx_test_rl_{uuid.uuid4().hex[:8]}"
    settings = load_settings(redis_prefix=prefix, api_rate_per_ip=1000, api_rate_per_user=12)
    ctx = ApiContext(settings, None, redis, MemoryStream(), None)  # type: ignore[arg-type]  (no database, no bot here)
    try:
        window = int(time.time() // WINDOW)
        await check_rate(ctx, ip="10.0.0.1", user_id=7, cost=10)
        await check_rate(ctx, ip="10.0.0.1", user_id=7, cost=1)
        user_key, ip_key = f"{prefix}:rl:user:7:{window}", f"{prefix}:rl:ip:10.0.0.1:{window}"
        if int(time.time() // WINDOW) == window:  # the minute did not turn between the calls
            assert int(await redis.get(user_key)) == 11 and int(await redis.get(ip_key)) == 11
            assert 0 < await redis.ttl(user_key) <= 2 * WINDOW and 0 < await redis.ttl(ip_key) <= 2 * WINDOW
        refused = None
        try:
            await check_rate(ctx, ip="10.0.0.1", user_id=7, cost=5)
        except Problem as problem:
            refused = problem
        assert (refused is not None and refused.status == 429) or int(time.time() // WINDOW) != window
    finally:
        keys = [key async for key in redis.scan_iter(f"{prefix}:*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()
