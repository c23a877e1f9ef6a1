"""Delivers the outbox to Telegram: users through the traders' bot, staff through the admin
bot, and the offers and payments channels. Honours Telegram's limits (about 30 messages a
second overall, one a second per private chat, 20 a minute per group) and retry_after, per
chat: a chat waiting its turn (or a 429) holds back only its own rows, which stay in the
outbox, in their order, until they are sent; the other chats' rows go meanwhile. A user who
blocked the bot is marked and not retried (until they write to it again: core.users.register).

Each row is parsed into its core.events class (rows of the previous release too) and drawn by
the renderer registered for that class and the recipient's kind (botkit.rendering.Renderers,
filled where the runtime is assembled), in the recipient's language.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiogram.types import BufferedInputFile
from aiogram.utils.i18n import I18n
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from botkit import metrics
from botkit.i18n import pick_language
from botkit.rendering import Recipient, Rendered, Renderers
from core import events, outbox
from core.accounts import second_factor
from core.admin import staff as staff_roles
from core.config import Settings
from core.outbox import ChannelPost, OutboxMessage
from core.users import User

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


class Pace:
    """Keeps sends under Telegram's limits. Per chat: after a send, a private chat waits 1 s and
    a group or channel 3 s (20 a minute); after a 429, that chat waits its retry_after. Overall:
    one call every 1/30 s (30 a second), a short wait taken in place."""

    def __init__(self) -> None:
        self.global_interval = 1 / 30
        self.next_global = 0.0
        self.next_by_chat: dict[int, float] = {}

    def wait_for(self, chat_id: int) -> float:
        """How long ``chat_id`` must wait for its turn."""
        return max(0.0, self.next_by_chat.get(chat_id, 0.0) - time.monotonic())

    def waiting(self) -> set[int]:
        """The chats whose turn has not come (the others are forgotten)."""
        now = time.monotonic()
        self.next_by_chat = {chat: at for chat, at in self.next_by_chat.items() if at > now}
        return set(self.next_by_chat)

    async def turn(self) -> None:
        """Wait for the bot's next slot overall and take it."""
        now = time.monotonic()
        slot = max(now, self.next_global)
        self.next_global = slot + self.global_interval
        if slot > now:
            await asyncio.sleep(slot - now)

    def sent(self, chat_id: int) -> None:
        self.hold(chat_id, 3.0 if chat_id < 0 else 1.0)

    def hold(self, chat_id: int, seconds: float) -> None:
        """``chat_id`` waits ``seconds`` from now (or longer, if it already had to)."""
        until = time.monotonic() + seconds
        self.next_by_chat[chat_id] = max(self.next_by_chat.get(chat_id, 0.0), until)


