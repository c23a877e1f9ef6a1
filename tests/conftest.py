"""Shared fixtures: every test session gets its own fresh PostgreSQL database (so several
runs can share one server) and its own Redis key prefix.

TEST_DATABASE_URL (default: postgresql://postgres@127.0.0.1:5432/test) names the server;
TEST_REDIS_URL (default: redis://127.0.0.1:6379/0) the Redis.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
import redis.asyncio as aioredis
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core import migrate
from core.db import make_engine, make_session_factory
from tests import secrets_guard

ROOT = Path(__file__).resolve().parent.parent
SERVER_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _compile_catalogs() -> None:
    subprocess.run([sys.executable, "-m", "tools.i18n", "compile"], cwd=ROOT, check=True)


def pytest_sessionstart(session: pytest.Session) -> None:
    if (ROOT / "tools" / "i18n.py").exists():
        _compile_catalogs()
    from botkit.middlewares import refuse_writes_after_sending

    refuse_writes_after_sending()  # a handler's unit of work ends at its first Telegram call
    secrets_guard.start()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A known secret in a log line (or a process's output) fails the run: tests/secrets_guard.py."""
    hits = secrets_guard.finish()
    if hits:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        write = reporter.write_line if reporter is not None else print
        write("")
        write(f"SECRETS GUARD: a known secret was logged or printed ({len(hits)} times):")
        for hit in sorted(set(hits))[:20]:
            write(f"  {hit}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _sa_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


class Databases:
    """Creates and drops scratch databases on the test server."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self.created: list[str] = []

    async def create(self, prefix: str = "koxx_t") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        conn = await asyncpg.connect(_asyncpg_dsn(self.server_url))
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        self.created.append(name)
        return _sa_url(make_url(self.server_url).set(database=name).render_as_string(hide_password=False))

    async def drop_all(self) -> None:
        conn = await asyncpg.connect(_asyncpg_dsn(self.server_url))
        try:
            for name in self.created:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


@pytest.fixture(scope="session")
async def databases() -> AsyncIterator[Databases]:
    dbs = Databases(SERVER_URL)
    yield dbs
    await dbs.drop_all()


@pytest.fixture(scope="session")
async def database_url(databases: Databases) -> str:
    """A migrated database shared by the whole session (tests keep their rows apart by ids)."""
    url = await databases.create()
    engine = make_engine(url)
    await migrate.upgrade(engine)
    await engine.dispose()
    return url


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    # Concurrency tests open up to 50 connections; only 5 stay idle between tests, because the
    # server's 100 connections are shared by every test module's engine.
    eng = make_engine(database_url, pool_size=5, max_overflow=45)
    yield eng
    await eng.dispose()


@pytest.fixture(scope="session")
def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_session_factory(engine)


@pytest.fixture
async def session(session_factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with session_factory() as s:
        yield s


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """A Redis key prefix private to one test; its keys are removed afterwards."""
    prefix = f"koxx_t:{uuid.uuid4().hex[:10]}"
    yield prefix
    client = aioredis.from_url(REDIS_URL)
    try:
        async for key in client.scan_iter(match=f"{prefix}*"):
            await client.delete(key)
    finally:
        await client.aclose()


_ids = iter(range(10_000_000, 10**12, 7919))


def new_id() -> int:
    """A fresh Telegram-style id, unique within the test session."""
    return next(_ids)
