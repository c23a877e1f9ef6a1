"""python -m bench.conversation: the traders' bot under webhook load, against a minimal aiogram
echo bot served the same way, in one run.

Each simulated trader (a distinct Telegram user) goes through the marketplace: /offers, buy,
USDT, IQD, open one of the offers on the first page (traders spread over the market's
``OFFERS`` sellers), Trade, types 131000, confirms (a trade opens: escrow lock), "I have paid",
no receipt, "Yes, I have paid" (11 updates). The updates are POSTed to the bot's webhook
endpoint (webhook.py's Runtime in webhook mode, in a child process, real PostgreSQL and Redis);
the bot's outgoing Bot API calls are answered by the Telegram stand-in, which lives in this
process and also tells the loader which message a button belongs to. A trader waits 0.25 s
between their own updates (the bot's per-user throttle drops a 6th update within a second, and
people are slower than that), so N traders can send at most N / 0.25 s updates/s: the closed loop
has enough of them (1000) that this cap stays well above every bot's rate. The echo bot
(SimpleRequestHandler, one handler that answers every message and button) gets the same update
stream. So does the floor bot: the echo bot plus what any update of a bot on this stack costs at
least (aiogram's FSM state read from Redis, and one database transaction registering the sender,
as the marketplace's unit of work begins), to show how much of the gap to the echo bot is the
stack's and how much the marketplace's own work.

Two measurements per bot: closed loop at ``--concurrency`` requests in flight (updates/s and
latency), and open loop at a fixed ``--rate`` (default 100 updates/s, from traders arriving
steadily; p50/p99 latency). Also the
bot process's CPU time per update, which depends less on what else the machine is doing.
All three are served on uvloop, as webhook.py serves.
Goal: the marketplace at least half the echo bot's updates/s; p99 under 100 ms at 100 updates/s.

    python -m bench.conversation [--traders 1000] [--concurrency 16] [--rate 100] [--rate-traders 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import socket
import sys
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from sqlalchemy.engine import make_url

SERVER_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
TRADERS_TOKEN = "7200000001:bench-traders-token"
ADMIN_TOKEN = "7200000002:bench-admin-token"
ECHO_TOKEN = "7200000003:bench-echo-token"
PAUSE = 0.25  # seconds between one trader's own updates
STEPS = 11
OFFERS = 5  # sellers with one offer each: the first page of the market


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _dev_xpub() -> str:
    """The wallet's dev key (a local TRON node, no real money): the bot token here is not a real one."""
    from core.wallet.hd import DEV_MNEMONIC, xpub_from_mnemonic

    return str(xpub_from_mnemonic(DEV_MNEMONIC))


def _url(database: str, driver: str) -> str:
    return make_url(SERVER_URL).set(drivername=driver, database=database).render_as_string(hide_password=False)


# --- the bots, each in a child process -----------------------------------------------------------------


