"""The composition root: builds the running marketplace from its settings — database, key-value
store, both bots and their dispatchers, the HTTP app, the notifier, the wallet's clients and the
scheduler with the process's job list (jobs.py) — and tears it down. webhook.py is the process
that runs it (arguments, signals); tests and benchmarks start a ``Runtime`` themselves.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import structlog
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.utils.i18n import I18n
from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from pydantic import SecretStr
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import admin_bot.app
import admin_bot.notifications
import api.app
import bot.app
import bot.notifications
from api.stream import EventStream, Publisher
from bot.notifications.escrow import remember_bot
from botkit.aiogram_compat import JsonReplyHandler, KeepResponseModels, detach_routers
from botkit.i18n import get_i18n
from botkit.middlewares import InFlight, SendAfterCommit
from botkit.notifier import Notifier
from botkit.rendering import Renderers
from core import metrics, migrate
from core.config import Settings
from core.db import make_engine, make_replica_factory, make_session_factory
from core.embedded_pg import EmbeddedPostgres
from core.kv import KeyValue, MemoryKeyValue, RedisKeyValue
from core.money import MICRO
from core.wallet.config import wallet_config
from core.wallet.hd import DEV_MNEMONIC, xpub_from_mnemonic
from core.wallet.jobs import WalletJobs
from core.wallet.sender import Signer
from jobs import process_jobs
from sandbox import demo
from scheduler import build_scheduler

log = logging.getLogger("koxx")
ROLES = ("all", "web", "worker")
DEV_TRADER_TOKEN = "7000000001:dev-traders-bot-token"
DEV_ADMIN_TOKEN = "7000000002:dev-admin-bot-token"
# DEV ONLY: the local TRON node's hot wallet (a well-known key; never fund it on a real network).
TRON_CHAIN_FILE = "tron-chain.pickle"  # the local TRON node's chain, under DATA_DIR, across restarts
DEV_HOT_WALLET_KEY = "8d596057e510b14cbb9bf24f88803a6d6dbd138dd303a62b175b9e6cc0f3f941"


def build_renderers() -> Renderers:
    """How every event reads, registered explicitly: the traders' bot and channels, then staff."""
    renderers = Renderers()
    bot.notifications.register(renderers)
    admin_bot.notifications.register(renderers)
    return renderers