class Notifier:
    def __init__(
        self,
        *,
        session_factory: async_sessionmaker[AsyncSession],
        trader_bot: Bot,
        admin_bot: Bot | None,
        settings: Settings,
        i18n: I18n,
        wake: asyncio.Event,
        renderers: Renderers,
    ) -> None:
        self.session_factory = session_factory
        self.renderers = renderers
        self.trader_bot = trader_bot
        self.admin_bot = admin_bot or trader_bot
        self.settings = settings
        self.i18n = i18n
        self.wake = wake
        self.pace = Pace()
        self._staff_chats: set[int] = set()  # who "admins" rows went to last (for held())
        self._sent_to: dict[int, set[int]] = {}  # row id -> its chats already sent (several recipients)
        self._stopping = False

    async def run(self) -> None:
        while not self._stopping:
            try:
                delivered = await self.deliver_due()
            except Exception:
                log.exception("notifier round failed")
                delivered = 0
            if delivered == 0 and not self._stopping:
                try:
                    await asyncio.wait_for(self.wake.wait(), timeout=1.0)
                except TimeoutError:
                    pass
                self.wake.clear()

    def stop(self) -> None:
        self._stopping = True
        self.wake.set()

    async def deliver_due(self, limit: int = 50) -> int:
        """Deliver what is due now; returns how many rows were settled (sent or given up)."""
        settled = 0
        async with self.session_factory() as session, session.begin():
            for message in await outbox.claim_batch(session, limit, held=self.held()):
                if await self._deliver(session, message):
                    settled += 1
        return settled

    def held(self) -> list[str]:
        """The recipients whose rows must wait: one of their chats has not had its turn."""
        waiting = self.pace.waiting()
        held = {outbox.user(chat) for chat in waiting if chat > 0}
        for name, chat in ((outbox.OFFERS_CHANNEL, self.settings.offers_channel_id),
                           (outbox.PAYMENTS_CHANNEL, self.settings.payments_channel_id)):  # fmt: skip
            if chat in waiting:
                held.add(name)
        if waiting & self._staff_chats:
            held.add(outbox.ADMINS)
        return sorted(held)

    async def _deliver(self, session: AsyncSession, message: OutboxMessage) -> bool:
        if await outbox.superseded(session, message):  # a newer state of the same post is queued or shown
            message.delivered_at = datetime.now(UTC)
            metrics.NOTIFIER_SENDS.labels("superseded").inc()
            return True
        try:
            event = events.parse(message.kind, message.payload)
        except events.UnknownEvent as exc:
            log.error("unreadable outbox row %s: %s", message.id, exc)
            return await self._give_up(session, message, f"unreadable: {exc}")
        try:
            render = self.renderers.get(type(event), events.recipient_kind(message.recipient))
            recipients = await self._recipients(session, message.recipient)
        except ValueError:
            return await self._give_up(session, message, "bad recipient")
        if render is None:
            log.error("no renderer for %s to %s", message.kind, message.recipient)
            return await self._give_up(session, message, "no renderer")
        single = len(recipients) == 1
        done = self._sent_to.get(message.id, set())
        recipients = [r for r in recipients if r.chat_id not in done]
        if any(self.pace.wait_for(r.chat_id) > 0 for r in recipients):
            return False  # its turn comes later: the row stays as it is (held() leaves it out meanwhile)
        for recipient in recipients:
            try:
                with self.i18n.context(), self.i18n.use_locale(recipient.language):
                    rendered = render(event, recipient)
            except Exception as exc:
                log.exception("rendering %s failed", message.kind)
                return await self._give_up(session, message, f"render: {exc}")
            if rendered is None:
                continue
            bot = self.admin_bot if recipient.kind == "admin" else self.trader_bot
            await self.pace.turn()
            try:
                await self._send(session, bot, recipient, rendered)
            except TelegramRetryAfter as exc:
                self.pace.hold(recipient.chat_id, exc.retry_after)  # only this chat waits
                metrics.NOTIFIER_429.inc()
                metrics.NOTIFIER_SENDS.labels("retry_after").inc()
                return False
            except TelegramForbiddenError:
                if recipient.kind == "user":
                    await session.execute(
                        update(User).where(User.id == recipient.chat_id).values(bot_blocked=True)
                    )
                if single:
                    return await self._give_up(session, message, "forbidden")
            except TelegramBadRequest as exc:
                log.warning("%s to %s refused: %s", message.kind, recipient.chat_id, exc.message)
                if single:
                    return await self._give_up(session, message, exc.message)
            except (TelegramNetworkError, TimeoutError, OSError) as exc:
                if message.attempts + 1 >= MAX_ATTEMPTS:
                    return await self._give_up(session, message, str(exc))
                delay = min(2 ** (message.attempts + 1), 300)
                self.pace.hold(recipient.chat_id, delay)  # its later rows wait too, so none overtakes
                await self._defer(session, message, delay)
                metrics.NOTIFIER_SENDS.labels("network_error").inc()
                return False
            self.pace.sent(recipient.chat_id)
            if not single:  # a later turn of this row skips who already has it
                self._sent_to.setdefault(message.id, set()).add(recipient.chat_id)
        self._sent_to.pop(message.id, None)
        message.delivered_at = datetime.now(UTC)
        metrics.NOTIFIER_SENDS.labels("sent").inc()
        return True

    async def _send(self, session: AsyncSession, bot: Bot, to: Recipient, rendered: Rendered) -> None:
        if rendered.post_key is not None:
            post = await session.get(ChannelPost, (rendered.post_key, to.chat_id))
            if post is not None:
                await self._replace_post(session, bot, post, rendered)
                return
            if rendered.delete:
                return
        if rendered.photo is not None:
            made = await asyncio.to_thread(rendered.photo) if callable(rendered.photo) else rendered.photo
            photo = BufferedInputFile(made, "photo.png") if isinstance(made, bytes) else made
            sent = await bot.send_photo(
                to.chat_id, photo, caption=rendered.text or None, reply_markup=rendered.keyboard
            )
        else:
            sent = await bot.send_message(to.chat_id, rendered.text, reply_markup=rendered.keyboard)
        if rendered.post_key is not None:
            await session.execute(
                insert(ChannelPost)
                .values(post_key=rendered.post_key, chat_id=to.chat_id, message_id=sent.message_id)
                .on_conflict_do_update(
                    index_elements=[ChannelPost.post_key, ChannelPost.chat_id],
                    set_={"message_id": sent.message_id},
                )
            )

    async def _replace_post(
        self, session: AsyncSession, bot: Bot, post: ChannelPost, rendered: Rendered
    ) -> None:
        if rendered.delete:
            try:
                await bot.delete_message(post.chat_id, int(post.message_id))
            except TelegramBadRequest:
                pass  # already gone
            await session.execute(
                delete(ChannelPost).where(
                    ChannelPost.post_key == post.post_key, ChannelPost.chat_id == post.chat_id
                )
            )
            return
        try:
            await bot.edit_message_text(
                rendered.text,
                chat_id=post.chat_id,
                message_id=int(post.message_id),
                reply_markup=rendered.keyboard,
            )
        except TelegramBadRequest as exc:
            if "not modified" not in exc.message:
                raise

    async def _recipients(self, session: AsyncSession, recipient: str) -> list[Recipient]:
        if recipient.startswith("user:"):
            user_id = int(recipient.removeprefix("user:"))
            user = await session.get(User, user_id)
            if user is None or user.bot_blocked:
                return []
            phrase = await second_factor.phrase_of(session, user_id)
            return [Recipient("user", user_id, user.language or "ar", phrase)]
        if recipient in (outbox.OFFERS_CHANNEL, outbox.PAYMENTS_CHANNEL):
            chat_id = (
                self.settings.offers_channel_id
                if recipient == outbox.OFFERS_CHANNEL
                else self.settings.payments_channel_id
            )
            return [] if chat_id is None else [Recipient("channel", chat_id, self.settings.channel_language)]
        if recipient == outbox.ADMINS:
            staff = await self.staff_ids(session)
            # A staff member's own language: the one they chose, else their Telegram's (never the
            # traders' default they did not choose).
            languages = {
                sid: chosen or pick_language(telegram)
                for sid, chosen, telegram in (
                    await session.execute(
                        select(User.id, User.language, User.telegram_language).where(User.id.in_(staff))
                    )
                ).tuples()
            }
            self._staff_chats = set(staff)
            return [Recipient("admin", sid, languages.get(sid) or "ar") for sid in staff]
        raise ValueError(recipient)

    async def staff_ids(self, session: AsyncSession) -> list[int]:
        return await staff_roles.staff_ids(session, self.settings)  # ADMIN_IDS and the moderators

    async def _defer(self, session: AsyncSession, message: OutboxMessage, seconds: float) -> None:
        message.available_at = datetime.now(UTC) + timedelta(seconds=seconds)
        message.attempts += 1

    async def _give_up(self, session: AsyncSession, message: OutboxMessage, reason: str) -> bool:
        self._sent_to.pop(message.id, None)
        message.failed_at = datetime.now(UTC)
        message.attempts += 1
        message.last_error = reason[:500]
        metrics.NOTIFIER_GIVEUPS.inc()
        metrics.NOTIFIER_SENDS.labels("gave_up").inc()
        return True