async def _serve_market(config: dict[str, Any]) -> None:
    from bootstrap import Runtime, freeze_startup_objects
    from core.config import load_settings

    role = config.pop("role", "all")
    runtime = Runtime(load_settings(**config), role=role)
    await runtime.start()
    freeze_startup_objects()  # as webhook.py serves
    profile_to = os.environ.get("BENCH_PROFILE") if role == "web" else None  # a cProfile of the web process
    if profile_to:
        import cProfile
        import signal

        profiler = cProfile.Profile()
        def stop_and_dump(*_: object) -> None:
            profiler.disable()
            profiler.dump_stats(profile_to)
            os._exit(0)

        signal.signal(signal.SIGTERM, stop_and_dump)
        profiler.enable()
    print("ready", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runtime.stop()


async def _serve_echo(config: dict[str, Any]) -> None:
    """The echo bot; with ``floor`` also what every update of a bot on this stack costs at least:
    aiogram's Redis FSM (the state read per update) and one transaction registering the sender
    (``core.users.register``, as the marketplace's unit of work begins)."""
    from aiogram import Bot, Dispatcher
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.fsm.storage.base import DefaultKeyBuilder
    from aiogram.fsm.storage.redis import RedisStorage
    from aiogram.types import CallbackQuery, Message
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler
    from aiohttp import web

    from core import users
    from core.db import make_engine, make_session_factory

    bot = Bot(ECHO_TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(config["telegram_api_url"])))
    floor = config["floor"]
    engine = make_engine(config["database_url"]) if floor else None
    sessions = make_session_factory(engine) if engine is not None else None
    storage = RedisStorage.from_url(REDIS_URL, key_builder=DefaultKeyBuilder(
        prefix=f"{config['redis_prefix']}_fsm", with_bot_id=True)) if floor else None  # fmt: skip
    dp = Dispatcher(storage=storage) if storage is not None else Dispatcher()

    async def register(sender: Any) -> None:
        if sessions is not None:
            async with sessions() as session:
                await users.register(session, user_id=sender.id, username=sender.username, first_name=sender.first_name)
                await session.commit()

    @dp.message()
    async def echo(message: Message) -> None:
        await register(message.from_user)
        await message.answer(message.text or "?")

    @dp.callback_query()
    async def pressed(query: CallbackQuery) -> None:
        await register(query.from_user)
        await query.answer(query.data)

    app = web.Application()
    SimpleRequestHandler(dp, bot, handle_in_background=False, secret_token=config["webhook_secret"]).register(
        app, path="/webhook/traders")
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", config["web_port"]).start()
    print("ready", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
        await bot.session.close()
        if storage is not None:
            await storage.close()
        if engine is not None:
            await engine.dispose()


def _child_main(kind: str) -> None:
    import logging

    import uvloop

    config = json.loads(os.environ["BENCH_CONFIG"])
    logging.basicConfig(level=logging.WARNING)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(_serve_market(config) if kind == "market" else _serve_echo(config))


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


ROOT = Path(__file__).resolve().parent.parent


async def _start_child(kind: str, config: dict[str, Any]) -> asyncio.subprocess.Process:
    env = dict(os.environ, BENCH_CONFIG=json.dumps(config))
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bench.conversation", "--child", kind,
                                                env=env, stdout=asyncio.subprocess.PIPE, cwd=ROOT)
    assert proc.stdout is not None
    line = (await proc.stdout.readline()).decode()
    if line.strip() != "ready":
        proc.kill()
        raise RuntimeError(f"the {kind} bot did not start ({line!r})")
    return proc


