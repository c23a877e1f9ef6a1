"""The control API: create bots, users and channels, act as users, look at what they see.

tg = TelegramSandbox()
await tg.start()                      # http://127.0.0.1:<port>, see tg.url
tg.add_bot("123:abc", username="koxx_bot")
alice = tg.add_user("Alice", username="alice", language_code="ar")
await alice.send("koxx_bot", "/start")
welcome = await alice.wait_for("koxx_bot", contains="Welcome")
await alice.press("koxx_bot", "Buy")
"""

from __future__ import annotations

import asyncio
import collections
import copy
import itertools
import re
import secrets
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .delivery import Deliverer
from .errors import ApiError, too_many_requests
from .files import document_dict, photo_sizes, store_file
from .formatting import command_entities, utf16_len
from .params import Params, Upload
from .state import (
    ApiCall,
    CallbackAnswer,
    CallbackRec,
    Dialog,
    RateRule,
    SimBot,
    SimChat,
    StoredMessage,
    World,
    now,
)
from .views import SimMessage, find_button

BotRef = Any  # SimBot, token, username ("koxx_bot" / "@koxx_bot"), bot id or an aiogram Bot
# Methods that never count against simulated rate limits (polling and bot setup).
_UNLIMITED = frozenset(
    {"getupdates", "getme", "setwebhook", "deletewebhook", "getwebhookinfo", "logout", "close"}
)
_SENDING = ("send", "copy", "forward")
# Ids unique in the process (several sandboxes may share one test database), from a random start.
_USER_IDS = itertools.count(7_000_000_000 + secrets.randbelow(10**8) * 10)
_CHANNEL_IDS = itertools.count(1_000_000_000_000 + secrets.randbelow(10**8) * 10)
_DEEP_LINK = re.compile(
    r"^(?:https?://)?(?:t\.me|telegram\.me)/([A-Za-z0-9_]{3,32})(?:\?start=([A-Za-z0-9_-]{1,64}))?$"
)


class SandboxTimeout(AssertionError):
    """wait_for gave up; the message carries the chat transcript."""


