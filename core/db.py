"""Database plumbing: the declarative base, engines and sessions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import BigInteger, DateTime, MetaData, Select, bindparam, func, inspect, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {int: BigInteger, datetime: DateTime(timezone=True)}


def created_at_column() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


def make_engine(url: str, **kwargs: object) -> AsyncEngine:
    # No pool_pre_ping: with asyncpg it costs three round trips per checkout, more than a ledger
    # transfer itself; connections are recycled instead, and a dead one fails one unit of work.
    options: dict[str, object] = {"pool_size": 20, "max_overflow": 20, "pool_recycle": 1800}
    options.update(kwargs)
    return create_async_engine(url, **options)


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def make_read_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for reads only: autocommit, so no BEGIN and COMMIT round trips around their one or
    two statements (a hot standby takes them as well as the primary does)."""
    return async_sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False)


def make_replica_factory(url: str | None, primary: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Read sessions on the replica at ``url`` (DATABASE_REPLICA_URL), or on ``primary`` when unset.
    A replica that does not answer is given up on after a few seconds (the caller then reads the
    primary): asyncpg's own connect timeout is a minute."""
    engine = make_engine(url, connect_args={"timeout": 3}) if url else primary
    return make_read_factory(engine)


@asynccontextmanager
async def transaction(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One unit of work: everything done with the session commits together or not at all."""
    async with factory() as session, session.begin():
        yield session


RowT = TypeVar("RowT", bound=Base)


@cache
def _by_id(model: type[Any], lock: bool) -> Select[Any]:
    stmt = select(model).where(inspect(model).primary_key[0] == bindparam("id"))
    return stmt.with_for_update() if lock else stmt


async def fresh(session: AsyncSession, model: type[RowT], ident: int, *, lock: bool = False) -> RowT | None:
    """The row with primary key ``ident`` as the database has it now (not as the session last
    saw it), locked until the transaction ends when ``lock``. As ``session.get(model, ident,
    populate_existing=True, with_for_update=lock)``, with the statement built once: every update
    reads a row or two this way, and building the statement cost more than running it."""
    with session.no_autoflush:  # as session.get: pending changes are not written first
        result = await session.execute(_by_id(model, lock), {"id": ident}, execution_options={"populate_existing": True})
    row: RowT | None = result.scalar_one_or_none()
    return row

