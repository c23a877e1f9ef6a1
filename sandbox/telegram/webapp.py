"""Mini Apps in the stand-in: the ``initData`` Telegram hands a Mini App, signed as Telegram signs
it (HMAC-SHA256 with the key HMAC-SHA256("WebAppData", bot token)), for a simulated user."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from urllib.parse import urlencode

from sandbox.telegram.sandbox import SimUser


def init_data(bot_token: str, user: SimUser, *, auth_date: int | None = None) -> str:
    """What Telegram.WebApp.initData holds for ``user`` opening the bot's Mini App now."""
    who = {"id": user.id, "first_name": user.first_name, "language_code": user.language_code or "en",
           "allows_write_to_pm": True}  # fmt: skip
    if user.last_name:
        who["last_name"] = user.last_name
    if user.username:
        who["username"] = user.username
    fields = {"query_id": f"AA{secrets.token_hex(8)}", "user": json.dumps(who, separators=(",", ":"), ensure_ascii=False),
              "auth_date": str(auth_date if auth_date is not None else int(time.time()))}  # fmt: skip
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)
