"""Run Alembic migrations from code (start-up, tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

# The project root in the source tree, site-packages once installed: migrations/ is found there alike.
ROOT = Path(__file__).resolve().parent.parent
# pg_advisory_lock key of the migrations: processes started together on one database take turns.
MIGRATION_LOCK = 0x6B6F_7878_6D69_6772  # "koxxmigr"


def alembic_config() -> Config:
    """The configuration from code (alembic.ini, for the ``alembic`` command in the source tree, is
    not installed)."""
    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return config


def _on(connection: Connection, action: str, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    getattr(command, action)(config, revision)


async def _locked(engine: AsyncEngine, action: str, revision: str) -> None:
    """Run ``action`` holding the migration lock (on the same connection), so that of processes
    started together one migrates and the others wait, then find nothing left to do."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
        await connection.commit()
        try:
            async with connection.begin():
                await connection.run_sync(_on, action, revision)
        finally:
            await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
            await connection.commit()


async def upgrade(engine: AsyncEngine, revision: str = "heads") -> None:
    await _locked(engine, "upgrade", revision)


async def downgrade(engine: AsyncEngine, revision: str = "base") -> None:
    await _locked(engine, "downgrade", revision)
