"""Several web workers, one set of metrics: two real `webhook.py --role web` processes share a
PROMETHEUS_MULTIPROC_DIR; whichever is scraped shows both processes' updates and pools; a
process that stops cleanly leaves its counters in and its pool out. Their log lines are JSON,
with the update's id and the request id nginx gave."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import sys
import uuid
from pathlib import Path
from typing import Any

import aiohttp
from bip_utils import Bip39MnemonicGenerator, Bip39WordsNum
from prometheus_client.parser import text_string_to_metric_families

from core.config import Settings
from core.wallet.hd import xpub_from_mnemonic
from core.wallet.sender import Signer
from sandbox.telegram import TelegramSandbox
from sandbox.tron.server import TronNodeServer
from tests import secrets_guard
from tests.conftest import REDIS_URL, new_id
from tests.e2e.harness import free_port

ROOT = Path(__file__).resolve().parents[2]
POOL_SIZE = 20  # core.db.make_engine's pool_size


class Web:
    """One `webhook.py --role web` process, its output in a file."""

    def __init__(self, env: dict[str, str], out: Path) -> None:
        self.port = free_port()
        self.env = {**env, "WEB_PORT": str(self.port), "WEBHOOK_URL": f"http://127.0.0.1:{self.port}"}
        self.out = out
        self.proc: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        with self.out.open("wb") as sink:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "webhook.py", "--role", "web", cwd=ROOT, env=self.env, stdout=sink, stderr=sink)

    async def running(self) -> None:
        async with asyncio.timeout(120):
            while "KOXX P2P is running" not in self.out.read_text(errors="replace"):
                assert self.proc is not None and self.proc.returncode is None, self.out.read_text()
                await asyncio.sleep(0.2)

    async def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(sig)
        async with asyncio.timeout(40):
            return await self.proc.wait()


def environment(database_url: str, tron_url: str, tg: TelegramSandbox, multiproc: Path, data: Path) -> dict[str, str]:
    token, admin_token = f"71{new_id() % 10**8:08d}:{secrets.token_urlsafe(26)}", f"72{new_id() % 10**8:08d}:{secrets.token_urlsafe(26)}"
    tg.add_bot(token, username="koxx_p2p_bot")
    tg.add_bot(admin_token, username="koxx_admin_bot")
    env = {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}
    env.update(
        BOT_TOKEN=token, ADMIN_BOT_TOKEN=admin_token, TELEGRAM_API_URL=tg.url, DATABASE_URL=database_url,
        REDIS_URL=REDIS_URL, REDIS_PREFIX=f"koxx_t:{uuid.uuid4().hex[:10]}", TRON_API_URL=tron_url,
        TOTP_KEY=secrets.token_hex(32), DOCUMENTS_KEY=secrets.token_hex(32), API_JWT_SECRET=secrets.token_hex(32),
        WEBHOOK_SECRET=secrets.token_hex(16),
        DATA_DIR=str(data),
        WALLET_XPUB=xpub_from_mnemonic(str(Bip39MnemonicGenerator().FromWordsNumber(Bip39WordsNum.WORDS_NUM_12))),
        HOT_WALLET_ADDRESS=Signer.from_hex(secrets.token_hex(32)).address,
        PROMETHEUS_MULTIPROC_DIR=str(multiproc), LOG_FORMAT="json",
    )  # fmt: skip
    secrets_guard.register("multiprocess test tokens", token, admin_token, env["TOTP_KEY"], env["DOCUMENTS_KEY"], env["API_JWT_SECRET"],
                           env["WEBHOOK_SECRET"])
    return env


def totals(page: str) -> dict[str, float]:
    """Each series name summed over its labels, and updates by outcome."""
    out: dict[str, float] = {}
    for family in text_string_to_metric_families(page):
        for s in family.samples:
            out[s.name] = out.get(s.name, 0) + s.value
            if s.name == "koxx_updates_total":
                key = f"updates {s.labels['outcome']}"
                out[key] = out.get(key, 0) + s.value
    return out


async def test_two_web_workers_show_one_set_of_metrics(databases: Any, tmp_path: Path) -> None:
    multiproc = tmp_path / "metrics"
    multiproc.mkdir()
    tg = TelegramSandbox()
    await tg.start()
    webs: list[Web] = []
    try:
        async with TronNodeServer() as tron:
            env = environment(await databases.create(), tron.url, tg, multiproc, tmp_path)
            webs = [Web(env, tmp_path / "web-a.log"), Web(env, tmp_path / "web-b.log")]
            for web in webs:
                await web.start()
            await asyncio.gather(*(web.running() for web in webs))
            a, b = webs
            user = tg.add_user("Alice", user_id=new_id())
            tg.start_chat(user, env["BOT_TOKEN"])

            def update(update_id: int) -> dict[str, Any]:
                return {"update_id": update_id, "message": {"message_id": update_id, "date": 1_700_000_000,
                        "text": "/help", "chat": {"id": user.id, "type": "private"},
                        "from": {"id": user.id, "is_bot": False, "first_name": "Alice", "language_code": "en"}}}  # fmt: skip

            headers = {"X-Telegram-Bot-Api-Secret-Token": env["WEBHOOK_SECRET"]}
            async with aiohttp.ClientSession() as http:

                async def post(web: Web, body: dict[str, Any], request_id: str) -> None:
                    async with http.post(f"{web.url}/webhook/traders", json=body,
                                         headers={**headers, "X-Request-ID": request_id}) as resp:  # fmt: skip
                        assert resp.status == 200

                async def scrape(web: Web) -> dict[str, float]:
                    async with http.get(f"{web.url}/metrics") as resp:
                        return totals(await resp.text())

                await post(a, update(1), "request-for-update-1")
                await post(b, update(2), "request-for-update-2")
                await post(a, update(2), "request-for-update-2-again")  # re-delivered to the other worker

                for web in (a, b):  # either process serves the sums of both
                    seen = await scrape(web)
                    assert seen["updates ok"] == 2 and seen["updates duplicate"] == 1
                    assert seen["koxx_update_seconds_count"] == 3
                    assert seen["koxx_db_pool_size"] == 2 * POOL_SIZE

                assert await b.stop() == 0
                seen = await scrape(a)
                assert seen["updates ok"] == 2  # the stopped worker's counts stay
                assert seen["koxx_db_pool_size"] == POOL_SIZE  # its pool is gone
    finally:
        for web in webs:
            if web.proc is not None:
                await web.stop(signal.SIGKILL)
            secrets_guard.add_output(f"web worker output {web.out.name}", web.out.read_text(errors="replace"))
        await tg.stop()

    logged = [json.loads(line) for line in (tmp_path / "web-a.log").read_text().splitlines() if line.startswith("{")]
    duplicate = next(line for line in logged if line["event"] == "update 2 handled already: skipped")
    assert duplicate["update_id"] == 2 and duplicate["request_id"] == "request-for-update-2-again"
    assert duplicate["bot"] == "traders" and duplicate["level"] == "info" and duplicate["timestamp"]


def test_a_process_killed_drops_out_of_the_pool_gauges_when_the_next_one_starts(tmp_path: Path) -> None:
    """kill -9 leaves a process's files behind; the next process to start forgets its live
    gauges (the pool) and keeps its counters."""
    import subprocess

    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    killed = ("from core import metrics; import os, signal; metrics.DB_POOL_SIZE.set(20); metrics.ERRORS.inc();"
              "os.kill(os.getpid(), signal.SIGKILL)")  # fmt: skip
    assert subprocess.run([sys.executable, "-c", killed], cwd=ROOT, env=env, timeout=60).returncode == -signal.SIGKILL
    starts = ("from core import metrics; metrics.forget_dead_processes(); metrics.DB_POOL_SIZE.set(5);"
              "import sys; sys.stdout.write(metrics.exposition()[0].decode())")  # fmt: skip
    page = subprocess.run([sys.executable, "-c", starts], cwd=ROOT, env=env, timeout=60, capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    seen = totals(page)
    assert seen["koxx_db_pool_size"] == 5  # only the live process's pool
    assert seen["koxx_errors_total"] == 1  # the killed process's count stays