@dataclass
class Runtime:
    """Everything the running marketplace holds, built by ``start`` and torn down by ``stop``."""

    settings: Settings
    role: str = "all"
    engine: AsyncEngine | None = None
    session_factory: async_sessionmaker[AsyncSession] | None = None
    replica_factory: async_sessionmaker[AsyncSession] | None = None  # DATABASE_REPLICA_URL's read sessions
    kv: KeyValue | None = None
    storage: BaseStorage | None = None
    i18n: I18n | None = None
    trader_bot: Bot | None = None
    admin_bot: Bot | None = None
    trader_dp: Dispatcher | None = None
    admin_dp: Dispatcher | None = None
    wake_notifier: asyncio.Event = field(default_factory=asyncio.Event)
    inflight: InFlight = field(default_factory=InFlight)
    notifier: Notifier | None = None
    scheduler: AsyncIOScheduler | None = None
    web_runner: web.AppRunner | None = None
    web_url: str | None = None
    embedded_pg: EmbeddedPostgres | None = None
    sandbox: Any = None  # the local Telegram stand-in, when started here
    tron_node: Any = None  # the local TRON node server, when started here
    wallet: WalletJobs | None = None
    redis: Redis | None = None
    api_stream: EventStream | None = None  # the API's live events (Redis, or memory in one process)
    api_publisher: Publisher | None = None  # the outbox's events to that stream (the worker)
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    polling: list[Dispatcher] = field(default_factory=list)  # the dispatchers started long-polling
    seed_demo: bool = True  # with the local Telegram stand-in: seed a demo market into an empty database
    sandboxed: bool = field(init=False)

    def __post_init__(self) -> None:
        # Decided on the settings given (no BOT_TOKEN), before the stand-in puts its dev tokens in.
        self.sandboxed = self.settings.sandboxed

    @property
    def serves_updates(self) -> bool:
        return self.role in ("all", "web")

    @property
    def runs_jobs(self) -> bool:
        return self.role in ("all", "worker")

    async def start(self) -> None:
        settings = self.settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        await self._start_database()
        await self._start_kv()
        if self.sandboxed:
            await self._start_telegram_sandbox()
        if settings.tron_api_url is None:
            await self._start_tron_node()
        settings = self.settings
        self.i18n = get_i18n()
        token = settings.bot_token.get_secret_value() if settings.bot_token else ""
        self.trader_bot = _make_bot(token, settings.telegram_api_url)
        self.admin_bot = (
            _make_bot(settings.admin_bot_token.get_secret_value(), settings.telegram_api_url)
            if settings.admin_bot_token
            else None
        )
        common: dict[str, Any] = {
            "settings": settings,
            "session_factory": self.session_factory,
            "storage": self.storage,
            "kv": self.kv,
            "i18n": self.i18n,
            "wake_notifier": self.wake_notifier,
        }
        self.trader_dp = bot.app.build_dispatcher(**common)
        try:
            await remember_bot(self.trader_bot)  # channel posts link to the bot by its username
        except TelegramNetworkError:
            log.warning("Telegram is unreachable; the bot's username is learnt later")
        self.admin_dp = admin_bot.app.build_dispatcher(**common)
        for dp in (self.trader_dp, self.admin_dp):
            dp.update.outer_middleware(self.inflight)
            dp["runtime"] = self
        await self._start_web()
        if self.serves_updates:
            await bot.app.set_commands(self.trader_bot)
            await self._set_menu_app()
            if self.admin_bot is not None:
                await admin_bot.app.set_commands(self.admin_bot)
            await self._start_receiving()
        if self.runs_jobs:
            self.wallet = WalletJobs.from_settings(settings)
            self.notifier = Notifier(
                session_factory=self._sessions,
                trader_bot=self.trader_bot,
                admin_bot=self.admin_bot,
                settings=settings,
                i18n=self.i18n,
                wake=self.wake_notifier,
                renderers=build_renderers(),
            )
            self.tasks.append(asyncio.create_task(self.notifier.run(), name="notifier"))
            self.api_publisher = Publisher(self._sessions, self._api_stream)
            self.tasks.append(asyncio.create_task(self.api_publisher.run(), name="api-events"))
            self.scheduler = build_scheduler(
                process_jobs(
                    settings=settings,
                    session_factory=self._sessions,
                    wake_notifier=self.wake_notifier,
                    trader_bot=self.trader_bot,
                    wallet=self.wallet,
                )
            )
            self.scheduler.start()
            log.info("scheduler started: %d jobs in this process", len(self.scheduler.get_jobs()))
            if self.sandbox is not None and self.seed_demo:
                await self._seed_demo()

    @property
    def _api_stream(self) -> EventStream:
        if self.api_stream is None:
            self.api_stream = api.app.event_stream(self.settings, self.redis)
        return self.api_stream

    @property
    def _sessions(self) -> async_sessionmaker[AsyncSession]:
        assert self.session_factory is not None
        return self.session_factory

    async def _start_database(self) -> None:
        url = self.settings.database_url.get_secret_value() if self.settings.database_url else None
        if url is None:
            self.embedded_pg = EmbeddedPostgres(self.settings.data_dir)
            url = await self.embedded_pg.start()
            log.info("embedded PostgreSQL started under %s", self.embedded_pg.pgdata)
        self.engine = make_engine(url)
        metrics.watch_pool(self.engine)
        await migrate.upgrade(self.engine)
        self.session_factory = make_session_factory(self.engine)
        if self.settings.database_replica_url:
            self.replica_factory = make_replica_factory(self.settings.database_replica_url.get_secret_value(), self.engine)

    async def _start_kv(self) -> None:
        if self.settings.redis_url:
            redis = self.redis = Redis.from_url(self.settings.redis_url.get_secret_value())
            prefix = self.settings.redis_prefix
            self.kv = RedisKeyValue(redis, prefix=prefix)
            self.storage = RedisStorage(
                redis, key_builder=DefaultKeyBuilder(prefix=f"{prefix}_fsm", with_bot_id=True)
            )
        else:
            self.kv = MemoryKeyValue()
            self.storage = MemoryStorage()

    async def _start_telegram_sandbox(self) -> None:
        from sandbox.telegram import TelegramSandbox

        self.sandbox = TelegramSandbox()
        await self.sandbox.start(host=self.settings.web_host, port=self.settings.sandbox_port)
        self.sandbox.add_bot(DEV_TRADER_TOKEN, username="koxx_p2p_bot", first_name="KOXX P2P")
        self.sandbox.add_bot(DEV_ADMIN_TOKEN, username="koxx_admin_bot", first_name="KOXX Admin")
        updates: dict[str, Any] = {
            "bot_token": SecretStr(DEV_TRADER_TOKEN),
            "admin_bot_token": SecretStr(DEV_ADMIN_TOKEN),
            "telegram_api_url": self.sandbox.url,
        }
        if self.settings.offers_channel_id is None:
            updates["offers_channel_id"] = self.sandbox.add_channel("KOXX P2P Offers").id
        if self.settings.payments_channel_id is None:
            updates["payments_channel_id"] = self.sandbox.add_channel("KOXX P2P Payments").id
        # Offline demo (sandbox.demo): its users on the page, its admin in ADMIN_IDS.
        demo.add_demo_users(self.sandbox, ("koxx_p2p_bot",), admin_bot="koxx_admin_bot")
        updates["admin_ids"] = sorted({*self.settings.admin_ids, demo.DEMO_ADMIN_ID})
        self.settings = self.settings.model_copy(update=updates)

    async def _start_tron_node(self) -> None:
        """The local TRON node (a block every TRON_BLOCK_SECONDS) with a funded dev hot wallet. Sandbox
        and tests only (``check_settings`` refuses it with a BOT_TOKEN): the dev keys below must never
        hold anything on a real network."""
        from sandbox.tron import TronNodeServer

        self.tron_node = TronNodeServer(
            host=self.settings.web_host,
            port=self.settings.tron_node_port,
            block_interval=float(self.settings.tron_block_seconds) or None,
            state_file=self.settings.data_dir / TRON_CHAIN_FILE,
        )
        await self.tron_node.start()
        updates: dict[str, Any] = {"tron_api_url": self.tron_node.url}
        dev_hot = Signer.from_hex(DEV_HOT_WALLET_KEY).address
        if not self.settings.hot_wallet_key and self.runs_jobs:
            updates["hot_wallet_key"] = SecretStr(DEV_HOT_WALLET_KEY)
        elif not self.settings.hot_wallet_key and not self.settings.hot_wallet_address:
            updates["hot_wallet_address"] = dev_hot  # the web role holds no key, not even the dev one
        if not self.settings.cold_wallet_address:  # watch-only: the service never holds its key
            from sandbox.tron.dev_cold import DEV_COLD_ADDRESS

            updates["cold_wallet_address"] = DEV_COLD_ADDRESS
        if not self.settings.wallet_seed and not self.settings.wallet_xpub:
            if self.runs_jobs:
                updates["wallet_seed"] = SecretStr(DEV_MNEMONIC)
            # the stand-in's dev token makes Settings.sandboxed False: name the dev xpub outright
            updates["wallet_xpub"] = xpub_from_mnemonic(DEV_MNEMONIC)
        self.settings = self.settings.model_copy(update=updates)
        key = self.settings.hot_wallet_key
        hot = Signer.hot_wallet(self.settings).address if key else self.settings.hot_wallet_address or dev_hot
        if not self.tron_node.restored:  # a continued chain has its hot wallet funded already
            self.tron_node.node.fund(hot, trx_sun=100_000 * MICRO, usdt=50_000 * MICRO)
        if self.sandbox is not None:  # the chat page's chain panel talks to this node
            from sandbox.telegram.chain import link_chain

            link_chain(self.sandbox, self.tron_node.url, hot_wallet=hot)

    async def _seed_demo(self) -> None:
        """Offline demo: an empty database gets a demo market (sandbox.demo), funded by real
        deposits on the local TRON node when it runs here."""
        on_chain = self.tron_node is not None and self.wallet is not None
        seeded = await demo.seed(
            self._sessions,
            node=self.tron_node.node if on_chain else None,
            scan=self.wallet.scan if on_chain and self.wallet else None,
            xpub=wallet_config(self.settings).xpub if on_chain else None,
            confirmations=self.settings.confirmations,
            wake=self.wake_notifier.set,
        )
        if seeded:
            print("Demo market seeded (users, reference rates, funded offers).", flush=True)
        elif await demo.repost_offers(self._sessions):  # the stand-in's channels start empty
            self.wake_notifier.set()

    async def _start_web(self) -> None:
        app = web.Application(middlewares=[_request_context])
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", _metrics)
        if self.serves_updates:  # the REST API under /api, the Mini App under /app/
            assert self.kv is not None and self.trader_bot is not None
            api.app.mount(app, settings=self.settings, session_factory=self._sessions, redis=self.redis,
                          stream=self._api_stream, kv=self.kv, bot=self.trader_bot,
                          replica_factory=self.replica_factory)
        if self.settings.webhook_url and self.serves_updates:
            assert self.trader_bot and self.trader_dp and self.admin_dp
            secret = self.settings.webhook_secret.get_secret_value() if self.settings.webhook_secret else ""
            JsonReplyHandler(
                self.trader_dp, self.trader_bot, handle_in_background=False, secret_token=secret
            ).register(app, path="/webhook/traders")
            if self.admin_bot is not None:
                JsonReplyHandler(
                    self.admin_dp, self.admin_bot, handle_in_background=False, secret_token=secret
                ).register(app, path="/webhook/admin")
        self.web_runner = web.AppRunner(app, access_log=None, shutdown_timeout=25)
        await self.web_runner.setup()
        site = web.TCPSite(self.web_runner, self.settings.web_host, self.settings.web_port)
        await site.start()
        host, port = self.web_runner.addresses[0][:2]
        self.web_url = f"http://{host}:{port}"

    async def _set_menu_app(self) -> None:
        """The bot's menu button opens the Mini App, at the public address (WEBHOOK_URL's), else here.
        Telegram accepts only https: without one the button stays the command list."""
        assert self.trader_bot is not None
        url = f"{(self.settings.webhook_url or self.web_url or '').rstrip('/')}/app/"
        try:
            await bot.app.set_menu_app(self.trader_bot, url)
        except TelegramAPIError as exc:
            log.warning("the Mini App's menu button was not set (%s): it needs an https address", exc)

    async def _start_receiving(self) -> None:
        assert self.trader_bot and self.trader_dp and self.admin_dp
        pairs = [(self.trader_bot, self.trader_dp, "traders")]
        if self.admin_bot is not None:
            pairs.append((self.admin_bot, self.admin_dp, "admin"))
        secret = self.settings.webhook_secret.get_secret_value() if self.settings.webhook_secret else None
        for bot_, dp, path in pairs:
            allowed = dp.resolve_used_update_types()
            if self.settings.webhook_url:
                await bot_.set_webhook(
                    f"{self.settings.webhook_url.rstrip('/')}/webhook/{path}",
                    secret_token=secret,
                    allowed_updates=allowed,
                )
            else:
                await bot_.delete_webhook()
                self.polling.append(dp)
                self.tasks.append(
                    asyncio.create_task(
                        dp.start_polling(
                            bot_, handle_signals=False, close_bot_session=False, allowed_updates=allowed
                        ),
                        name=f"polling-{path}",
                    )
                )

    async def _healthz(self, request: web.Request) -> web.Response:
        checks = {"database": "ok", "redis": "ok" if self.settings.redis_url else "in-process"}
        try:
            assert self.engine is not None
            async with self.engine.connect() as conn:
                await asyncio.wait_for(conn.execute(text("SELECT 1")), timeout=3)
        except Exception as exc:
            checks["database"] = f"down: {type(exc).__name__}"
        if self.kv is not None and not await self.kv.ping():
            checks["redis"] = "down"
        healthy = all(value in ("ok", "in-process") for value in checks.values())
        return web.json_response({"healthy": healthy, **checks}, status=200 if healthy else 503)

    async def stop(self) -> None:
        """Stop taking updates, let the ones in hand finish, then close everything."""
        for polling in self.polling:
            with contextlib.suppress(RuntimeError):  # "Polling is not started": it ended already
                await polling.stop_polling()
        if self.web_runner is not None:
            await self.web_runner.cleanup()  # waits for webhook requests in flight
        if not await self.inflight.drained(timeout=25):
            log.warning("%d updates still in flight at shutdown", self.inflight.count)
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
        if self.notifier is not None:
            self.notifier.stop()
        if self.api_publisher is not None:
            self.api_publisher.stop()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        for bot_ in (self.trader_bot, self.admin_bot):
            if bot_ is not None:
                await bot_.session.close()
        for dp in (self.trader_dp, self.admin_dp):
            if dp is not None:
                detach_routers(dp)
        if self.kv is not None:
            await self.kv.close()
        if self.storage is not None:
            await self.storage.close()
        if self.engine is not None:
            await self.engine.dispose()
        if self.replica_factory is not None:
            await self.replica_factory.kw["bind"].dispose()
        if self.sandbox is not None:
            await self.sandbox.stop()
        if self.wallet is not None:
            await self.wallet.close()
        if self.tron_node is not None:
            await self.tron_node.stop()
        if self.embedded_pg is not None:
            await self.embedded_pg.stop()


