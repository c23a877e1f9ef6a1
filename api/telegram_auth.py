"""Who is signing in: Telegram vouches for the user, the API checks Telegram's signature.

- ``init_data``: what a Mini App receives (Telegram.WebApp.initData), checked with aiogram's own
  validation (HMAC-SHA256 keyed with HMAC-SHA256("WebAppData", bot token));
- ``telegram_login``: the Login Widget's fields for a plain browser (aiogram's auth_widget:
  HMAC-SHA256 keyed with SHA256(bot token)).
Both carry ``auth_date``: older than API_INIT_DATA_MAX_AGE seconds (or from the future) is refused,
so a copied initData does not open the account for ever.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from aiogram.utils.auth_widget import check_integrity
from aiogram.utils.web_app import safe_parse_webapp_init_data

CLOCK_SKEW = 60  # seconds an auth_date may be ahead of this clock


class SignatureRefused(Exception):
    """``code``: login_forged (the signature does not match) or login_expired."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class TelegramUser:
    id: int
    first_name: str
    username: str | None
    language_code: str | None


def _check_age(auth_date: int, max_age: int, now: float | None) -> None:
    age = (now if now is not None else time.time()) - auth_date
    if age > max_age or age < -CLOCK_SKEW:
        raise SignatureRefused("login_expired")


def from_init_data(bot_token: str, init_data: str, *, max_age: int, now: float | None = None) -> TelegramUser:
    try:
        data = safe_parse_webapp_init_data(bot_token, init_data)
    except (ValueError, TypeError):
        raise SignatureRefused("login_forged") from None
    if data.user is None:
        raise SignatureRefused("login_forged")
    _check_age(int(data.auth_date.timestamp()), max_age, now)
    user = data.user
    return TelegramUser(user.id, user.first_name or "", user.username, user.language_code)


def from_login_widget(bot_token: str, fields: dict[str, Any], *, max_age: int, now: float | None = None) -> TelegramUser:
    signed = {k: v for k, v in fields.items() if isinstance(v, str | int) and not isinstance(v, bool)}
    if "hash" not in signed or "id" not in signed or "auth_date" not in signed:
        raise SignatureRefused("login_forged")
    if not check_integrity(bot_token, signed):
        raise SignatureRefused("login_forged")
    try:
        user_id, auth_date = int(signed["id"]), int(signed["auth_date"])
    except ValueError:
        raise SignatureRefused("login_forged") from None
    _check_age(auth_date, max_age, now)
    username = signed.get("username")
    return TelegramUser(user_id, str(signed.get("first_name", "")), str(username) if username else None, None)
