"""The in-memory world of the Telegram stand-in: bots, users, chats, messages, files, updates.

Everything lives in one event loop; nothing here is thread-safe and nothing needs to be.
"""

from __future__ import annotations

import asyncio
import collections
import copy
import itertools
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import (
    BLOCKED,
    CHAT_NOT_FOUND,
    NOT_FOUND,
    NOT_STARTED,
    UNAUTHORIZED,
    bad_request,
    forbidden,
)
from .formatting import to_html

if TYPE_CHECKING:
    from .views import SimMessage

TOKEN_RE = re.compile(r"^(\d{1,20}):([A-Za-z0-9_-]{1,100})$")
ALL_UPDATE_TYPES = (
    "message", "edited_message", "channel_post", "edited_channel_post", "business_connection",
    "business_message", "edited_business_message", "deleted_business_messages", "message_reaction",
    "message_reaction_count", "inline_query", "chosen_inline_result", "callback_query", "shipping_query",
    "pre_checkout_query", "purchased_paid_media", "poll", "poll_answer", "my_chat_member", "chat_member",
    "chat_join_request", "chat_boost", "removed_chat_boost",
)  # fmt: skip
# What a bot gets when it never said otherwise (or sent an empty list), as on Telegram.
DEFAULT_UPDATE_TYPES = frozenset(ALL_UPDATE_TYPES) - {
    "chat_member",
    "message_reaction",
    "message_reaction_count",
}


def now() -> int:
    return int(time.time())


async def wait_event(event: asyncio.Event, timeout: float) -> bool:
    """Wait for the event at most ``timeout`` seconds; True if it was set.

    (asyncio.timeout rather than asyncio.wait_for: on Python 3.11 wait_for can swallow a
    cancellation that arrives as the event is set.)
    """
    try:
        async with asyncio.timeout(timeout):
            await event.wait()
    except TimeoutError:
        return False
    return True


@dataclass
class Webhook:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class Delivery:
    """One POST of an update to a webhook, as the stand-in saw it."""

    update_id: int
    status: int | None  # HTTP status, None when the connection failed
    error: str | None
    redelivery: bool = False


@dataclass
class SimBot:
    id: int
    token: str
    username: str
    first_name: str
    updates: list[dict[str, Any]] = field(default_factory=list)
    # As on Telegram, ids start at some large number and grow by one: a stand-in started again
    # for the same bot (a test after another, on one database) does not reuse the ids of before.
    next_update_id: int = field(default_factory=lambda: secrets.randbelow(2**40) + 1)
    allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
    webhook: Webhook | None = None
    commands: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    menu_buttons: dict[int | None, dict[str, Any]] = field(default_factory=dict)
    delivered: dict[int, dict[str, Any]] = field(default_factory=dict)
    deliveries: list[Delivery] = field(default_factory=list)
    poller: object | None = None
    revoked: bool = False
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)

    def user_dict(self) -> dict[str, Any]:
        return {"id": self.id, "is_bot": True, "first_name": self.first_name, "username": self.username}

    def wake(self) -> None:
        self.wakeup.set()
        self.wakeup = asyncio.Event()


@dataclass(eq=False)
class SimChat:
    """A channel or group. Bots listed in ``admins`` (or every bot when None) are its admins."""

    id: int
    type: str  # "channel" | "supergroup" | "group"
    title: str
    username: str | None = None
    admins: set[int] | None = None
    members: set[int] = field(default_factory=set)

    def chat_dict(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "type": self.type, "title": self.title}
        if self.username:
            chat["username"] = self.username
        return chat

    def has_bot(self, bot: SimBot) -> bool:
        return self.admins is None or bot.id in self.admins


@dataclass
class StoredMessage:
    data: dict[str, Any]  # the Bot API Message, edits applied
    sender_bot: int | None  # None when a user sent it
    reply_keyboard: list[list[dict[str, Any]]] | None = None
    edited: bool = False
    deleted: bool = False


@dataclass
class Dialog:
    """The messages of one chat as seen by one bot (private chats) or by everyone (channels)."""

    key: tuple[Any, ...]
    chat: dict[str, Any]
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    next_id: int = 1
    reply_keyboard: list[list[dict[str, Any]]] | None = None  # what the user's keyboard shows now

    def add(self, stored: StoredMessage) -> StoredMessage:
        stored.data["message_id"] = self.next_id
        self.messages[self.next_id] = stored
        self.next_id += 1
        return stored

    def get(self, message_id: int) -> StoredMessage | None:
        stored = self.messages.get(message_id)
        return None if stored is None or stored.deleted else stored

    def visible(self) -> list[StoredMessage]:
        return [m for m in self.messages.values() if not m.deleted]


