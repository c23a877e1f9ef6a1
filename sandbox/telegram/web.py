"""The web chat page: act as several simulated users at once in a browser.

Served by the stand-in's own app at ``/`` (static files in ``static/``) with a small JSON API
under ``/api/`` and a Server-Sent Events stream (``/api/events``) that says "something
changed" so the page refetches what it shows. Everything goes through the same control API
the tests use (SimUser.send, press, ...), so the bots cannot tell a browser from a test.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .chain import setup_chain
from .state import SimChat
from .views import SimMessage
from .webapp import menu_app_url

if TYPE_CHECKING:
    from .sandbox import SimPress, SimUser, TelegramSandbox

STATIC = Path(__file__).with_name("static")


def _tg(request: web.Request) -> TelegramSandbox:
    from .server import SANDBOX_KEY

    return request.app[SANDBOX_KEY]


def _user(tg: TelegramSandbox, raw: Any) -> SimUser:
    try:
        user: SimUser = tg.users[int(raw)]
    except (KeyError, TypeError, ValueError):
        raise web.HTTPNotFound(text="no such user") from None
    return user


def _chat(tg: TelegramSandbox, raw: Any) -> SimChat:
    try:
        return tg.chats[int(raw)]
    except (KeyError, TypeError, ValueError):
        raise web.HTTPNotFound(text="no such chat") from None


def _message_json(m: SimMessage) -> dict[str, Any]:
    rows = m.data.get("reply_markup", {}).get("inline_keyboard", [])
    buttons = [[{"text": b["text"], "url": b.get("url")} for b in row] for row in rows]
    photo = m.photo[-1]["file_id"] if m.photo else None
    document = (
        {"file_id": m.document["file_id"], "name": m.document.get("file_name") or "file"}
        if m.document
        else None
    )
    sender = m.data.get("from") or m.data.get("sender_chat") or {}
    return {
        "message_id": m.message_id, "from_bot": m.from_bot, "bot_id": m.bot_id, "html": m.html, "edited": m.edited,
        "date": m.data.get("date"), "buttons": buttons, "photo": photo, "document": document,
        "contact": m.contact, "sender": sender.get("first_name") or sender.get("title") or "",
    }  # fmt: skip


async def index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html")


async def state(request: web.Request) -> web.Response:
    tg = _tg(request)
    return web.json_response({
        "users": [{"id": u.id, "name": u.first_name, "username": u.username, "lang": u.language_code}
                  for u in tg.users.values()],
        "bots": [{"id": b.id, "username": b.username, "name": b.first_name} for b in tg.bots.values()],
        "chats": [{"id": c.id, "title": c.title, "type": c.type} for c in tg.chats.values()],
    })  # fmt: skip


async def chat(request: web.Request) -> web.Response:
    """?user=&bot= for a private chat, ?chat= for a channel or group."""
    tg = _tg(request)
    q = request.query
    if "chat" in q:
        messages = tg.channel_posts(_chat(tg, q["chat"]))
        return web.json_response({"messages": [_message_json(m) for m in messages], "keyboard": None})
    user = _user(tg, q.get("user"))
    bot = tg.find_bot(int(q.get("bot", "0")))
    return web.json_response({
        "messages": [_message_json(m) for m in user.chat(bot)],
        "keyboard": _reply_keyboard(tg.private_dialog(bot, user).reply_keyboard),
        "blocked": (bot.id, user.id) in tg.blocked,
        "menu_app": menu_app_url(bot, user),
    })  # fmt: skip


def _reply_keyboard(rows: list[list[dict[str, Any]]] | None) -> list[list[dict[str, Any]]] | None:
    """The user's reply keyboard: labels, and which buttons share the user's phone number."""
    if rows is None:
        return None
    return [[{"text": b["text"], "contact": bool(b.get("request_contact"))} for b in row] for row in rows]


async def add_user(request: web.Request) -> web.Response:
    tg = _tg(request)
    body = await request.json()
    name = str(body.get("name") or "").strip()
    if not name:
        raise web.HTTPBadRequest(text="a name is needed")
    user = tg.add_user(name, username=body.get("username") or None, language_code=body.get("lang") or "en")
    return web.json_response({"id": user.id})


async def act(request: web.Request) -> web.Response:
    """One user action: send, press, contact, block, unblock, post (group)."""
    tg = _tg(request)
    body = await request.json()
    user = _user(tg, body.get("user"))
    action = body.get("action")
    try:
        if action == "post":
            await user.post(_chat(tg, body.get("chat")), str(body.get("text") or ""))
            return web.json_response({"ok": True})
        bot = tg.find_bot(int(body.get("bot", 0)))
        if action == "send":
            await user.send(bot, str(body.get("text") or ""))
        elif action == "press":
            chat_ref = _chat(tg, body["chat"]) if body.get("chat") else None
            press = await user.press(
                bot, str(body.get("label")), message=int(body["message_id"]), chat=chat_ref
            )
            return web.json_response({"ok": True, "url": press.url, "opened_bot": _opened_bot(tg, press),
                                      "query_id": press.query_id})  # fmt: skip
        elif action == "contact":
            await user.send_contact(bot, phone=str(body.get("phone") or "+9647700000000"))
        elif action == "block":
            tg.block(user, bot)
        elif action == "unblock":
            tg.unblock(user, bot)
        else:
            raise web.HTTPBadRequest(text=f"unknown action {action!r}")
    except (LookupError, ValueError) as exc:
        raise web.HTTPBadRequest(text=str(exc).splitlines()[0]) from None
    return web.json_response({"ok": True})


async def answer(request: web.Request) -> web.Response:
    """The bot's answer to a button press (``?id=`` the query id from "press"), waited for up to
    ten seconds: the page shows its text, as a popup when the bot asked for an alert."""
    from .sandbox import SandboxTimeout, SimPress

    tg = _tg(request)
    rec = tg.callbacks.get(request.query.get("id", ""))
    if rec is None:
        raise web.HTTPNotFound(text="no such button press")
    try:
        shown = await SimPress(tg, rec.id, rec.data, None).answer(timeout=10.0)
    except SandboxTimeout:
        return web.json_response({"text": None, "show_alert": False})
    return web.json_response({"text": shown.text, "show_alert": shown.show_alert})


def _opened_bot(tg: TelegramSandbox, press: SimPress) -> int | None:
    """The bot whose chat a followed t.me deep link opened (the page then shows that chat)."""
    m = re.match(r"^https?://(?:t|telegram)\.me/([A-Za-z0-9_]+)", press.url or "")
    if press.opened is None or m is None:
        return None
    try:
        return tg.find_bot(m.group(1)).id
    except LookupError:
        return None


async def upload(request: web.Request) -> web.Response:
    """A photo or document from a user (multipart: user, bot, file, caption, as_document)."""
    tg = _tg(request)
    form = await request.post()
    user = _user(tg, form.get("user"))
    bot = tg.find_bot(int(str(form.get("bot", "0"))))
    field = form.get("file")
    if not isinstance(field, web.FileField):
        raise web.HTTPBadRequest(text="no file")
    data = field.file.read()
    caption = str(form.get("caption") or "") or None
    if form.get("as_document") or not (field.content_type or "").startswith("image/"):
        await user.send_document(
            bot, data, filename=field.filename, mime_type=field.content_type, caption=caption
        )
    else:
        await user.send_photo(bot, data, caption=caption, filename=field.filename)
    return web.json_response({"ok": True})


async def file(request: web.Request) -> web.Response:
    rec = _tg(request).files.get(request.match_info["file_id"])
    if rec is None:
        raise web.HTTPNotFound()
    return web.Response(body=rec.data, content_type=rec.mime_type or "image/jpeg")


async def events(request: web.Request) -> web.StreamResponse:
    """Server-Sent Events: one "change" event whenever the sandbox changes (at most ~10/s)."""
    tg = _tg(request)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await response.prepare(request)
    with contextlib.suppress(ConnectionResetError, asyncio.CancelledError):
        await response.write(b"event: change\ndata: {}\n\n")
        while not tg.closing:
            changed = await tg.changed(15.0)
            await response.write(b"event: change\ndata: {}\n\n" if changed else b": keep-alive\n\n")
            await asyncio.sleep(0.1)
    return response


def setup_web(app: web.Application) -> None:
    app.router.add_get("/", index)
    app.router.add_static("/static/", STATIC)
    app.router.add_get("/api/state", state)
    app.router.add_get("/api/chat", chat)
    app.router.add_post("/api/users", add_user)
    app.router.add_post("/api/act", act)
    app.router.add_get("/api/answer", answer)
    app.router.add_post("/api/upload", upload)
    app.router.add_get("/api/file/{file_id}", file)
    app.router.add_get("/api/events", events)
    setup_chain(app)  # /chain/...: the local TRON node's panel
