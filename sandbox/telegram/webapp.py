"""Mini Apps in the stand-in: the ``initData`` Telegram hands a Mini App, signed as Telegram signs
it (HMAC-SHA256 with the key HMAC-SHA256("WebAppData", bot token)), for a simulated user."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any
from urllib.parse import quote, urlencode

from sandbox.telegram.sandbox import SimUser
from sandbox.telegram.state import SimBot

# Telegram's light theme, as a Mini App receives it (tgWebAppThemeParams).
THEME = {"bg_color": "#ffffff", "text_color": "#000000", "hint_color": "#999999", "link_color": "#2481cc",
         "button_color": "#2481cc", "button_text_color": "#ffffff", "secondary_bg_color": "#f1f1f1"}


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


def menu_app_url(bot: SimBot, user: SimUser) -> str | None:
    """The bot's menu button for ``user``, when it opens a Mini App: its URL with the launch data
    in the fragment (tgWebAppData, tgWebAppThemeParams, ...) as Telegram's clients open it."""
    button: dict[str, Any] = bot.menu_buttons.get(user.id) or bot.menu_buttons.get(None) or {}
    url = (button.get("web_app") or {}).get("url") if button.get("type") == "web_app" else None
    if not url:
        return None
    fragment = {"tgWebAppData": init_data(bot.token, user), "tgWebAppVersion": "8.0", "tgWebAppPlatform": "web",
                "tgWebAppThemeParams": json.dumps(THEME, separators=(",", ":"))}  # fmt: skip
    return f"{url}#" + "&".join(f"{k}={quote(v, safe='')}" for k, v in fragment.items())