class SimUser:
    """A simulated Telegram user; every action goes to the bot like a real client's would."""

    def __init__(self, tg: TelegramSandbox, user_id: int, first_name: str, last_name: str | None,
                 username: str | None, language_code: str | None) -> None:  # fmt: skip
        self.tg = tg
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code

    def __repr__(self) -> str:
        return f"SimUser({self.id}, {self.first_name!r}, @{self.username})"

    def user_dict(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def chat_dict(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        return chat

    # ----- actions
    async def send(self, bot: BotRef, text: str, *, reply_to: SimMessage | int | None = None) -> SimMessage:
        """Send a text (or a /command) to the bot."""
        if not text.strip() or utf16_len(text) > 4096:
            raise ValueError("a user's text must have 1-4096 characters (UTF-16 code units, as Telegram counts)")
        content: dict[str, Any] = {"text": text}
        entities = command_entities(text)
        if entities:
            content["entities"] = entities
        return self.tg.user_message(self, bot, content, reply_to=reply_to)

    async def send_photo(self, bot: BotRef, data: bytes, *, caption: str | None = None,
                         filename: str = "photo.jpg") -> SimMessage:  # fmt: skip
        rec = store_file(self.tg, Upload(data, filename, "image/jpeg"), "photo", self.tg.find_bot(bot).id)
        content: dict[str, Any] = {"photo": photo_sizes(rec)}
        if caption:
            content["caption"] = caption
        return self.tg.user_message(self, bot, content)

    async def send_document(self, bot: BotRef, data: bytes, *, filename: str = "file.pdf",
                            mime_type: str = "application/pdf", caption: str | None = None) -> SimMessage:  # fmt: skip
        rec = store_file(self.tg, Upload(data, filename, mime_type), "document", self.tg.find_bot(bot).id)
        content: dict[str, Any] = {"document": document_dict(rec)}
        if caption:
            content["caption"] = caption
        return self.tg.user_message(self, bot, content)

    async def send_contact(self, bot: BotRef, *, phone: str, first_name: str | None = None,
                           last_name: str | None = None, user_id: int | None = -1) -> SimMessage:  # fmt: skip
        """Share a contact; by default the user's own (user_id = their id), like request_contact."""
        contact: dict[str, Any] = {"phone_number": phone, "first_name": first_name or self.first_name}
        if last_name or (first_name is None and self.last_name):
            contact["last_name"] = last_name or self.last_name
        uid = self.id if user_id == -1 else user_id
        if uid is not None:
            contact["user_id"] = uid
        return self.tg.user_message(self, bot, {"contact": contact})

    async def press(self, bot: BotRef, label: str, *, message: SimMessage | int | None = None,
                    chat: SimChat | None = None) -> SimPress:  # fmt: skip
        """Press the inline button with that label on the bot's latest message that has it.

        ``chat``: press it on a channel post or in a group instead of the private chat. A
        callback button sends a callback_query; a t.me/<bot>?start=<payload> link opens that
        bot and sends "/start <payload>" like the apps do; other URL buttons do nothing.
        """
        return self.tg.press(self, bot, label, message=message, chat=chat)

    async def send_callback(self, bot: BotRef, data: str, *, message: SimMessage | int | None = None,
                            chat: SimChat | None = None) -> SimPress:  # fmt: skip
        """A callback query with any callback_data, as a modified client could send, on the bot's
        latest message (or ``message``) — for testing that bots refuse forged buttons."""
        return self.tg.forged_callback(self, bot, data, message=message, chat=chat)

    async def post(self, group: SimChat, text: str) -> SimMessage:
        """Write in a group: every bot of the group gets the message."""
        return self.tg.group_message(self, group, text)

    # ----- what the user sees
    def chat(self, bot: BotRef) -> list[SimMessage]:
        """The private chat with the bot now: edits applied, deleted messages gone."""
        dialog = self.tg.private_dialog(self.tg.find_bot(bot), self)
        return [SimMessage.of(m) for m in dialog.visible()]

    def last(self, bot: BotRef) -> SimMessage | None:
        """The bot's latest message in the chat (as it is now)."""
        from_bot = [m for m in self.chat(bot) if m.from_bot]
        return from_bot[-1] if from_bot else None

    def keyboard(self, bot: BotRef) -> list[list[str]] | None:
        """The reply keyboard the user has now in the chat with the bot (labels, row by row)."""
        rows = self.tg.private_dialog(self.tg.find_bot(bot), self).reply_keyboard
        return None if rows is None else [[b["text"] for b in row] for row in rows]

    def alerts(self, bot: BotRef) -> list[CallbackAnswer]:
        """The callback answers (toasts and alerts) the bot showed this user, oldest first."""
        return list(self.tg.alerts.get((self.tg.find_bot(bot).id, self.id), []))

    async def wait_for(self, bot: BotRef, contains: str | None = None, *, timeout: float = 10.0,
                       edited: bool | None = None, match: Callable[[SimMessage], bool] | None = None,
                       ) -> SimMessage:  # fmt: skip
        """The next bot message (new or edited) in this chat that matches; see TelegramSandbox.wait_for."""
        sim_bot = self.tg.find_bot(bot)
        dialog = self.tg.private_dialog(sim_bot, self)
        return await self.tg.wait_for(dialog.key, contains, timeout=timeout, edited=edited, match=match)


@dataclass
class SimPress:
    """The result of pressing an inline button."""

    tg: TelegramSandbox
    query_id: str | None  # None for URL buttons (no update is sent)
    data: str | None
    url: str | None
    opened: SimMessage | None = None  # the /start a deep link sent

    async def answer(self, timeout: float = 10.0) -> CallbackAnswer:
        """Wait for the bot's answerCallbackQuery to this press."""
        if self.query_id is None:
            raise ValueError("a URL button gets no callback answer")
        rec = self.tg.callbacks[self.query_id]
        deadline = time.monotonic() + timeout
        while rec.answer is None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise SandboxTimeout(f"no answerCallbackQuery for {self.data!r} within {timeout}s")
            await self.tg.changed(left)
        return rec.answer


class TelegramSandbox(World):
    """The Telegram stand-in: state, HTTP server and the control API in one object."""

    def __init__(self, *, auto_register: bool = True, webhook_retry: tuple[float, float] = (0.05, 2.0),
                 webhook_timeout: float = 30.0, bot_scoped_file_ids: bool = True,
                 webhook_ssl: ssl.SSLContext | None = None) -> None:  # fmt: skip
        """``auto_register``: any well-formed token is a bot (else only add_bot's, others get 401).
        ``webhook_retry``: first and longest delay (s) between retries of a failed delivery.
        ``webhook_timeout``: how long a webhook may take to answer before the POST counts as failed.
        ``webhook_ssl``: the TLS context for https webhooks (one trusting a test's self-signed
        certificate, as Telegram trusts the one given to setWebhook); None: the system's.
        ``bot_scoped_file_ids``: a file_id works only for the bot that got it, as on Telegram.
        """
        super().__init__(auto_register=auto_register)
        self.bot_scoped_file_ids = bot_scoped_file_ids
        self.deliverer = Deliverer(self, retry_initial=webhook_retry[0], retry_max=webhook_retry[1],
                                   timeout=webhook_timeout, ssl_context=webhook_ssl)  # fmt: skip
        self._app: web.Application | None = None
        self._runner: web.AppRunner | None = None
        self.url: str | None = None
        self._cursors: dict[tuple[Any, ...], int] = {}
        self._rate_windows: dict[tuple[Any, ...], collections.deque[float]] | None = None
        self.clock: Callable[[], float] = time.monotonic  # for enforce_rates; tests may replace it

    # ----- server
    @property
    def app(self) -> web.Application:
        if self._app is None:
            from .server import make_app

            self._app = make_app(self)
        return self._app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on host:port (0 = any free port); returns and sets ``self.url``."""
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.closing = False
        bound = self._runner.addresses[0][1]
        self.url = f"http://{host}:{bound}"
        return self.url

    async def stop(self) -> None:
        self.closing = True
        self.notify()
        for bot in self.bots.values():
            bot.poller = None  # long polls still waiting end now (409, as when another poller comes)
            bot.wake()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.deliverer.close()

    async def __aenter__(self) -> TelegramSandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def aiogram_bot(self, token: str, **kwargs: Any) -> Any:
        """An aiogram Bot talking to this sandbox (default parse_mode HTML unless given)."""
        from aiogram import Bot
        from aiogram.client.default import DefaultBotProperties
        from aiogram.client.session.aiohttp import AiohttpSession
        from aiogram.client.telegram import TelegramAPIServer

        if self.url is None:
            raise RuntimeError("start the sandbox first")
        self.find_bot(token)
        kwargs.setdefault("default", DefaultBotProperties(parse_mode="HTML"))
        session = AiohttpSession(api=TelegramAPIServer.from_base(self.url))
        return Bot(token, session=session, **kwargs)

    def webhook_changed(self, bot: SimBot) -> None:
        self.deliverer.webhook_changed(bot)

    # ----- the cast
    def add_bot(self, token: str, username: str | None = None, first_name: str | None = None) -> SimBot:
        return self.register_bot(token, username, first_name)

    def add_user(self, first_name: str, *, username: str | None = None, last_name: str | None = None,
                 language_code: str | None = "en", user_id: int | None = None) -> SimUser:  # fmt: skip
        if user_id is None:
            user_id = next(_USER_IDS)
        user = SimUser(self, user_id, first_name, last_name, username, language_code)
        self.users[user_id] = user
        return user

    def add_channel(self, title: str, *, username: str | None = None, bots: list[BotRef] | None = None,
                    members: list[SimUser] = ()) -> SimChat:  # type: ignore[assignment]  # fmt: skip
        """A channel (id -100...). Bots listed are its admins; None = every bot, now and later."""
        return self._add_chat("channel", title, username, bots, members)

    def add_group(self, title: str, *, username: str | None = None, bots: list[BotRef] | None = None,
                  members: list[SimUser] = ()) -> SimChat:  # type: ignore[assignment]  # fmt: skip
        """A supergroup the bots (None = every bot) administer; bots can post and read members."""
        return self._add_chat("supergroup", title, username, bots, members)

    def _add_chat(self, kind: str, title: str, username: str | None, bots: list[BotRef] | None,
                  members: Any) -> SimChat:  # fmt: skip
        chat_id = -next(_CHANNEL_IDS)
        admins = None if bots is None else {self.find_bot(b).id for b in bots}
        chat = SimChat(chat_id, kind, title, username, admins, {m.id for m in members})
        self.chats[chat_id] = chat
        return chat

    def start_chat(self, user: SimUser, bot: BotRef) -> None:
        """The user has pressed Start without sending anything the bot handles."""
        self.started.add((self.find_bot(bot).id, user.id))

    def block(self, user: SimUser, bot: BotRef) -> None:
        """The user blocks the bot: sends answer 403 and the bot gets a my_chat_member update."""
        sim_bot = self.find_bot(bot)
        if (sim_bot.id, user.id) not in self.blocked:
            self.blocked.add((sim_bot.id, user.id))
            self._member_update(sim_bot, user, "member", "kicked")

    def unblock(self, user: SimUser, bot: BotRef) -> None:
        sim_bot = self.find_bot(bot)
        if (sim_bot.id, user.id) in self.blocked:
            self.blocked.discard((sim_bot.id, user.id))
            self._member_update(sim_bot, user, "kicked", "member")

    def deactivate(self, user: SimUser) -> None:
        """The user deleted their Telegram account: sending to them answers 403 "user is deactivated"."""
        self.deactivated.add(user.id)

    def revoke(self, bot: BotRef) -> None:
        """The token is revoked (BotFather): every call with it answers 401 Unauthorized."""
        self.find_bot(bot).revoked = True

    def _member_update(self, bot: SimBot, user: SimUser, old: str, new: str) -> None:
        def member(status: str) -> dict[str, Any]:
            return {
                "status": status,
                "user": bot.user_dict(),
                **({"until_date": 0} if status == "kicked" else {}),
            }

        self.enqueue(bot, "my_chat_member", {
            "chat": user.chat_dict(), "from": user.user_dict(), "date": now(),
            "old_chat_member": member(old), "new_chat_member": member(new),
        })  # fmt: skip

    # ----- user actions (SimUser calls these)
    def user_message(self, user: SimUser, bot: BotRef, content: dict[str, Any], *,
                     reply_to: SimMessage | int | None = None) -> SimMessage:  # fmt: skip
        sim_bot = self.find_bot(bot)
        self.started.add((sim_bot.id, user.id))
        self.unblock(user, sim_bot)  # writing to a blocked bot restarts it, as in the apps
        dialog = self.private_dialog(sim_bot, user)
        data: dict[str, Any] = {"message_id": 0, "from": user.user_dict(), "chat": copy.deepcopy(dialog.chat),
                                "date": now(), **content}  # fmt: skip
        if reply_to is not None:
            replied = dialog.get(reply_to if isinstance(reply_to, int) else reply_to.message_id)
            if replied is None:
                raise LookupError(f"no message {reply_to} to reply to")
            data["reply_to_message"] = {k: v for k, v in copy.deepcopy(replied.data).items()
                                        if k != "reply_to_message"}  # fmt: skip
        stored = dialog.add(StoredMessage(data, None))
        self.record(dialog, stored, "new")
        self.enqueue(sim_bot, "message", copy.deepcopy(data))
        return SimMessage.of(stored)

    def press(self, user: SimUser, bot: BotRef, label: str, *, message: SimMessage | int | None = None,
              chat: SimChat | None = None) -> SimPress:  # fmt: skip
        sim_bot = self.find_bot(bot)
        dialog = self.private_dialog(sim_bot, user) if chat is None else self.shared_dialog(chat)
        if message is not None:
            stored = dialog.get(message if isinstance(message, int) else message.message_id)
            candidates = [stored] if stored is not None else []
        else:
            candidates = [m for m in reversed(dialog.visible()) if m.sender_bot == sim_bot.id]
        for stored in candidates:
            button = find_button(stored.data.get("reply_markup", {}).get("inline_keyboard", []), label)
            if button is not None:
                break
        else:
            raise LookupError(f"no inline button {label!r} from @{sim_bot.username} for {user} in:\n"
                              f"{self.transcript(dialog)}")  # fmt: skip
        if "callback_data" not in button:
            url = button.get("url")
            sent = self._follow_link(user, url) if url else None
            return SimPress(self, None, None, url, sent)
        return self._callback(user, sim_bot, dialog, stored, button["callback_data"])

    def forged_callback(self, user: SimUser, bot: BotRef, data: str, *, message: SimMessage | int | None = None,
                        chat: SimChat | None = None) -> SimPress:  # fmt: skip
        sim_bot = self.find_bot(bot)
        dialog = self.private_dialog(sim_bot, user) if chat is None else self.shared_dialog(chat)
        if message is not None:
            stored = dialog.get(message if isinstance(message, int) else message.message_id)
        else:
            stored = next((m for m in reversed(dialog.visible()) if m.sender_bot == sim_bot.id), None)
        if stored is None:
            raise LookupError(f"no message from @{sim_bot.username} to attach the callback to")
        return self._callback(user, sim_bot, dialog, stored, data)

    def _callback(self, user: SimUser, bot: SimBot, dialog: Dialog, stored: StoredMessage, data: str) -> SimPress:
        query_id = f"{self.next_id()}{secrets.randbelow(10**9):09d}"
        self.callbacks[query_id] = CallbackRec(query_id, bot.id, user.id, data)
        self.enqueue(bot, "callback_query", {
            "id": query_id, "from": user.user_dict(), "message": copy.deepcopy(stored.data),
            "chat_instance": str((bot.id * 7919 + dialog.chat["id"]) % 10**18), "data": data,
        })  # fmt: skip
        return SimPress(self, query_id, data, None)

    def _follow_link(self, user: SimUser, url: str) -> SimMessage | None:
        """A t.me deep link to a known bot: the user opens it and presses Start."""
        m = _DEEP_LINK.match(url)
        if not m:
            return None
        try:
            target = self.find_bot(m.group(1))
        except LookupError:
            return None
        text = f"/start {m.group(2)}" if m.group(2) else "/start"
        content: dict[str, Any] = {"text": text, "entities": command_entities(text)}
        return self.user_message(user, target, content)

    def group_message(self, user: SimUser, group: SimChat, text: str) -> SimMessage:
        if group.type == "channel":
            raise ValueError("users cannot post in a channel")
        group.members.add(user.id)
        dialog = self.shared_dialog(group)
        data: dict[str, Any] = {"message_id": 0, "from": user.user_dict(), "chat": copy.deepcopy(dialog.chat),
                                "date": now(), "text": text}  # fmt: skip
        entities = command_entities(text)
        if entities:
            data["entities"] = entities
        stored = dialog.add(StoredMessage(data, None))
        self.record(dialog, stored, "new")
        for bot in self.bots.values():
            if group.has_bot(bot):
                self.enqueue(bot, "message", copy.deepcopy(data))
        return SimMessage.of(stored)

    async def wait_for(self, dialog_key: tuple[Any, ...], contains: str | None = None, *, timeout: float = 10.0,
                       edited: bool | None = None, match: Callable[[SimMessage], bool] | None = None,
                       ) -> SimMessage:  # fmt: skip
        """The next bot message (new or edited) in a chat that matches, in order of arrival.

        Each chat has a cursor: a match moves it past that message, so waiting again finds a
        later one (like pexpect). Raises SandboxTimeout with the chat transcript.
        """
        deadline = time.monotonic() + timeout
        while True:
            start = self._cursors.get(dialog_key, 0)
            for event in self.events[start:]:
                if event.dialog != dialog_key or event.kind == "deleted" or not event.message.from_bot:
                    continue
                m = event.message
                if contains is not None and contains not in m.text:
                    continue
                if edited is not None and m.edited != edited:
                    continue
                if match is not None and not match(m):
                    continue
                self._cursors[dialog_key] = event.seq
                return m
            left = deadline - time.monotonic()
            if left <= 0:
                dialog = self.dialogs.get(dialog_key)
                transcript = self.transcript(dialog) if dialog else "  (no messages)"
                raise SandboxTimeout(f"no bot message{f' containing {contains!r}' if contains else ''} within "
                                     f"{timeout}s; the chat:\n{transcript}")  # fmt: skip
            await self.changed(left)

    # ----- channels and groups
    def channel_posts(self, chat: SimChat) -> list[SimMessage]:
        """What the channel (or group) shows now."""
        return [SimMessage.of(m) for m in self.shared_dialog(chat).visible()]

    async def wait_for_post(self, chat: SimChat, contains: str | None = None, *, timeout: float = 10.0,
                            match: Callable[[SimMessage], bool] | None = None) -> SimMessage:  # fmt: skip
        return await self.wait_for(self.shared_dialog(chat).key, contains, timeout=timeout, match=match)

    # ----- bot side
    def updates(self, bot: BotRef) -> list[dict[str, Any]]:
        """Updates waiting for the bot (not yet confirmed or delivered)."""
        return copy.deepcopy(self.find_bot(bot).updates)

    def commands(self, bot: BotRef, *, scope: dict[str, Any] | None = None,
                 language_code: str = "") -> list[dict[str, Any]]:  # fmt: skip
        import json

        key = json.dumps(scope or {"type": "default"}, sort_keys=True, separators=(",", ":"))
        return copy.deepcopy(self.find_bot(bot).commands.get((key, language_code), []))

    def calls(self, bot: BotRef, method: str | None = None) -> list[ApiCall]:
        """The bot's Bot API requests so far, oldest first (getUpdates left out), e.g. to check
        that a notifier waited out a 429 or sent nothing."""
        sim_bot = self.find_bot(bot)
        wanted = method.lower() if method else None
        return [c for c in self.api_calls
                if c.bot_id == sim_bot.id and (wanted is None or c.method.lower() == wanted)]  # fmt: skip

    def unanswered_callbacks(self, bot: BotRef | None = None) -> list[CallbackRec]:
        """Button presses the bot never answered (the user would see a spinner)."""
        bot_id = None if bot is None else self.find_bot(bot).id
        return [c for c in self.callbacks.values() if c.answer is None and bot_id in (None, c.bot_id)]

    def deliveries(self, bot: BotRef) -> list[Any]:
        """Every webhook POST so far (update_id, HTTP status, error, redelivery)."""
        return list(self.find_bot(bot).deliveries)

    async def redeliver(self, bot: BotRef, update_id: int | None = None) -> int | None:
        """POST an already delivered update again, as Telegram does when it missed the answer.

        Returns the webhook's HTTP status (None if the connection failed).
        """
        sim_bot = self.find_bot(bot)
        if sim_bot.webhook is None:
            raise RuntimeError("the bot has no webhook")
        if update_id is None:
            if not sim_bot.delivered:
                raise LookupError("nothing delivered yet")
            update_id = max(sim_bot.delivered)
        update = sim_bot.delivered[update_id]
        status, _ = await self.deliverer.post(sim_bot, sim_bot.webhook, update, redelivery=True)
        return status

    async def settle(self, bot: BotRef, timeout: float = 10.0) -> None:
        """Wait until the bot has no pending updates (delivered or fetched)."""
        sim_bot = self.find_bot(bot)
        deadline = time.monotonic() + timeout
        while sim_bot.updates:
            left = deadline - time.monotonic()
            if left <= 0:
                raise SandboxTimeout(f"{len(sim_bot.updates)} updates still pending for @{sim_bot.username}")
            await self.changed(min(left, 0.05))

    # ----- rate limits
    def rate_limit(self, bot: BotRef, n: int = 1, retry_after: int = 1, *, chat: Any = None) -> None:
        """The next ``n`` calls of the bot (only those for ``chat`` when given) answer 429."""
        chat_id = getattr(chat, "id", chat)
        self.rate_rules.append(RateRule(self.find_bot(bot).id, chat_id, n, retry_after))

    def enforce_rates(self, on: bool = True) -> None:
        """Apply Telegram's documented send rates: 1 message/s per private chat, 20/min per
        group or channel, 30/s per bot overall. Off by default."""
        self._rate_windows = {} if on else None

    def check_rate(self, bot: SimBot, method_name: str, params: Params) -> None:
        name = method_name.lower()
        if name in _UNLIMITED:
            return
        raw = params.raw("chat_id")
        if isinstance(raw, str) and raw.startswith("@"):
            named = [c.id for c in self.chats.values() if (c.username or "").lower() == raw[1:].lower()]
            raw = named[0] if named else None
        try:
            chat_id: int | None = int(raw)
        except (TypeError, ValueError):
            chat_id = None
        for rule in self.rate_rules:
            if rule.bot_id == bot.id and rule.remaining > 0 and rule.chat_id in (None, chat_id):
                rule.remaining -= 1
                raise too_many_requests(rule.retry_after)
        self.rate_rules = [r for r in self.rate_rules if r.remaining > 0]
        if self._rate_windows is not None and name.startswith(_SENDING) and chat_id is not None:
            self._check_window(("bot", bot.id), 30, 1.0)
            if chat_id > 0:
                self._check_window(("chat", bot.id, chat_id), 1, 1.0)
            else:
                self._check_window(("chat", bot.id, chat_id), 20, 60.0)

    def _check_window(self, key: tuple[Any, ...], limit: int, window: float) -> None:
        assert self._rate_windows is not None
        stamps = self._rate_windows.setdefault(key, collections.deque())
        current = self.clock()
        while stamps and stamps[0] <= current - window:
            stamps.popleft()
        if len(stamps) >= limit:
            raise too_many_requests(max(1, int(stamps[0] + window - current + 0.999)))
        stamps.append(current)


async def serve_forever(host: str, port: int, bots: list[str]) -> None:
    """Run a sandbox until cancelled (``python -m sandbox.telegram``)."""
    tg = TelegramSandbox()
    for token in bots:
        tg.add_bot(token)
    await tg.start(host, port)
    print(f"Telegram sandbox on {tg.url} (Bot API: {tg.url}/bot<token>/<method>; web chat page: {tg.url}/)",
          flush=True)  # fmt: skip
    try:
        await asyncio.Event().wait()
    finally:
        await tg.stop()


__all__ = ["ApiError", "SandboxTimeout", "SimPress", "SimUser", "TelegramSandbox"]
