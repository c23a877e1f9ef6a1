"""The Bot API methods: each takes the world, the calling bot and the call's parameters.

Unknown methods answer ``true`` (see ``dispatch``), so a bot using a method the stand-in does
not model keeps running.
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from .errors import NOT_MODIFIED, ApiError, bad_request
from .files import document_dict, photo_sizes, store_file
from .formatting import parse_html, strip_text, utf16_len
from .params import Params, Upload
from .state import (
    ALL_UPDATE_TYPES,
    DEFAULT_UPDATE_TYPES,
    Dialog,
    FileRec,
    SimBot,
    SimChat,
    StoredMessage,
    Webhook,
    World,
    now,
    wait_event,
)

Method = Callable[[World, SimBot, Params], Awaitable[Any]]
METHODS: dict[str, Method] = {}

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_BUTTONS = 100
MAX_DOWNLOAD = 20 * 1024 * 1024  # getFile
MAX_UPLOAD = 50 * 1024 * 1024  # sendDocument / sendPhoto
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_REMOVE = object()  # reply_markup asked to remove the reply keyboard


def method(name: str) -> Callable[[Method], Method]:
    def register(fn: Method) -> Method:
        METHODS[name.lower()] = fn
        return fn

    return register


async def dispatch(world: World, bot: SimBot, name: str, params: Params) -> Any:
    fn = METHODS.get(name.lower())
    if fn is None:
        return True
    return await fn(world, bot, params)


# ----------------------------------------------------------------- text, markup, files


def formatted_text(
    p: Params, key: str, entities_key: str, *, limit: int, required: bool
) -> tuple[str, list[dict[str, Any]]]:
    """Text and entities after parse_mode, trimmed, checked against Telegram's limits."""
    raw = p.text(key) or ""
    mode = (p.text("parse_mode") or "").lower()
    if mode == "html":
        text, entities = parse_html(raw)
    else:  # Markdown modes are not modelled: the text is taken as it is.
        text = raw
        entities = p.json(entities_key, "entities") or []
    text, entities = strip_text(text, entities)
    if required and not text:
        raise bad_request("message text is empty")
    if utf16_len(text) > limit:  # as Telegram counts: an emoji is 2
        raise bad_request("message is too long" if key == "text" else "message caption is too long")
    return text, entities


def parse_markup(p: Params, *, inline_only: bool = False) -> tuple[dict[str, Any] | None, Any]:
    """(inline keyboard for the message, reply keyboard rows / _REMOVE / None)."""
    markup = p.json("reply_markup", "reply keyboard markup")
    if markup is None:
        return None, None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        return {"inline_keyboard": _inline_rows(markup["inline_keyboard"])}, None
    if inline_only:
        raise bad_request("inline keyboard expected")
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request("can't parse reply keyboard markup JSON object")
        return None, [[b if isinstance(b, dict) else {"text": str(b)} for b in row] for row in rows]
    if markup.get("remove_keyboard"):
        return None, _REMOVE
    return None, None  # force_reply and friends


def _inline_rows(rows: Any) -> list[list[dict[str, Any]]]:
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise bad_request('can\'t parse inline keyboard button: field "inline_keyboard" must be an Array')
    if sum(len(r) for r in rows) > MAX_BUTTONS:
        raise bad_request("reply markup is too long")
    clean = []
    for row in rows:
        out = []
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise bad_request('can\'t parse inline keyboard button: Field "text" must be of type String')
            button = {k: v for k, v in button.items() if v is not None}
            if "callback_data" in button:
                size = len(str(button["callback_data"]).encode("utf-8"))
                if size == 0 or size > MAX_CALLBACK_DATA:
                    raise bad_request("BUTTON_DATA_INVALID")
            elif "url" in button:
                if not str(button["url"]).strip():
                    raise bad_request("BUTTON_URL_INVALID")
            elif len(button) == 1:
                raise bad_request(
                    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                )
            out.append(button)
        clean.append(out)
    return clean