# --- the traders --------------------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    url: str
    secret: str
    token: str
    market: bool  # the marketplace (needs the real buttons) or the echo bot


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)
    by_step: dict[int, list[float]] = field(default_factory=dict)
    errors: int = 0
    started: float = 0.0
    finished: float = 0.0
    cpu_seconds: float = 0.0  # the bot process's, during the run

    @property
    def cpu_ms(self) -> float:
        return self.cpu_seconds * 1000 / max(len(self.latencies), 1)

    window: float = 0.0  # open loop: the seconds over which traders kept arriving
    sent_at: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Updates answered per second; in the open loop, those sent while traders kept arriving
        once the first had finished (the steady state, without the ramps at both ends)."""
        if self.window:
            ramp = STEPS * PAUSE  # until the first trader's journey ends, fewer are under way
            steady = [t for t in self.sent_at if self.started + ramp <= t < self.started + self.window]
            return len(steady) / max(self.window - ramp, 1e-9)
        return len(self.latencies) / max(self.finished - self.started, 1e-9)

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


class Loader:
    """Builds each trader's updates as the Telegram client would and POSTs them."""

    def __init__(self, tg: Any, target: Target, offer_ids: list[int], http: aiohttp.ClientSession) -> None:
        self.tg, self.target, self.offer_ids, self.http = tg, target, offer_ids, http
        self.bot = tg.find_bot(target.token)
        self.update_id = 0
        self.trades: dict[int, int] = {}  # trader -> the trade their confirmation opened

    def _next_id(self) -> int:
        self.update_id += 1
        return self.update_id

    def _last_bot_message(self, user: Any) -> dict[str, Any]:
        dialog = self.tg.private_dialog(self.bot, user)
        for stored in reversed(dialog.visible()):
            if stored.sender_bot is not None:
                return dict(stored.data)
        return {"message_id": 1, "chat": user.chat_dict(), "date": int(time.time()), "text": "."}

    def _message(self, user: Any, text: str) -> dict[str, Any]:
        message: dict[str, Any] = {"message_id": self._next_id(), "from": user.user_dict(), "chat": user.chat_dict(),
                                   "date": int(time.time()), "text": text}  # fmt: skip
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return {"update_id": self._next_id(), "message": message}

    def _callback(self, user: Any, data: str) -> dict[str, Any]:
        from sandbox.telegram.state import CallbackRec

        query_id = f"{self._next_id()}{secrets.randbelow(10**9):09d}"
        self.tg.callbacks[query_id] = CallbackRec(query_id, self.bot.id, user.id, data)
        return {"update_id": self._next_id(), "callback_query": {
            "id": query_id, "from": user.user_dict(), "message": self._last_bot_message(user),
            "chat_instance": str(user.id), "data": data}}  # fmt: skip

    def _button(self, user: Any, prefix: str) -> str:
        """The callback data of the button starting with ``prefix`` under the bot's last message
        (the quote's Confirm carries the quoted price: the trader presses what they were shown)."""
        rows = self._last_bot_message(user).get("reply_markup", {}).get("inline_keyboard", [])
        return next((b["callback_data"] for row in rows for b in row
                     if str(b.get("callback_data", "")).startswith(prefix)), f"{prefix}:missing")  # fmt: skip

    def _trade_id(self, user: Any) -> int:
        """Read from the trade card the confirmation left (as the trader would see it)."""
        if user.id not in self.trades:
            found = re.search(r"Trade #(\d+)", self._last_bot_message(user).get("text", ""))
            self.trades[user.id] = int(found.group(1)) if found else 0
        return self.trades[user.id]

    def update(self, user: Any, step: int) -> dict[str, Any]:
        """The trader's ``step``-th update (0..10)."""
        from bot.keyboards.offers import BrowseCb, OfferCb
        from bot.keyboards.trades import TakeCb, TradeCb

        o = self.offer_ids[user.id % len(self.offer_ids)]
        if step == 0:
            return self._message(user, "/offers")
        if step == 6:
            return self._message(user, "131000")
        data = {
            1: lambda: BrowseCb(side="sell").pack(),
            2: lambda: BrowseCb(side="sell", asset="?").pack(),  # the list's "change asset"
            3: lambda: BrowseCb(side="sell", asset="USDT", fiat="IQD").pack(),
            4: lambda: OfferCb(action="open", offer_id=o).pack(),
            5: lambda: OfferCb(action="take", offer_id=o).pack(),
            7: lambda: self._button(user, f"{TakeCb.__prefix__}:confirm:{o}:"),
            8: lambda: TradeCb(action="paid", trade_id=self._trade_id(user)).pack(),
            9: lambda: TradeCb(action="paid_skip", trade_id=self._trade_id(user)).pack(),
            10: lambda: TradeCb(action="paid_yes", trade_id=self._trade_id(user)).pack(),
        }[step]()
        return self._callback(user, data)

    async def post(self, update: dict[str, Any], results: Results, step: int = 0) -> None:
        start = time.perf_counter()
        results.sent_at.append(start)
        async with self.http.post(self.target.url, json=update,
                                  headers={"X-Telegram-Bot-Api-Secret-Token": self.target.secret}) as response:
            elapsed = time.perf_counter() - start  # the bot has answered
            if response.status != 200:
                results.errors += 1
                await response.read()
                return
            # A method in the webhook's reply: Telegram runs it, so the stand-in does (its own code).
            await self.tg.deliverer._run_reply(self.bot, response)
        results.latencies.append(elapsed)
        results.by_step.setdefault(step, []).append(elapsed)


async def _journeys(loader: Loader, users: list[Any], results: Results, *, concurrency: int | None,
                    rate: float | None) -> None:  # fmt: skip
    """Every trader's 11 updates, a trader's next one PAUSE after the previous one was answered.

    Closed loop: every trader ready at once, at most ``concurrency`` updates in flight.
    Open loop: traders arrive one every STEPS/rate seconds, so that ``rate`` updates/s arrive in
    the steady state, in the mix of steps that real traffic has. (Releasing them all at once
    would march them in step: one second of nothing but /offers, later a second of nothing but
    takes on the same few offers.)"""
    gate = asyncio.Semaphore(concurrency or 10**6)

    async def trader(user: Any, arrival: float) -> None:
        await asyncio.sleep(max(0.0, arrival - time.perf_counter()))
        for step in range(STEPS):
            if step:
                await asyncio.sleep(PAUSE)
            async with gate:
                await loader.post(loader.update(user, step), results, step)

    results.started = time.perf_counter()
    gap = STEPS / rate if rate else 0.0
    results.window = len(users) * gap
    await asyncio.gather(*(trader(user, results.started + n * gap) for n, user in enumerate(users)))
    results.finished = time.perf_counter()


