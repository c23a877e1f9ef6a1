"""The whole marketplace in one test: the real Runtime (both bots, notifier, scheduler) on a
real PostgreSQL and Redis, talking to the local Telegram stand-in.

    async def test_something(market):
        alice = await market.newcomer("Alice", lang="ar")
        await alice.send(market.traders, "/offers")
        reply = await alice.wait_for(market.traders, contains="...")
"""

from __future__ import annotations

import asyncio
import secrets
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bootstrap import Runtime
from botkit.notifier import Notifier
from core.config import load_settings
from sandbox.telegram import SimChat, SimUser, TelegramSandbox
from tests.conftest import REDIS_URL, new_id

TRADERS_TOKEN = "7100000001:test-traders-token"
ADMIN_TOKEN = "7100000002:test-admin-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:
    """Wait until ``check()`` holds: a bot answers inside its update's transaction, so what the
    user sees can arrive a moment before the commit."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met within the timeout")
        await asyncio.sleep(0.02)


class Interactions:
    """What a user does in the chat with a bot from now on, counted as a trader would count taps:
    each message sent (a typed answer, a command, a photo) and each button pressed is one.

        taps = market.interactions(alice)
        ...                     # the journey
        assert taps.count <= 8
    """

    def __init__(self, tg: TelegramSandbox, user: SimUser, bot: str) -> None:
        self.tg, self.user = tg, user
        self.bot_id = tg.find_bot(bot).id
        self.key = tg.private_dialog(tg.find_bot(bot), user).key
        self.start = self._total()

    def _total(self) -> int:
        sent = sum(1 for e in self.tg.events if e.dialog == self.key and e.kind == "new" and not e.message.from_bot)
        pressed = sum(1 for c in self.tg.callbacks.values() if c.user_id == self.user.id and c.bot_id == self.bot_id)
        return sent + pressed

    @property
    def count(self) -> int:
        return self._total() - self.start

    def restart(self) -> None:
        """Count the next journey from here."""
        self.start = self._total()


class Market:
    def __init__(self, tg: TelegramSandbox, runtime: Runtime, offers: SimChat, payments: SimChat,
                 admin: SimUser) -> None:  # fmt: skip
        self.tg = tg
        self.runtime = runtime
        self.traders = TRADERS_TOKEN
        self.admin_bot = ADMIN_TOKEN
        self.offers_channel = offers
        self.payments_channel = payments
        self.admin = admin

    @property
    def session_factory(self) -> Any:
        return self.runtime.session_factory

    def user(self, name: str, *, lang: str = "ar", username: str | None = None) -> SimUser:
        return self.tg.add_user(name, username=username, language_code=lang, user_id=new_id())

    def interactions(self, user: SimUser, bot: str | None = None) -> Interactions:
        """Count ``user``'s messages and presses to the traders' bot (or ``bot``) from now on."""
        return Interactions(self.tg, user, bot or self.traders)

    def stop_notifier(self) -> Notifier:
        """The notifier stops taking rows, so that what the bots queue stays in the outbox (as when
        the process dies); a test may deliver by hand with the returned ``deliver_due``."""
        notifier = self.runtime.notifier
        assert notifier is not None
        notifier.stop()
        for task in self.runtime.tasks:
            if task.get_name() == "notifier":
                task.cancel()
        return notifier

    async def newcomer(self, name: str, *, lang: str = "ar", username: str | None = None) -> SimUser:
        """A user who has sent /start and chosen their language, looking at the main menu."""
        user = self.user(name, lang=lang, username=username)
        await user.send(self.traders, "/start")
        await user.wait_for(self.traders, contains="Please choose your language")
        await user.press(self.traders, "العربية" if lang == "ar" else "English")
        await user.wait_for(self.traders, contains="KOXX P2P", edited=True)
        return user


@asynccontextmanager
async def running_market(database_url: str, tmp_path: Path, *, webhook: bool = False,
                         **overrides: Any) -> AsyncIterator[Market]:  # fmt: skip
    tg = TelegramSandbox(webhook_retry=(0.02, 0.5))
    await tg.start()
    tg.add_bot(TRADERS_TOKEN, username="koxx_p2p_bot", first_name="KOXX P2P")
    tg.add_bot(ADMIN_TOKEN, username="koxx_admin_bot", first_name="KOXX Admin")
    offers = tg.add_channel("Offers")
    payments = tg.add_channel("Payments")
    admin = tg.add_user(
        "Admin", username=f"admin{secrets.token_hex(3)}", language_code="en", user_id=new_id()
    )
    settings: dict[str, Any] = {
        "bot_token": TRADERS_TOKEN,
        "admin_bot_token": ADMIN_TOKEN,
        "telegram_api_url": tg.url,
        "database_url": database_url,
        "redis_url": REDIS_URL,
        "redis_prefix": f"koxx_t:{uuid.uuid4().hex[:10]}",
        "admin_ids": [admin.id],
        "offers_channel_id": offers.id,
        "payments_channel_id": payments.id,
        "web_port": 0,
        "tron_node_port": 0,
        "tron_block_seconds": 0,  # tests mine blocks on demand: market.runtime.tron_node.node.mine()
        "data_dir": tmp_path,
        "reserves_secret": "e2e-reserves-secret",  # a real bot token: no dev secret for proofs of reserves
    }
    if webhook:
        port = free_port()
        settings.update(
            web_port=port, webhook_url=f"http://127.0.0.1:{port}", webhook_secret=secrets.token_hex(16)
        )
    settings.update(overrides)
    runtime = Runtime(load_settings(**settings))
    try:
        await runtime.start()
        yield Market(tg, runtime, offers, payments, admin)
    finally:
        await runtime.stop()
        await tg.stop()
