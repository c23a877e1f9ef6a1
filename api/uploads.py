"""Uploads: the photos of a multipart/form-data body (the KYC documents, a photo in a trade's
chat), read part by part. A photo is counted while it is read, so one over the limit is refused
without being held whole (aiohttp's client_max_size does not apply to a body read this way)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from aiohttp import BodyPartReader, web

from api.problems import Problem

MAX_PHOTO = 10 * 1024 * 1024  # Telegram takes a photo of up to 10 MB (the bot's KYC limit too)
MAX_FIELD = 16 * 1024  # a text part, in bytes


@dataclass
class Form:
    files: dict[str, bytes] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)


async def read_form(request: web.Request, *, files: Collection[str], fields: Collection[str] = ()) -> Form:
    """The named file and text parts of a multipart body; other parts are skipped, and a body that
    is not multipart has none. Refuses a file over MAX_PHOTO (``photo_too_large``), a text part
    that is not UTF-8 or too long (``field_invalid``), a body that cannot be read (``form_invalid``)."""
    form = Form()
    if not request.content_type.startswith("multipart/"):
        return form
    try:
        async for part in await request.multipart():
            if not isinstance(part, BodyPartReader) or part.name not in (*files, *fields):
                continue
            if part.name in files:
                form.files[part.name] = await _read(part, MAX_PHOTO, "photo_too_large", max_bytes=MAX_PHOTO)
            else:
                raw = await _read(part, MAX_FIELD, "field_invalid")
                try:
                    form.fields[part.name] = raw.decode()
                except UnicodeDecodeError:
                    raise Problem(422, "field_invalid", field=part.name) from None
    except ValueError:  # no boundary, a broken part (aiohttp's reader)
        raise Problem(422, "form_invalid") from None
    return form


async def _read(part: BodyPartReader, limit: int, code: str, **params: int) -> bytes:
    data = bytearray()
    while chunk := await part.read_chunk():
        data += chunk
        if len(data) > limit:
            raise Problem(422, code, field=part.name, **params)
    return bytes(data)