def _file_param(world: World, bot: SimBot, p: Params, name: str, kind: str) -> FileRec:
    value = p.file(name)
    if not value:
        raise bad_request(f"there is no {name} in the request")
    if isinstance(value, Upload):
        if len(value.data) > MAX_UPLOAD:
            raise ApiError(413, "Request Entity Too Large")
        return store_file(world, value, kind, bot.id)
    if value.startswith(("http://", "https://")):
        raise bad_request("failed to get HTTP URL content")
    rec = world.file_for_bot(bot, value)
    if rec is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    if kind == "photo" and rec.width is None:  # a document sent again as a photo
        rec = store_file(world, Upload(rec.data, rec.file_name, rec.mime_type), "photo", bot.id)
    return rec


# ----------------------------------------------------------------- sending


def _reply_to(dialog: Dialog, p: Params) -> dict[str, Any] | None:
    params = p.json("reply_parameters") or {}
    message_id = params.get("message_id") if isinstance(params, dict) else None
    allow = bool(params.get("allow_sending_without_reply")) if isinstance(params, dict) else False
    if message_id is None:
        message_id = p.integer("reply_to_message_id")
        allow = p.flag("allow_sending_without_reply")
    if message_id is None:
        return None
    target = dialog.get(int(message_id))
    if target is None:
        if allow:
            return None
        raise bad_request("message to be replied not found")
    replied = copy.deepcopy(target.data)
    replied.pop("reply_to_message", None)
    return replied


def post_message(world: World, bot: SimBot, p: Params, content: dict[str, Any]) -> dict[str, Any]:
    """Put a bot's message into the chat named by chat_id and return it as Telegram does."""
    dialog, target = world.chat_for_bot(bot, p.chat_id(), sending=True)
    inline, keyboard = parse_markup(p)
    data: dict[str, Any] = {"message_id": 0, "date": now(), "chat": copy.deepcopy(dialog.chat)}
    if isinstance(target, SimChat) and target.type == "channel":
        data["sender_chat"] = copy.deepcopy(dialog.chat)
    else:
        data["from"] = bot.user_dict()
    data.update(content)
    replied = _reply_to(dialog, p)
    if replied is not None:
        data["reply_to_message"] = replied
    if inline is not None:
        data["reply_markup"] = inline
    if p.flag("protect_content"):
        data["has_protected_content"] = True
    stored = dialog.add(StoredMessage(data, bot.id, None if keyboard is _REMOVE else keyboard))
    if keyboard is _REMOVE:
        dialog.reply_keyboard = None
    elif keyboard is not None:
        dialog.reply_keyboard = keyboard
    world.record(dialog, stored, "new")
    return world.message_snapshot(stored)


def _caption(p: Params) -> dict[str, Any]:
    caption, entities = formatted_text(p, "caption", "caption_entities", limit=MAX_CAPTION, required=False)
    content: dict[str, Any] = {}
    if caption:
        content["caption"] = caption
        if entities:
            content["caption_entities"] = entities
    return content


@method("sendMessage")
async def send_message(world: World, bot: SimBot, p: Params) -> Any:
    world.chat_for_bot(bot, p.chat_id(), sending=True)  # chat errors come before text errors
    text, entities = formatted_text(p, "text", "entities", limit=MAX_TEXT, required=True)
    content: dict[str, Any] = {"text": text}
    if entities:
        content["entities"] = entities
    return post_message(world, bot, p, content)


@method("sendPhoto")
async def send_photo(world: World, bot: SimBot, p: Params) -> Any:
    world.chat_for_bot(bot, p.chat_id(), sending=True)
    caption = _caption(p)
    rec = _file_param(world, bot, p, "photo", "photo")
    return post_message(world, bot, p, {"photo": photo_sizes(rec), **caption})


@method("sendDocument")
async def send_document(world: World, bot: SimBot, p: Params) -> Any:
    world.chat_for_bot(bot, p.chat_id(), sending=True)
    caption = _caption(p)
    rec = _file_param(world, bot, p, "document", "document")
    return post_message(world, bot, p, {"document": document_dict(rec), **caption})