# --- the run ---------------------------------------------------------------------------------------------


async def _prepare_market(db_url: str, seller_ids: list[int], traders: int) -> list[int]:
    """Migrate, set the reference rate, fund the sellers and publish a sell offer each; returns their ids."""
    from core import escrow, migrate, users
    from core.db import make_engine, make_session_factory, transaction
    from core.escrow import OfferDraft, Side
    from core.ledger import AccountRef, Purpose, transfer
    from core.money import MICRO, Asset, Fiat

    engine = make_engine(db_url)
    try:
        await migrate.upgrade(engine)
        async with transaction(make_session_factory(engine)) as s:
            await escrow.set_reference_rate(s, asset=Asset.USDT, fiat=Fiat.IQD, rate=Decimal(1310), actor_id=None)
            amount = (traders * 2 + 10) * 100 * MICRO  # each offer could serve every trader
            offer_ids = []
            for n, seller_id in enumerate(seller_ids):
                seller = await users.register(s, user_id=seller_id, username=f"bench_seller{n}", first_name="Seller")
                seller.kyc_level = 2  # a verified seller: the whole run's volume fits in one day's limit
                await transfer(s, kind="deposit", key=f"bench:seed:{n}", src=AccountRef.platform(Purpose.DEPOSITS),
                               dst=AccountRef.user(seller_id), asset=Asset.USDT, amount=amount * 2, ref="bench")
                offer = await escrow.publish_offer(s, maker_id=seller_id, draft=OfferDraft(
                    side=Side.SELL, asset=Asset.USDT, fiat=Fiat.IQD, amount=amount, min_fiat=Decimal(50_000),
                    max_fiat=Decimal(262_000), payment_methods=("zaincash",), payment_window=60,
                    price=Decimal(1310 + n)))
                offer_ids.append(offer.id)
            return offer_ids
    finally:
        await engine.dispose()


