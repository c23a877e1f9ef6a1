"""Migrations at start-up: processes started together on one database migrate it once."""

from __future__ import annotations

import asyncio
import sys
from asyncio.subprocess import PIPE
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import text

from core import migrate
from core.db import make_engine

ROOT = Path(__file__).resolve().parents[2]
# Imports first, then waits for the word: the three processes start migrating at the same moment.
UPGRADE = """
import asyncio, sys
from core import migrate
from core.db import make_engine
print("ready", flush=True)
sys.stdin.readline()
asyncio.run(migrate.upgrade(make_engine(sys.argv[1])))
"""


async def test_processes_started_together_migrate_once(databases) -> None:
    """Three processes upgrade a fresh database at once (as web and workers starting together):
    one migrates, the others wait for it and find nothing left to do; none fails."""
    url = await databases.create()
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", UPGRADE, url, cwd=ROOT, stdin=PIPE, stdout=PIPE, stderr=PIPE
        )
        for _ in range(3)
    ]
    for proc in procs:
        assert proc.stdout is not None and await proc.stdout.readline() == b"ready\n"
    errors = await asyncio.gather(*(proc.communicate(b"go\n") for proc in procs))
    assert [proc.returncode for proc in procs] == [0, 0, 0], "\n".join(err.decode() for _, err in errors)
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            versions = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars().all()
            users = (await conn.execute(text("SELECT count(*) FROM users"))).scalar_one()
    finally:
        await engine.dispose()
    assert sorted(versions) == sorted(ScriptDirectory.from_config(migrate.alembic_config()).get_heads())
    assert users == 0