@method("sendMediaGroup")
async def send_media_group(world: World, bot: SimBot, p: Params) -> Any:
    """An album: 2-10 photos (or 2-10 documents), each its own message with one media_group_id."""
    world.chat_for_bot(bot, p.chat_id(), sending=True)
    media = p.json("media")
    if not isinstance(media, list) or not all(isinstance(m, dict) for m in media):
        raise bad_request("can't parse media JSON object")
    if not 2 <= len(media) <= 10:
        raise bad_request("wrong number of media in the album (2-10 are needed)")
    kinds = {m.get("type") for m in media}
    if "document" in kinds and kinds != {"document"}:
        raise bad_request("document can't be mixed with other media types")
    prepared = []
    for item in media:
        kind = "document" if item.get("type") == "document" else "photo"
        sub = Params({"caption": item.get("caption"), "parse_mode": item.get("parse_mode"),
                      "caption_entities": item.get("caption_entities"), kind: item.get("media")}, p.uploads)  # fmt: skip
        caption = _caption(sub)
        rec = _file_param(world, bot, sub, kind, kind)
        prepared.append({kind: photo_sizes(rec) if kind == "photo" else document_dict(rec), **caption})
    group_id = str(world.next_id() * 1000 + 7)
    base = {k: v for k, v in p.values.items() if k not in ("media", "reply_markup")}
    sent = []
    for i, content in enumerate(prepared):
        values = base if i == 0 else {k: v for k, v in base.items() if not k.startswith("reply")}
        sent.append(post_message(world, bot, Params(values), {**content, "media_group_id": group_id}))
    return sent


@method("sendContact")
async def send_contact(world: World, bot: SimBot, p: Params) -> Any:
    contact = {"phone_number": p.text("phone_number") or "", "first_name": p.text("first_name") or ""}
    last_name = p.text("last_name")
    if last_name:
        contact["last_name"] = last_name
    return post_message(world, bot, p, {"contact": contact})


_CONTENT_KEYS = ("text", "entities", "photo", "document", "caption", "caption_entities", "contact")


def _source(world: World, bot: SimBot, p: Params, what: str) -> StoredMessage:
    dialog, _ = world.chat_for_bot(bot, p.chat_id("from_chat_id"), sending=False)
    stored = dialog.get(p.require_int("message_id"))
    if stored is None:
        raise bad_request(f"message to {what} not found")
    if stored.data.get("has_protected_content"):
        raise bad_request(f"message can't be {'copied' if what == 'copy' else 'forwarded'}")
    return stored


@method("copyMessage")
async def copy_message(world: World, bot: SimBot, p: Params) -> Any:
    source = _source(world, bot, p, "copy")
    content = {k: copy.deepcopy(v) for k, v in source.data.items() if k in _CONTENT_KEYS}
    if "caption" in p and "text" not in content:
        content.pop("caption", None)
        content.pop("caption_entities", None)
        content.update(_caption(p))
    sent = post_message(world, bot, p, content)
    return {"message_id": sent["message_id"]}


@method("forwardMessage")
async def forward_message(world: World, bot: SimBot, p: Params) -> Any:
    source = _source(world, bot, p, "forward")
    content = {k: copy.deepcopy(v) for k, v in source.data.items() if k in _CONTENT_KEYS}
    data = source.data
    if "sender_chat" in data and data["sender_chat"].get("type") == "channel":
        origin = {"type": "channel", "chat": data["sender_chat"], "message_id": data["message_id"]}
    else:
        origin = {"type": "user", "sender_user": data["from"]}
    content["forward_origin"] = {**origin, "date": data["date"]}
    p.values.pop("reply_markup", None)
    return post_message(world, bot, p, content)


# ----------------------------------------------------------------- editing


