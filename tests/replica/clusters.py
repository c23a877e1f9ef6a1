"""A private PostgreSQL primary and its streaming hot standby, from Debian's PostgreSQL binaries:
each its own data directory and unix socket in a temporary directory and a free TCP port, trust
authentication. As root (the CI container), the binaries run as the ``postgres`` user."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from tests.e2e.harness import free_port

BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
ROLE = DATABASE = "koxx"


def available() -> bool:
    return all((BIN / name).exists() for name in ("initdb", "pg_ctl", "pg_basebackup", "postgres"))


@dataclass
class Cluster:
    data: Path
    port: int

    @property
    def socket_dir(self) -> Path:
        return self.data.parent / f"{self.data.name}.sock"

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://{ROLE}@127.0.0.1:{self.port}/{DATABASE}"

    def start(self) -> None:
        self.socket_dir.mkdir(exist_ok=True)
        _own(self.socket_dir)
        options = (f"-c port={self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.socket_dir} "
                   "-c wal_level=replica -c fsync=off -c full_page_writes=off")  # fmt: skip
        _run("pg_ctl", "start", "-w", "-D", str(self.data), "-l", str(self.data.parent / f"{self.data.name}.log"),
             "-o", options)  # fmt: skip

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            _run("pg_ctl", "stop", "-m", "immediate", "-D", str(self.data), check=False)

    async def query(self, sql: str, user: str = "postgres", database: str = "postgres") -> object:
        connection = await asyncpg.connect(host=str(self.socket_dir), port=self.port, user=user, database=database)
        try:
            return await connection.fetchval(sql)
        finally:
            await connection.close()


@contextmanager
def primary_and_standby() -> Iterator[tuple[Cluster, Cluster]]:
    """Both clusters stopped and deleted on the way out. The standby is made (``standby``) once the
    primary holds what it should copy."""
    root = Path(tempfile.mkdtemp(prefix="koxx-replica-"))
    _own(root)
    primary, standby = Cluster(root / "primary", free_port()), Cluster(root / "standby", free_port())
    try:
        _run("initdb", "-D", str(primary.data), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8")
        primary.start()
        yield primary, standby
    finally:
        standby.stop()
        primary.stop()
        shutil.rmtree(root, ignore_errors=True)


async def create_database(primary: Cluster) -> None:
    await primary.query(f"CREATE ROLE {ROLE} LOGIN")
    await primary.query(f"CREATE DATABASE {DATABASE} OWNER {ROLE}")


async def start_standby(primary: Cluster, standby: Cluster) -> None:
    """A base backup of ``primary`` (-R: it follows the primary) started as a hot standby; back
    when it streams."""
    await asyncio.to_thread(_run, "pg_basebackup", "-D", str(standby.data), "-h", "127.0.0.1", "-p",
                            str(primary.port), "-U", "postgres", "-R", "-X", "stream", "-c", "fast")  # fmt: skip
    await asyncio.to_thread(standby.start)
    for _ in range(200):
        if await primary.query("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'") == 1:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the standby never streamed")


async def caught_up(primary: Cluster, standby: Cluster) -> None:
    """Back when the standby has replayed everything the primary wrote so far."""
    target = await primary.query("SELECT pg_current_wal_lsn()::text")
    for _ in range(200):
        if await standby.query(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the standby did not catch up")


def _own(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")


def _run(name: str, *args: str, check: bool = True) -> None:
    user = "postgres" if os.geteuid() == 0 else None
    subprocess.run([str(BIN / name), *args], check=check, user=user, capture_output=True, cwd="/")
