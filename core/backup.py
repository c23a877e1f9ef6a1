"""Backups an operator takes and restores: `pg_dump` custom format of the whole database (the KYC
documents are in it, sealed: core.accounts.documents) and a manifest with checksums.

    python -m core.backup create /var/backups/koxx/2026-12-05      # a new folder
    python -m core.backup verify /var/backups/koxx/2026-12-05      # the checksums
    python -m core.backup restore /var/backups/koxx/2026-12-05 [--force]

Both read DATABASE_URL (or DATABASE_URL_FILE) like the app; the password goes to pg_dump and
pg_restore in PGPASSWORD, never on their command line. The dump is one consistent snapshot: the
row counts of the manifest are read in the very snapshot pg_dump dumps (``--snapshot``), and a
restore checks it got them back. ``restore`` wants an empty database (stop the services first;
``--force`` replaces what is there). Keep DOCUMENTS_KEY with the backups' keys: without it the
restored documents cannot be opened. Point-in-time recovery (WAL archiving): docs/runbook.md.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from core.config import ConfigError, load_settings

DUMP = "koxx.dump"
MANIFEST = "manifest.json"
FORMAT = "koxx-backup-1"
_TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"


class BackupError(Exception):
    """A backup cannot be made, checked or restored; the message says why."""


@dataclass(frozen=True)
class Target:
    """A database for the PostgreSQL tools: its URL without the password, and the password."""

    url: str
    password: str | None

    @classmethod
    def from_url(cls, url: str) -> Target:
        parsed = make_url(url).set(drivername="postgresql")
        return cls(parsed.set(password=None).render_as_string(hide_password=False), parsed.password)

    def env(self) -> dict[str, str]:
        return {**os.environ, **({"PGPASSWORD": self.password} if self.password else {})}

    async def connect(self) -> asyncpg.Connection:
        return await asyncpg.connect(self.url, password=self.password)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _run(argv: list[str], target: Target) -> None:
    result = subprocess.run(argv, env=target.env(), capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{argv[0]} failed: {result.stderr.strip()}")


async def _counts(conn: asyncpg.Connection) -> dict[str, int]:
    tables = [row["tablename"] for row in await conn.fetch(_TABLES)]
    return {table: int(await conn.fetchval(f'SELECT count(*) FROM "{table}"')) for table in tables}


def _new_folder(folder: Path) -> None:
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: give a new folder to each backup")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)


def _write_manifest(folder: Path, facts: dict[str, Any]) -> dict[str, Any]:
    dump = folder / DUMP
    os.chmod(dump, 0o600)
    version = subprocess.run(["pg_dump", "--version"], capture_output=True, text=True).stdout.strip()
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "pg_dump": version,
        **facts,
        "files": {DUMP: {"bytes": dump.stat().st_size, "sha256": _sha256(dump)}},
    }
    path = folder / MANIFEST
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    os.chmod(path, 0o600)
    return manifest


async def create(url: str, folder: Path) -> dict[str, Any]:
    """Dump the database into ``folder`` (new, mode 0700) with its manifest; returns the manifest."""
    await asyncio.to_thread(_new_folder, folder)
    target = Target.from_url(url)
    conn = await target.connect()
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            snapshot = await conn.fetchval("SELECT pg_export_snapshot()")
            counts = await _counts(conn)
            revision = await conn.fetchval("SELECT version_num FROM alembic_version")
            server = await conn.fetchval("SHOW server_version")
            dump = folder / DUMP
            argv = ["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={dump}", target.url]
            await asyncio.to_thread(_run, argv, target)  # while this transaction keeps the snapshot
    finally:
        await conn.close()
    facts = {"database": make_url(url).database, "server_version": server, "migration": revision, "rows": counts}
    return await asyncio.to_thread(_write_manifest, folder, facts)


def verify(folder: Path) -> dict[str, Any]:
    """The manifest, once every file matches its size and checksum."""
    try:
        manifest: dict[str, Any] = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder / MANIFEST}: unreadable ({exc})") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{folder / MANIFEST}: not a KOXX backup manifest")
    for name, expected in manifest["files"].items():
        path = folder / name
        if not path.is_file() or path.stat().st_size != expected["bytes"] or _sha256(path) != expected["sha256"]:
            raise BackupError(f"{path}: missing or changed since the backup (checksum mismatch)")
    return manifest


async def restore(url: str, folder: Path, *, force: bool = False) -> dict[str, Any]:
    """Restore a verified backup into the database of ``url``: an empty one, or (``force``) one
    whose tables are replaced. Raises BackupError if the rows restored differ from the manifest."""
    manifest = await asyncio.to_thread(verify, folder)
    target = Target.from_url(url)
    conn = await target.connect()
    try:
        tables = [row["tablename"] for row in await conn.fetch(_TABLES)]
    finally:
        await conn.close()
    if tables and not force:
        raise BackupError(
            f"the database {make_url(url).database} is not empty ({len(tables)} tables): restore into a new "
            "database, or give --force to replace its contents"
        )
    argv = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
            f"--dbname={target.url}"]  # fmt: skip
    if tables:
        argv += ["--clean", "--if-exists"]
    await asyncio.to_thread(_run, [*argv, str(folder / DUMP)], target)
    conn = await target.connect()
    try:
        counts = await _counts(conn)
    finally:
        await conn.close()
    if counts != manifest["rows"]:
        differ = sorted(t for t in set(counts) | set(manifest["rows"]) if counts.get(t) != manifest["rows"].get(t))
        raise BackupError(f"restored rows differ from the manifest in: {', '.join(differ)}")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.backup", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (("create", "back up DATABASE_URL into a new folder"),
                       ("verify", "check a backup's files against its manifest"),
                       ("restore", "restore a backup into DATABASE_URL")):  # fmt: skip
        command = commands.add_parser(name, help=text)
        command.add_argument("folder", type=Path)
        if name == "restore":
            command.add_argument("--force", action="store_true", help="replace a database that is not empty")
    args = parser.parse_args(argv)
    try:
        if args.command == "verify":
            manifest = verify(args.folder)
        else:
            settings = load_settings()
            if settings.database_url is None:
                raise ConfigError("DATABASE_URL: required")
            url = settings.database_url.get_secret_value()
            if args.command == "create":
                manifest = asyncio.run(create(url, args.folder))
            else:
                manifest = asyncio.run(restore(url, args.folder, force=args.force))
    except ConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    except BackupError as exc:
        print(f"backup {args.command}: FAILED: {exc}", file=sys.stderr)
        return 1
    rows = manifest["rows"]
    print(f"backup {args.command}: OK: {args.folder} (migration {manifest['migration']}, {len(rows)} tables, "
          f"{sum(rows.values())} rows, taken {manifest['created_at']})")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