def _editable(world: World, bot: SimBot, p: Params) -> tuple[Dialog, StoredMessage]:
    if p.text("inline_message_id"):
        raise bad_request("message to edit not found")
    dialog, _ = world.chat_for_bot(bot, p.chat_id(), sending=False)
    stored = dialog.get(p.require_int("message_id"))
    if stored is None:
        raise bad_request("message to edit not found")
    if stored.sender_bot != bot.id:
        raise bad_request("message can't be edited")
    return dialog, stored


def _apply_edit(world: World, dialog: Dialog, stored: StoredMessage, changes: dict[str, Any]) -> Any:
    data = stored.data
    if all(data.get(k) == (v or None) for k, v in changes.items()):
        raise bad_request(NOT_MODIFIED)
    for key, value in changes.items():
        if value:
            data[key] = value
        else:
            data.pop(key, None)
    data["edit_date"] = now()
    stored.edited = True
    world.record(dialog, stored, "edited")
    return world.message_snapshot(stored)


@method("editMessageText")
async def edit_message_text(world: World, bot: SimBot, p: Params) -> Any:
    dialog, stored = _editable(world, bot, p)
    if "text" not in stored.data:
        raise bad_request("there is no text in the message to edit")
    text, entities = formatted_text(p, "text", "entities", limit=MAX_TEXT, required=True)
    inline, _ = parse_markup(p, inline_only=True)
    return _apply_edit(world, dialog, stored, {"text": text, "entities": entities, "reply_markup": inline})


@method("editMessageCaption")
async def edit_message_caption(world: World, bot: SimBot, p: Params) -> Any:
    dialog, stored = _editable(world, bot, p)
    if "text" in stored.data:
        raise bad_request("there is no caption in the message to edit")
    caption = _caption(p)
    inline, _ = parse_markup(p, inline_only=True)
    return _apply_edit(world, dialog, stored, {
        "caption": caption.get("caption"), "caption_entities": caption.get("caption_entities"),
        "reply_markup": inline,
    })  # fmt: skip


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(world: World, bot: SimBot, p: Params) -> Any:
    dialog, stored = _editable(world, bot, p)
    inline, _ = parse_markup(p, inline_only=True)
    return _apply_edit(world, dialog, stored, {"reply_markup": inline})


@method("deleteMessage")
async def delete_message(world: World, bot: SimBot, p: Params) -> Any:
    dialog, _ = world.chat_for_bot(bot, p.chat_id(), sending=False)
    stored = dialog.get(p.require_int("message_id"))
    if stored is None:
        raise bad_request("message to delete not found")
    stored.deleted = True
    world.record(dialog, stored, "deleted")
    return True


@method("deleteMessages")
async def delete_messages(world: World, bot: SimBot, p: Params) -> Any:
    dialog, _ = world.chat_for_bot(bot, p.chat_id(), sending=False)
    for message_id in p.json("message_ids") or []:
        stored = dialog.get(int(message_id))
        if stored is not None:
            stored.deleted = True
            world.record(dialog, stored, "deleted")
    return True


# ----------------------------------------------------------------- callbacks, chats


@method("answerCallbackQuery")
async def answer_callback_query(world: World, bot: SimBot, p: Params) -> Any:
    from .state import CallbackAnswer

    query_id = p.text("callback_query_id") or ""
    rec = world.callbacks.get(query_id)
    if rec is None or rec.bot_id != bot.id or rec.answer is not None:
        raise bad_request(QUERY_INVALID)
    rec.answer = CallbackAnswer(p.text("text"), p.flag("show_alert"), p.text("url"), query_id, rec.data)
    world.alerts.setdefault((bot.id, rec.user_id), []).append(rec.answer)
    world.notify()
    return True


@method("sendChatAction")
async def send_chat_action(world: World, bot: SimBot, p: Params) -> Any:
    _, target = world.chat_for_bot(bot, p.chat_id(), sending=True)
    action = p.text("action")
    if not action:
        raise bad_request("action is empty")
    world.chat_actions.append((bot.id, target.id, action))
    return True


def _chat_full(target: Any) -> dict[str, Any]:
    base = target.chat_dict()
    gifts = dict.fromkeys(
        ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription", "gifts_from_channels"),
        False,
    )
    return {**base, "accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": gifts}


