"""KYC documents at rest: each photo sealed (AES-256-GCM, core.crypto) with a key derived from
DOCUMENTS_KEY and kept in PostgreSQL (``KycDocument``), so every server reads them, none keeps
them on its disk, and the database backups carry them. The seal is bound to its request and kind
(a sealed photo copied to another row does not open).

    python -m core.accounts.documents import-files [DATA_DIR]    # the folders of before 0019
    python -m core.accounts.documents rotate OLD_KEY_FILE        # re-seal with DOCUMENTS_KEY

Both read DATABASE_URL and DOCUMENTS_KEY (or their *_FILE) like the app.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
from pathlib import Path

from sqlalchemy import delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from core.accounts.models import KycDocument, KycRequest
from core.config import ConfigError, Settings, load_settings, read_secret_file
from core.crypto import SealError, derive_key, seal, unseal

KINDS = ("document", "selfie")
_DEV_SECRET = "koxx-dev-documents-key (sandbox only; set DOCUMENTS_KEY)"


def documents_key(settings: Settings) -> bytes:
    """The key sealing the photos: from DOCUMENTS_KEY, or a dev key in code (webhook.check_settings
    refuses to serve real users without DOCUMENTS_KEY)."""
    return key_from_secret(settings.documents_key.get_secret_value() if settings.documents_key else _DEV_SECRET)


def key_from_secret(secret: str) -> bytes:
    return derive_key(secret, "kyc-documents")


def _aad(request_id: int, kind: str) -> bytes:
    return f"kyc:{request_id}:{kind}".encode()


async def store(session: AsyncSession, key: bytes, request_id: int, photos: dict[str, bytes]) -> None:
    """Seal and add the photos of a request, in the caller's transaction."""
    for kind, data in photos.items():
        session.add(KycDocument(request_id=request_id, kind=kind, sealed=seal(key, data, aad=_aad(request_id, kind))))
    await session.flush()


async def load(session: AsyncSession, key: bytes, request_id: int) -> dict[str, bytes]:
    """The photos of a request by kind (empty when none are stored). A wrong key raises SealError."""
    rows = await session.scalars(select(KycDocument).where(KycDocument.request_id == request_id))
    return {row.kind: unseal(key, row.sealed, aad=_aad(request_id, row.kind)) for row in rows}


async def remove(session: AsyncSession, request_id: int) -> None:
    await session.execute(delete(KycDocument).where(KycDocument.request_id == request_id))


async def rotate(session: AsyncSession, old: bytes, new: bytes, *, batch: int = 100) -> int:
    """Re-seal every photo sealed with ``old`` with ``new`` (rows already on ``new`` are left);
    returns how many were re-sealed."""
    done = 0
    last: tuple[int, str] = (0, "")
    while True:
        rows = list(await session.scalars(
            select(KycDocument).where(tuple_(KycDocument.request_id, KycDocument.kind) > tuple_(*last))
            .order_by(KycDocument.request_id, KycDocument.kind).limit(batch).with_for_update()
        ))  # fmt: skip
        if not rows:
            return done
        for row in rows:
            aad = _aad(row.request_id, row.kind)
            try:
                unseal(new, row.sealed, aad=aad)
            except SealError:
                row.sealed = seal(new, unseal(old, row.sealed, aad=aad), aad=aad)
                done += 1
        last = (rows[-1].request_id, rows[-1].kind)
        await session.flush()


async def import_files(session: AsyncSession, key: bytes, data_dir: Path) -> int:
    """Move the photos stored as files under DATA_DIR/kyc/<storage_key>/ (before 0019_documents)
    into the database; each folder is removed once its rows are written (call in a transaction
    that commits before the next). Returns how many requests were moved."""
    root = Path(data_dir) / "kyc"
    moved = 0
    for request in await session.scalars(select(KycRequest).where(KycRequest.files_deleted_at.is_(None))):
        folder = root / request.storage_key
        if not folder.is_dir() or await load(session, key, request.id):
            continue
        await store(session, key, request.id, {kind: (folder / kind).read_bytes() for kind in KINDS})
        moved += 1
    return moved


def _remove_imported(data_dir: Path, keys: list[str]) -> None:
    for key in keys:
        shutil.rmtree(Path(data_dir) / "kyc" / key, ignore_errors=True)


async def _command(args: argparse.Namespace) -> str:
    from core.db import make_engine, make_session_factory, transaction

    settings = load_settings()
    if settings.database_url is None:
        raise ConfigError("DATABASE_URL: required")
    key = documents_key(settings)
    engine = make_engine(settings.database_url.get_secret_value())
    try:
        factory = make_session_factory(engine)
        if args.command == "rotate":
            old = key_from_secret(read_secret_file("OLD_KEY_FILE", args.old_key_file))
            async with transaction(factory) as session:
                return f"re-sealed {await rotate(session, old, key)} photos with DOCUMENTS_KEY"
        data_dir = Path(args.data_dir or settings.data_dir)
        async with transaction(factory) as session:
            moved = await import_files(session, key, data_dir)
            keys = list(await session.scalars(select(KycRequest.storage_key).join(
                KycDocument, KycDocument.request_id == KycRequest.id).distinct()))  # fmt: skip
        _remove_imported(data_dir, keys)  # committed: the files are no longer needed
        return f"moved the photos of {moved} requests from {data_dir / 'kyc'} into the database"
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.accounts.documents", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    imports = commands.add_parser("import-files", help="move DATA_DIR/kyc/* into the database")
    imports.add_argument("data_dir", nargs="?", help="default: DATA_DIR")
    rotation = commands.add_parser("rotate", help="re-seal every photo with DOCUMENTS_KEY")
    rotation.add_argument("old_key_file", help="a file (mode 0600) holding the previous DOCUMENTS_KEY")
    args = parser.parse_args(argv)
    try:
        print(asyncio.run(_command(args)))
    except ConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