def _make_bot(token: str, api_url: str) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_url.rstrip("/")))
    session.middleware(SendAfterCommit())
    session.middleware(KeepResponseModels())
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode="HTML"))


async def _metrics(request: web.Request) -> web.Response:
    body, content_type = metrics.exposition()
    return web.Response(body=body, headers={"Content-Type": content_type})


REQUEST_ID = re.compile(r"[A-Za-z0-9-]{8,64}")  # nginx's $request_id is 32 hex digits


@web.middleware
async def _request_context(request: web.Request, handler: Any) -> web.StreamResponse:
    """Every log line of a web request names its request id (X-Request-ID from nginx, else a
    new one) and path; the answer carries the id back."""
    given = request.headers.get("X-Request-ID", "")
    request_id = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex[:16]
    with structlog.contextvars.bound_contextvars(request_id=request_id, path=request.path):
        response: web.StreamResponse = await handler(request)
    response.headers["X-Request-ID"] = request_id
    return response


def freeze_startup_objects() -> None:
    """Everything loaded at start (libraries, catalogs, models) lives as long as the process: the
    cyclic GC need not walk it again on every collection while updates are handled. (For a
    process that serves; tests start many runtimes in one process and leave the GC alone.)"""
    gc.collect()
    gc.freeze()