@method("getChat")
async def get_chat(world: World, bot: SimBot, p: Params) -> Any:
    _, target = world.chat_for_bot(bot, p.chat_id(), sending=False)
    return _chat_full(target)


@method("getChatMember")
async def get_chat_member(world: World, bot: SimBot, p: Params) -> Any:
    _, target = world.chat_for_bot(bot, p.chat_id(), sending=False)
    user_id = p.require_int("user_id")
    if user_id == bot.id:
        if isinstance(target, SimChat):
            return _admin(bot.user_dict())
        return {"status": "member", "user": bot.user_dict()}
    other = world.bots.get(user_id)
    user = world.users.get(user_id)
    if user is None and other is None:
        raise bad_request("user not found")
    user_dict = user.user_dict() if user is not None else other.user_dict()  # type: ignore[union-attr]
    if isinstance(target, SimChat):
        if other is not None and target.has_bot(other):
            return _admin(user_dict)
        if user_id in target.members:
            return {"status": "member", "user": user_dict}
        return {"status": "left", "user": user_dict}
    if user_id != target.id:
        raise bad_request("user not found")
    return {"status": "member", "user": user_dict}


@method("getChatAdministrators")
async def get_chat_administrators(world: World, bot: SimBot, p: Params) -> Any:
    _, target = world.chat_for_bot(bot, p.chat_id(), sending=False)
    if not isinstance(target, SimChat):
        raise bad_request("there are no administrators in the private chat")
    return [_admin(b.user_dict()) for b in world.bots.values() if target.has_bot(b)]


def _admin(user: dict[str, Any]) -> dict[str, Any]:
    rights = dict.fromkeys(
        ("can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
         "can_promote_members", "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories",
         "can_delete_stories", "can_post_messages", "can_edit_messages"),
        True,
    )  # fmt: skip
    return {"status": "administrator", "user": user, "can_be_edited": False, "is_anonymous": False,
            "can_send_welcome_messages": False, **rights}  # fmt: skip


# ----------------------------------------------------------------- files


@method("getFile")
async def get_file(world: World, bot: SimBot, p: Params) -> Any:
    rec = world.file_for_bot(bot, p.text("file_id") or "")
    if rec is None:
        raise bad_request("invalid file_id")
    if len(rec.data) > MAX_DOWNLOAD:
        raise bad_request("file is too big")
    return {**rec.file_dict(), "file_path": rec.file_path}


# ----------------------------------------------------------------- bot settings