@dataclass
class FileRec:
    file_id: str
    file_unique_id: str
    data: bytes
    file_path: str
    mime_type: str | None = None
    file_name: str | None = None
    width: int | None = None
    height: int | None = None
    thumbnail: FileRec | None = None
    bot_id: int | None = None  # file_ids belong to one bot, as on Telegram

    def file_dict(self) -> dict[str, Any]:
        return {"file_id": self.file_id, "file_unique_id": self.file_unique_id, "file_size": len(self.data)}


@dataclass
class CallbackAnswer:
    """What answerCallbackQuery showed the user."""

    text: str | None
    show_alert: bool
    url: str | None
    query_id: str
    data: str | None


@dataclass
class CallbackRec:
    id: str
    bot_id: int
    user_id: int
    data: str | None
    answer: CallbackAnswer | None = None


@dataclass
class Event:
    """A bot's message appearing or changing in a chat (what wait_for watches)."""

    seq: int
    dialog: tuple[Any, ...]
    kind: str  # "new" | "edited" | "deleted"
    message: SimMessage


@dataclass
class ApiCall:
    """One Bot API request as the stand-in answered it (files shown as their names)."""

    bot_id: int
    method: str
    params: dict[str, Any]
    status: int  # 200, or the error_code
    description: str | None
    at: float  # time.monotonic()


@dataclass
class RateRule:
    """The next ``remaining`` calls of a bot (optionally only for one chat) answer 429."""

    bot_id: int
    chat_id: int | None
    remaining: int
    retry_after: int


