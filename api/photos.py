"""Photos sent in a trade's chat from the app. They are kept as Telegram files of the traders' bot,
like the photos the bot relays, so that the other side (in the bot) and the admins see the same
evidence: the upload goes into the sender's own chat with the bot, which gives its file_id and the
sender a copy; the app reads a photo back through the bot (getFile and the download)."""

from __future__ import annotations

import hashlib

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.types import BufferedInputFile
from aiohttp import ClientError

from api.problems import Problem

# What the first bytes of an image say it is (what the client claims is not looked at).
_EXTENSION = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


def image_type(data: bytes) -> str | None:
    """The media type of a JPEG, PNG or WebP image by its magic bytes; None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def fingerprint(data: bytes) -> str:
    """What a photo uploaded from the app is recognised by when it comes again (in another trade:
    a recycled receipt), in place of Telegram's file_unique_id, which is new for every upload.
    TradeMessage.file_unique_id holds 64 characters: "sha256:" and the first 57 hex digits
    (228 bits, still no accidental collision)."""
    return "sha256:" + hashlib.sha256(data).hexdigest()[:57]


async def store(bot: Bot, chat_id: int, data: bytes, caption: str) -> str:
    """Send the photo into ``chat_id``'s chat with the bot (the sender's copy, with ``caption``)
    and answer the file_id of its largest size. The sender must have started the bot."""
    media = image_type(data) or "image/jpeg"
    upload = BufferedInputFile(data, f"photo.{_EXTENSION[media]}")
    try:
        sent = await bot.send_photo(chat_id, upload, caption=caption)
    except TelegramForbiddenError:
        raise Problem(409, "photo_needs_bot") from None
    except TelegramBadRequest:
        raise Problem(422, "photo_not_image", field="photo") from None
    except (TelegramAPIError, OSError):  # network errors too (TelegramNetworkError)
        raise Problem(503, "telegram_unavailable") from None
    if not sent.photo:
        raise Problem(503, "telegram_unavailable")
    return sent.photo[-1].file_id


async def fetch(bot: Bot, file_id: str) -> bytes:
    """The bytes of a photo the bot has (getFile, then the file's download)."""
    try:
        got = await bot.download(file_id)
    except TelegramBadRequest:
        raise Problem(404, "not_found") from None
    except (TelegramAPIError, ClientError, OSError):  # the download's own errors are aiohttp's
        raise Problem(503, "telegram_unavailable") from None
    assert got is not None  # no destination given: aiogram answers a BytesIO
    return got.read()