def _scope_key(p: Params) -> str:
    scope = p.json("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True, separators=(",", ":"))


@method("setMyCommands")
async def set_my_commands(world: World, bot: SimBot, p: Params) -> Any:
    commands = p.json("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("can't parse commands JSON object")
    clean = []
    for item in commands:
        command = str(item.get("command", "")).lstrip("/") if isinstance(item, dict) else ""
        description = str(item.get("description", "")) if isinstance(item, dict) else ""
        if not _COMMAND.match(command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        clean.append({"command": command, "description": description})
    key = (_scope_key(p), p.text("language_code") or "")
    if clean:
        bot.commands[key] = clean
    else:
        bot.commands.pop(key, None)
    return True


@method("getMyCommands")
async def get_my_commands(world: World, bot: SimBot, p: Params) -> Any:
    return copy.deepcopy(bot.commands.get((_scope_key(p), p.text("language_code") or ""), []))


@method("deleteMyCommands")
async def delete_my_commands(world: World, bot: SimBot, p: Params) -> Any:
    bot.commands.pop((_scope_key(p), p.text("language_code") or ""), None)
    return True


@method("setChatMenuButton")
async def set_chat_menu_button(world: World, bot: SimBot, p: Params) -> Any:
    chat_id = p.integer("chat_id")
    if chat_id is not None:
        world.chat_for_bot(bot, chat_id, sending=False)
    bot.menu_buttons[chat_id] = p.json("menu_button") or {"type": "default"}
    return True


@method("getChatMenuButton")
async def get_chat_menu_button(world: World, bot: SimBot, p: Params) -> Any:
    chat_id = p.integer("chat_id")
    return bot.menu_buttons.get(chat_id) or bot.menu_buttons.get(None) or {"type": "commands"}


@method("getMe")
async def get_me(world: World, bot: SimBot, p: Params) -> Any:
    return {**bot.user_dict(), "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": False, "can_connect_to_business": False, "has_main_web_app": False}  # fmt: skip


# ----------------------------------------------------------------- updates and webhooks


def _allowed(p: Params, current: frozenset[str]) -> frozenset[str]:
    if "allowed_updates" not in p:
        return current
    allowed = p.json("allowed_updates")
    if not isinstance(allowed, list):
        raise bad_request("can't parse allowed updates JSON object")
    chosen = frozenset(a for a in allowed if a in ALL_UPDATE_TYPES)
    return chosen or DEFAULT_UPDATE_TYPES


TERMINATED = ApiError(
    409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)
WEBHOOK_ACTIVE = ApiError(
    409,
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the "
    "webhook first",
)


@method("getUpdates")
async def get_updates(world: World, bot: SimBot, p: Params) -> Any:
    if bot.webhook is not None:
        raise WEBHOOK_ACTIVE
    offset = p.integer("offset", 0) or 0
    limit = min(max(p.integer("limit", 100) or 100, 1), 100)
    timeout = max(p.integer("timeout", 0) or 0, 0)
    bot.allowed_updates = _allowed(p, bot.allowed_updates)
    if offset < 0:
        bot.updates = bot.updates[offset:]
    elif offset > 0:
        bot.updates = [u for u in bot.updates if u["update_id"] >= offset]
    bot.updates = [u for u in bot.updates if next(k for k in u if k != "update_id") in bot.allowed_updates]
    ticket = object()
    bot.poller = ticket
    bot.wake()  # a poller still waiting is now terminated
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        if bot.poller is not ticket:
            raise TERMINATED
        if bot.webhook is not None:
            raise WEBHOOK_ACTIVE
        remaining = deadline - asyncio.get_running_loop().time()
        if bot.updates or remaining <= 0:
            if bot.poller is ticket:
                bot.poller = None
            return copy.deepcopy(bot.updates[:limit])
        await wait_event(bot.wakeup, remaining)


@method("setWebhook")
async def set_webhook(world: World, bot: SimBot, p: Params) -> Any:
    url = p.text("url") or ""
    if not url:
        return await delete_webhook(world, bot, p)
    if not url.startswith(("http://", "https://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = p.text("secret_token")
    if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
        raise bad_request("secret token contains unallowed characters")
    if p.flag("drop_pending_updates"):
        bot.updates.clear()
    bot.allowed_updates = _allowed(p, bot.allowed_updates)
    bot.webhook = Webhook(url, secret, p.integer("max_connections", 40) or 40, p.text("ip_address"))
    bot.wake()
    world.webhook_changed(bot)
    return True


@method("deleteWebhook")
async def delete_webhook(world: World, bot: SimBot, p: Params) -> Any:
    if p.flag("drop_pending_updates"):
        bot.updates.clear()
    bot.webhook = None
    bot.wake()
    world.webhook_changed(bot)
    return True


@method("getWebhookInfo")
async def get_webhook_info(world: World, bot: SimBot, p: Params) -> Any:
    info: dict[str, Any] = {
        "url": "",
        "has_custom_certificate": False,
        "pending_update_count": len(bot.updates),
    }
    wh = bot.webhook
    if wh is not None:
        info.update(url=wh.url, max_connections=wh.max_connections,
                    allowed_updates=sorted(bot.allowed_updates))  # fmt: skip
        if wh.ip_address:
            info["ip_address"] = wh.ip_address
        if wh.last_error_date:
            info.update(last_error_date=wh.last_error_date, last_error_message=wh.last_error_message)
    return info