async def _count_paid(db_url: str) -> int:
    conn = await asyncpg.connect(make_url(db_url).set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        return int(await conn.fetchval("SELECT count(*) FROM trades WHERE status = 'paid'"))
    finally:
        await conn.close()


async def run(args: argparse.Namespace) -> int:
    from sandbox.telegram import TelegramSandbox

    name = f"koxx_bench_conv_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(_url("postgres", "postgresql"))
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    db_url = _url(name, "postgresql+asyncpg")
    tg = TelegramSandbox()
    await tg.start()
    children: list[asyncio.subprocess.Process] = []
    try:
        for token in (TRADERS_TOKEN, ADMIN_TOKEN, ECHO_TOKEN):
            tg.add_bot(token)
        sellers = [tg.add_user(f"Seller {n}", user_id=9_000_000_001 + n) for n in range(OFFERS)]
        for seller in sellers:
            tg.start_chat(seller, TRADERS_TOKEN)
        offer_ids = await _prepare_market(db_url, [s.id for s in sellers], args.traders + args.rate_traders)
        secret = secrets.token_hex(16)
        market_port, echo_port, floor_port = _free_port(), _free_port(), _free_port()
        common = {"telegram_api_url": tg.url, "webhook_secret": secret}
        market_config = {
            **common, "bot_token": TRADERS_TOKEN, "admin_bot_token": ADMIN_TOKEN, "database_url": db_url,
            "redis_url": REDIS_URL, "redis_prefix": f"koxx_bench:{uuid.uuid4().hex[:8]}", "web_port": market_port,
            "webhook_url": f"http://127.0.0.1:{market_port}", "data_dir": f"/tmp/{name}",
            "offers_channel_id": tg.add_channel("Offers").id, "payments_channel_id": tg.add_channel("Payments").id,
            "tron_node_port": 0, "tron_block_seconds": 0, "wallet_xpub": _dev_xpub(),
        }  # fmt: skip
        # As deployed: the web process answers webhooks; a worker process runs the notifier and the jobs.
        children.append(await _start_child("market", {**market_config, "role": "web"}))
        children.append(await _start_child("market", {**market_config, "role": "worker", "web_port": 0}))
        children.append(await _start_child("echo", {**common, "web_port": echo_port, "floor": False}))
        children.append(await _start_child("echo", {
            **common, "web_port": floor_port, "floor": True, "database_url": db_url,
            "redis_prefix": f"koxx_bench:{uuid.uuid4().hex[:8]}"}))  # fmt: skip
        targets = [
            Target("marketplace", f"http://127.0.0.1:{market_port}/webhook/traders", secret, TRADERS_TOKEN, True),
            Target("echo bot", f"http://127.0.0.1:{echo_port}/webhook/traders", secret, ECHO_TOKEN, False),
            Target("floor bot", f"http://127.0.0.1:{floor_port}/webhook/traders", secret, ECHO_TOKEN, False),
        ]
        serving = {"marketplace": children[0].pid, "echo bot": children[2].pid, "floor bot": children[3].pid}
        report: dict[str, tuple[Results, Results]] = {}
        next_user = 9_100_000_000
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
            for target in targets:
                loader = Loader(tg, target, offer_ids, http)
                loader.update_id = next_user  # update ids unique per bot run
                runs = []
                for count, concurrency, rate in ((args.traders, args.concurrency, None),
                                                 (args.rate_traders, None, args.rate)):  # fmt: skip
                    people = []
                    for _ in range(count):
                        next_user += 1
                        people.append(tg.add_user(f"T{next_user}", user_id=next_user, language_code="en"))
                        tg.start_chat(people[-1], target.token)
                    results = Results()
                    cpu_before = _cpu_seconds(serving[target.name])
                    await _journeys(loader, people, results, concurrency=concurrency, rate=rate)
                    results.cpu_seconds = _cpu_seconds(serving[target.name]) - cpu_before
                    runs.append(results)
                report[target.name] = (runs[0], runs[1])
        paid = await _count_paid(db_url)
    finally:
        for child in children:
            child.terminate()
        for child in children:
            try:
                await asyncio.wait_for(child.wait(), 30)
            except TimeoutError:
                child.kill()
        await tg.stop()
        admin = await asyncpg.connect(_url("postgres", "postgresql"))
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()

    expected = args.traders + args.rate_traders
    print(f"{args.traders} traders x {STEPS} updates at concurrency {args.concurrency} (their pauses allow at most "
          f"{args.traders / PAUSE:.0f} updates/s); then {args.rate_traders} traders at {args.rate:g} updates/s")  # fmt: skip
    for label, (closed, fixed) in report.items():
        print(f"  {label:12s} closed loop: {closed.rate:7.1f} updates/s  p50 {closed.pct(0.5):6.1f} ms  "
              f"p99 {closed.pct(0.99):6.1f} ms  CPU {closed.cpu_ms:4.1f} ms/update  errors {closed.errors}   |   at {args.rate:g}/s: "
              f"{fixed.rate:6.1f} updates/s  p50 {fixed.pct(0.5):6.1f} ms  p99 {fixed.pct(0.99):6.1f} ms  "
              f"errors {fixed.errors}")  # fmt: skip
    market, echo, floor = report["marketplace"], report["echo bot"], report["floor bot"]
    steps = " ".join(f"{step}:{sorted(v)[len(v) // 2] * 1000:.0f}" for step, v in sorted(market[0].by_step.items()))
    print(f"  marketplace p50 per step, closed loop (ms; 0 /offers ... 7 take, 10 paid): {steps}")
    steps = " ".join(f"{step}:{sorted(v)[int(len(v) * 0.99)] * 1000:.0f}" for step, v in sorted(market[1].by_step.items()))
    print(f"  marketplace p99 per step at {args.rate:g}/s (ms): {steps}")
    ratio = market[0].rate / echo[0].rate
    print(f"  ratio marketplace / echo: {ratio:.2f} (goal >= 0.5); p99 at {args.rate:g}/s: {market[1].pct(0.99):.1f} ms "
          f"(goal < 100 ms); trades marked paid: {paid}/{expected}")  # fmt: skip
    print(f"  the floor (the echo bot with an FSM read and a user's transaction per update) / echo: "
          f"{floor[0].rate / echo[0].rate:.2f}; marketplace / floor: {market[0].rate / floor[0].rate:.2f}")  # fmt: skip
    errors = sum(closed.errors + fixed.errors for closed, fixed in report.values())
    return 0 if paid == expected and errors == 0 else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--traders", type=int, default=1000,
                        help="traders in the closed-loop run (their pauses allow at most traders / 0.25 s updates/s)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rate", type=float, default=100.0, help="updates/s in the open-loop run")
    parser.add_argument("--rate-traders", type=int, default=200, help="traders in the open-loop run")
    parser.add_argument("--child", choices=("market", "echo"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child_main(args.child)
        return 0
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
