"""The ORM mappings match migration 0002, and its downgrade removes everything it made."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

import core.models  # noqa: F401
from core import migrate
from core.db import Base, make_engine
from tests.ledger.conftest import migrated_database

LEDGER_TABLES = {"ledger_accounts", "ledger_entries", "ledger_postings"}


async def test_models_match_the_migration_and_downgrade_cleans_up(databases):
    engine = make_engine(await migrated_database(databases), pool_size=1)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata
                )
            )
        assert [d for d in diff if any(t in repr(d) for t in LEDGER_TABLES)] == []

        await migrate.downgrade(engine, "0001")
        async with engine.connect() as conn:
            tables = set(
                (
                    await conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
                ).scalars()
            )
            functions = (
                await conn.execute(text("SELECT count(*) FROM pg_proc WHERE proname = 'ledger_post'"))
            ).scalar_one()
        assert not tables & LEDGER_TABLES
        assert functions == 0
        await migrate.upgrade(engine)
        async with engine.connect() as conn:
            functions = (
                await conn.execute(text("SELECT count(*) FROM pg_proc WHERE proname = 'ledger_post'"))
            ).scalar_one()
        assert functions == 1
    finally:
        await engine.dispose()
