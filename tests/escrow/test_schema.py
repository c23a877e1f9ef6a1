"""The ORM mappings match migration 0003, and its downgrade removes every table it made."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

import core.models  # noqa: F401
from core import migrate
from core.db import Base, make_engine
from tests.conftest import Databases

ESCROW_TABLES = {
    "market_rates", "market_settings", "offers", "trades", "trade_events", "trade_messages",
    "disputes", "dispute_statements", "feedback", "user_blocks",
}


async def _tables(engine) -> set[str]:  # type: ignore[no-untyped-def]
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
        return set(rows.scalars())


async def test_models_match_the_migration_and_downgrade_cleans_up(databases: Databases) -> None:
    engine = make_engine(await databases.create("koxx_escrow_schema"))
    try:
        await migrate.upgrade(engine)
        assert ESCROW_TABLES <= await _tables(engine)
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata
                )
            )
        assert [d for d in diff if any(t in repr(d) for t in ESCROW_TABLES)] == []
        await migrate.downgrade(engine, "0002")
        assert not ESCROW_TABLES & await _tables(engine)
        await migrate.upgrade(engine)
        assert ESCROW_TABLES <= await _tables(engine)
    finally:
        await engine.dispose()
