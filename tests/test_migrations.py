from sqlalchemy import text

from core import migrate
from core.db import make_engine


async def test_migrations_apply_and_downgrade_to_empty(databases):
    url = await databases.create()
    engine = make_engine(url)
    try:
        await migrate.upgrade(engine)
        async with engine.connect() as conn:
            tables = set(
                (
                    await conn.execute(text("select tablename from pg_tables where schemaname='public'"))
                ).scalars()
            )
        assert {"users", "outbox", "alembic_version"} <= tables
        await migrate.downgrade(engine)
        async with engine.connect() as conn:
            left = set(
                (
                    await conn.execute(text("select tablename from pg_tables where schemaname='public'"))
                ).scalars()
            )
            functions = (
                await conn.execute(
                    text(
                        "select count(*) from pg_proc p join pg_namespace n on n.oid=p.pronamespace "
                        "where n.nspname='public'"
                    )
                )
            ).scalar_one()
        assert left <= {"alembic_version"}
        assert functions == 0
        # and up again: the downgrade left a database the migrations can rebuild
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()
