"""Files the bots and users send: ids, paths for download, photo sizes."""

from __future__ import annotations

import io
import secrets
from typing import Any

from .params import Upload
from .state import FileRec, World

THUMBNAIL_SIDE = 90  # Telegram's smallest photo size ("s")


def _open_image(data: bytes) -> Any:
    try:
        from PIL import Image

        image = Image.open(io.BytesIO(data))
        image.load()
        return image
    except Exception:
        return None


def _new_rec(world: World, bot_id: int, data: bytes, kind: str, ext: str, **extra: Any) -> FileRec:
    prefix = {"photo": "AgAC", "document": "BQAC"}.get(kind, "CAAC")
    rec = FileRec(
        file_id=f"{prefix}{secrets.token_urlsafe(30)}",
        file_unique_id=f"AQAD{secrets.token_urlsafe(8)}",
        data=data,
        file_path=f"{kind}s/file_{world.next_id()}{ext}",
        bot_id=bot_id,
        **extra,
    )
    world.files[rec.file_id] = rec
    return rec


def store_file(world: World, upload: Upload, kind: str, bot_id: int) -> FileRec:
    """Keep an uploaded file. A photo larger than 90 px also gets a 90 px JPEG thumbnail size,
    as Telegram makes several sizes (the original bytes stay the largest size, unconverted)."""
    if kind != "photo":
        name = upload.filename or "file"
        ext = "." + name.rsplit(".", 1)[1] if "." in name else ""
        return _new_rec(
            world, bot_id, upload.data, kind, ext, mime_type=upload.content_type, file_name=upload.filename
        )
    image = _open_image(upload.data)
    width, height = image.size if image is not None else (1, 1)
    rec = _new_rec(world, bot_id, upload.data, kind, ".jpg", width=width, height=height)
    if image is not None and max(width, height) > THUMBNAIL_SIDE:
        image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
        buf = io.BytesIO()
        image.convert("RGB").save(buf, format="JPEG")
        rec.thumbnail = _new_rec(
            world, bot_id, buf.getvalue(), kind, ".jpg", width=image.width, height=image.height
        )
    return rec


def photo_sizes(rec: FileRec) -> list[dict[str, Any]]:
    """The PhotoSize list of a photo message, smallest first (``photo[-1]`` is the original)."""
    sizes = [rec] if rec.thumbnail is None else [rec.thumbnail, rec]
    return [{**r.file_dict(), "width": r.width or 1, "height": r.height or 1} for r in sizes]


def document_dict(rec: FileRec) -> dict[str, Any]:
    doc = rec.file_dict()
    if rec.file_name:
        doc["file_name"] = rec.file_name
    if rec.mime_type:
        doc["mime_type"] = rec.mime_type
    return doc


def by_path(world: World, path: str) -> FileRec | None:
    return next((f for f in world.files.values() if f.file_path == path), None)