class World:
    """The state of the stand-in plus the primitives the Bot API methods are built from."""

    def __init__(self, *, auto_register: bool = True) -> None:
        self.auto_register = auto_register
        self.bots: dict[int, SimBot] = {}
        self.users: dict[int, Any] = {}  # id -> SimUser
        self.chats: dict[int, SimChat] = {}
        self.dialogs: dict[tuple[Any, ...], Dialog] = {}
        self.files: dict[str, FileRec] = {}
        # Telegram: "file_id is unique for each individual bot and can't be transferred from one
        # bot to another". False lets any bot use any file_id (not what Telegram does).
        self.bot_scoped_file_ids = True
        self.callbacks: dict[str, CallbackRec] = {}
        self.started: set[tuple[int, int]] = set()  # (bot id, user id)
        self.blocked: set[tuple[int, int]] = set()
        self.deactivated: set[int] = set()  # users who deleted their account
        self.alerts: dict[tuple[int, int], list[CallbackAnswer]] = {}
        self.events: list[Event] = []
        self.rate_rules: list[RateRule] = []
        self.chat_actions: list[tuple[int, int, str]] = []
        self.api_calls: collections.deque[ApiCall] = collections.deque(maxlen=20_000)
        self.closing = False  # set when the server stops: long-lived requests end
        self._ids = itertools.count(1)
        self._changed = asyncio.Event()

    # ----- change notification (wait_for, long polling)
    def notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def changed(self, timeout: float) -> bool:
        """Wait until anything changes (True) or ``timeout`` seconds pass (False)."""
        return await wait_event(self._changed, timeout)

    def next_id(self) -> int:
        return next(self._ids)

    # ----- bots
    def register_bot(self, token: str, username: str | None = None, first_name: str | None = None) -> SimBot:
        m = TOKEN_RE.match(token)
        if not m:
            raise ValueError(f"not a bot token: {token!r}")
        bot_id = int(m.group(1))
        bot = self.bots.get(bot_id)
        if bot is None:
            bot = SimBot(bot_id, token, username or f"bot{bot_id}", first_name or username or f"Bot {bot_id}")
            self.bots[bot_id] = bot
        else:
            bot.token, bot.revoked = token, False
            bot.username = username or bot.username
            bot.first_name = first_name or bot.first_name
        return bot

    def bot_for_token(self, token: str) -> SimBot:
        """The bot a request's token names: 404 when malformed, 401 when not (or no longer) valid."""
        m = TOKEN_RE.match(token)
        if not m:
            raise NOT_FOUND
        bot = self.bots.get(int(m.group(1)))
        if bot is None:
            if not self.auto_register:
                raise UNAUTHORIZED
            return self.register_bot(token)
        if bot.revoked or bot.token != token:
            raise UNAUTHORIZED
        return bot

    def find_bot(self, ref: Any) -> SimBot:
        """A bot by SimBot, token, @username, username, id, or an aiogram Bot."""
        if isinstance(ref, SimBot):
            return ref
        if isinstance(ref, int) and ref in self.bots:
            return self.bots[ref]
        token = getattr(ref, "token", None)
        if isinstance(token, str):
            ref = token
        if isinstance(ref, str):
            if TOKEN_RE.match(ref):
                bot = self.bots.get(int(ref.split(":", 1)[0]))
                return bot if bot is not None else self.register_bot(ref)
            name = ref.lstrip("@").lower()
            for bot in self.bots.values():
                if bot.username.lower() == name:
                    return bot
        raise LookupError(f"no such bot: {ref!r}")

    def file_for_bot(self, bot: SimBot, file_id: str) -> FileRec | None:
        """The file a bot means by a file_id, if that file_id is valid for this bot."""
        rec = self.files.get(file_id)
        if rec is None or (self.bot_scoped_file_ids and rec.bot_id not in (None, bot.id)):
            return None
        return rec

    def webhook_changed(self, bot: SimBot) -> None:
        """Called after setWebhook/deleteWebhook; the server starts or stops delivery."""

    # ----- updates
    def enqueue(self, bot: SimBot, kind: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        """Queue an update for a bot, unless its allowed_updates leaves that kind out."""
        if kind not in bot.allowed_updates:
            return None
        update = {"update_id": bot.next_update_id, kind: payload}
        bot.next_update_id += 1
        bot.updates.append(update)
        bot.wake()
        self.notify()
        return update

    # ----- chats
    def chat_for_bot(self, bot: SimBot, chat_id: Any, *, sending: bool) -> tuple[Dialog, Any]:
        """The dialog a bot means by ``chat_id`` and its SimUser or SimChat.

        ``sending`` applies Telegram's rules for writing to the chat (started, blocked, member).
        """
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            name = chat_id[1:].lower()
            chat = next((c for c in self.chats.values() if (c.username or "").lower() == name), None)
            if chat is None:
                raise bad_request(CHAT_NOT_FOUND)
            chat_id = chat.id
        try:
            cid = int(chat_id)
        except (TypeError, ValueError):
            raise bad_request(CHAT_NOT_FOUND) from None
        if cid in self.chats:
            shared = self.chats[cid]
            if not shared.has_bot(bot):
                if shared.type == "channel":
                    raise bad_request(CHAT_NOT_FOUND)
                raise forbidden("bot is not a member of the supergroup chat")
            return self.shared_dialog(shared), shared
        if cid in self.bots:
            raise forbidden("bot can't send messages to bots")
        user = self.users.get(cid)
        if user is None:
            raise bad_request(CHAT_NOT_FOUND)
        if sending and cid in self.deactivated:
            raise forbidden("user is deactivated")
        if sending and (bot.id, cid) in self.blocked:
            raise forbidden(BLOCKED)
        if sending and (bot.id, cid) not in self.started:
            raise forbidden(NOT_STARTED)
        return self.private_dialog(bot, user), user

    def private_dialog(self, bot: SimBot, user: Any) -> Dialog:
        key = ("private", bot.id, user.id)
        dialog = self.dialogs.get(key)
        if dialog is None:
            dialog = self.dialogs[key] = Dialog(key, user.chat_dict())
        return dialog

    def shared_dialog(self, chat: SimChat) -> Dialog:
        key = ("chat", chat.id)
        dialog = self.dialogs.get(key)
        if dialog is None:
            dialog = self.dialogs[key] = Dialog(key, chat.chat_dict())
        return dialog

    # ----- messages
    def record(self, dialog: Dialog, stored: StoredMessage, kind: str) -> None:
        """Note a bot-side change for wait_for and the transcript."""
        from .views import SimMessage

        self.events.append(Event(len(self.events) + 1, dialog.key, kind, SimMessage.of(stored)))
        self.notify()

    def message_snapshot(self, stored: StoredMessage) -> dict[str, Any]:
        return copy.deepcopy(stored.data)

    def transcript(self, dialog: Dialog) -> str:
        lines = []
        for stored in dialog.visible():
            who = "bot" if stored.sender_bot is not None else "user"
            text = stored.data.get("text") or stored.data.get("caption") or ""
            body = to_html(text, stored.data.get("entities") or stored.data.get("caption_entities"))
            extra = " [photo]" if "photo" in stored.data else ""
            rows = stored.data.get("reply_markup", {}).get("inline_keyboard")
            if rows:
                extra += " " + " / ".join(" | ".join(f"[{b['text']}]" for b in row) for row in rows)
            lines.append(
                f"  #{stored.data['message_id']} {who}{' (edited)' if stored.edited else ''}: {body}{extra}"
            )
        return "\n".join(lines) or "  (no messages)"
