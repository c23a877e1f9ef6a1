"""python -m bench.api: the REST API's market page and its live events.

1. ``GET /api/offers`` (a signed-in trader's first page of 20 offers: JWT check, rate limits in
   Redis, one database transaction, core's browse with the makers' reputation) at ``--concurrency``
   requests in flight, against a bare aiohttp endpoint answering a JSON page of the same size from
   memory, served the same way (a child process on uvloop) in the same run. Goal: at least 0.5.
2. ``--ws`` clients (1,000) on /api/ws; an offer's price changes in a committed transaction; the
   time from that commit until each client received its ``offer.updated`` (outbox → the worker's
   publisher → Redis stream → the web worker's hub → the sockets), ``--rounds`` times. Goal: p99
   under 500 ms. The marketplace runs as deployed: a web process and a worker process.

    python -m bench.api [--requests 4000] [--concurrency 16] [--ws 1000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

from bench.conversation import REDIS_URL, _dev_xpub, _free_port, _start_child, _url

ROOT = Path(__file__).resolve().parent.parent
TRADERS_TOKEN = "7200000011:bench-api-traders-token"
ADMIN_TOKEN = "7200000012:bench-api-admin-token"
MAKERS = 20
BUYER = 9_300_000_000


async def _serve_bare(config: dict[str, Any]) -> None:
    """The reference: a JSON page like the market's, from memory."""
    from aiohttp import web

    page = json.loads(config["page"])

    async def offers(request: web.Request) -> web.Response:
        return web.json_response(page)

    app = web.Application()
    app.router.add_get("/api/offers", offers)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", config["web_port"]).start()
    print("ready", flush=True)
    await asyncio.Event().wait()


def _child_main() -> None:
    import uvloop

    config = json.loads(os.environ["BENCH_CONFIG"])
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(_serve_bare(config))


async def _start_bare(config: dict[str, Any]) -> asyncio.subprocess.Process:
    env = dict(os.environ, BENCH_CONFIG=json.dumps(config))
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bench.api", "--child", env=env,
                                                stdout=asyncio.subprocess.PIPE, cwd=ROOT)  # fmt: skip
    assert proc.stdout is not None
    if (await proc.stdout.readline()).decode().strip() != "ready":
        proc.kill()
        raise RuntimeError("the bare endpoint did not start")
    return proc


async def _prepare(db_url: str) -> list[int]:
    """Migrate, a reference rate, MAKERS funded makers with a sell offer each, and the buyer."""
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
            await users.register(s, user_id=BUYER, username="bench_buyer", first_name="Buyer")
            offer_ids = []
            for n in range(MAKERS):
                maker_id = 9_200_000_000 + n
                await users.register(s, user_id=maker_id, username=f"bench_maker{n}", first_name="Maker")
                await transfer(s, kind="deposit", key=f"bench:api:{n}", src=AccountRef.platform(Purpose.DEPOSITS),
                               dst=AccountRef.user(maker_id), asset=Asset.USDT, amount=1000 * MICRO, ref="bench")
                offer = await escrow.publish_offer(s, maker_id=maker_id, draft=OfferDraft(
                    side=Side.SELL, asset=Asset.USDT, fiat=Fiat.IQD, amount=500 * MICRO, min_fiat=Decimal(10_000),
                    max_fiat=Decimal(500_000), payment_methods=("zaincash",), payment_window=30,
                    price=Decimal(1300 + n)))  # fmt: skip
                offer_ids.append(offer.id)
            return offer_ids
    finally:
        await engine.dispose()


async def _closed_loop(http: aiohttp.ClientSession, url: str, headers: dict[str, str], requests: int,
                       concurrency: int) -> tuple[float, list[float], int]:  # fmt: skip
    """(requests/s, latencies, errors) with ``concurrency`` requests in flight."""
    latencies: list[float] = []
    errors = 0
    left = requests

    async def worker() -> None:
        nonlocal left, errors
        while left > 0:
            left -= 1
            start = time.perf_counter()
            async with http.get(url, headers=headers) as answer:
                await answer.read()
                if answer.status != 200:
                    errors += 1
            latencies.append(time.perf_counter() - start)

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return len(latencies) / (time.perf_counter() - began), latencies, errors


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


async def _live(db_url: str, base: str, token: str, offer_ids: list[int], clients: int, rounds: int) -> tuple[list[float], int]:
    """Latencies from each commit of a price change to each client's offer.updated; missed deliveries."""
    from core import escrow
    from core.db import make_engine, make_session_factory, transaction
    from core.escrow import OfferPatch

    engine = make_engine(db_url)
    factory = make_session_factory(engine)
    latencies: list[float] = []
    missed = 0
    committed: dict[int, float] = {}
    received: list[dict[int, float]] = [{} for _ in range(clients)]
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        sockets = []
        for n in range(clients):
            ws = await http.ws_connect(f"{base}/api/ws", protocols=("koxx.v1", f"bearer.{token}"), heartbeat=None)
            sockets.append(ws)
            if n % 100 == 99:
                await asyncio.sleep(0)

        async def listen(n: int, ws: aiohttp.ClientWebSocketResponse) -> None:
            async for message in ws:
                item = json.loads(message.data)
                if item["event"] == "offer.updated":
                    received[n].setdefault(int(item["data"]["outbox_id"]), time.perf_counter())

        listeners = [asyncio.create_task(listen(n, ws)) for n, ws in enumerate(sockets)]
        await asyncio.sleep(1)  # every socket signed in and subscribed
        for r in range(rounds):
            offer_id = offer_ids[r % len(offer_ids)]
            async with transaction(factory) as s:
                await escrow.edit_offer(s, offer_id=offer_id, actor_id=9_200_000_000 + r % len(offer_ids),
                                        patch=OfferPatch(price=Decimal(1320 + r)))  # fmt: skip
                await s.flush()
            done = time.perf_counter()
            async with factory() as s:
                from sqlalchemy import func, select

                from core.outbox import OFFERS_CHANNEL, OutboxMessage

                row_id = int(await s.scalar(select(func.max(OutboxMessage.id)).where(
                    OutboxMessage.recipient == OFFERS_CHANNEL)) or 0)  # fmt: skip
            committed[row_id] = done
            deadline = time.perf_counter() + 5
            while time.perf_counter() < deadline and not all(row_id in got for got in received):  # noqa: ASYNC110  (the listeners fill `received`)
                await asyncio.sleep(0.01)
        for n in range(clients):
            for row_id, at in committed.items():
                if row_id in received[n]:
                    latencies.append(received[n][row_id] - at)
                else:
                    missed += 1
        for task in listeners:
            task.cancel()
        for ws in sockets:
            await ws.close()
    await engine.dispose()
    return latencies, missed


async def run(args: argparse.Namespace) -> int:
    from api.views import offer_row  # noqa: F401  (the module the answer is built with)
    from core.config import load_settings
    from sandbox.telegram import TelegramSandbox

    name = f"koxx_bench_api_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(_url("postgres", "postgresql"))
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    db_url = _url(name, "postgresql+asyncpg")
    tg = TelegramSandbox()
    await tg.start()
    children: list[asyncio.subprocess.Process] = []
    try:
        tg.add_bot(TRADERS_TOKEN)
        tg.add_bot(ADMIN_TOKEN)
        offer_ids = await _prepare(db_url)
        secret = secrets.token_urlsafe(32)
        web_port, bare_port = _free_port(), _free_port()
        config = {
            "telegram_api_url": tg.url, "bot_token": TRADERS_TOKEN, "admin_bot_token": ADMIN_TOKEN,
            "database_url": db_url, "redis_url": REDIS_URL, "redis_prefix": f"koxx_bench:{uuid.uuid4().hex[:8]}",
            "web_port": web_port, "data_dir": f"/tmp/{name}", "tron_node_port": 0, "tron_block_seconds": 0,
            "wallet_xpub": _dev_xpub(), "api_jwt_secret": secret,
            "api_rate_per_ip": 10**9, "api_rate_per_user": 10**9,  # the limiter runs, never refuses
        }  # fmt: skip
        children.append(await _start_child("market", {**config, "role": "web"}))
        children.append(await _start_child("market", {**config, "role": "worker", "web_port": 0}))
        from api.tokens import access_token

        token = access_token(load_settings(api_jwt_secret=secret), BUYER)
        headers = {"Authorization": f"Bearer {token}"}
        base = f"http://127.0.0.1:{web_port}"
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
            async with http.get(f"{base}/api/offers", headers=headers) as answer:
                page = await answer.json()
                assert answer.status == 200 and len(page["items"]) == MAKERS, page
            children.append(await _start_bare({"web_port": bare_port, "page": json.dumps(page)}))
            results = {}
            for label, url in (("GET /api/offers", f"{base}/api/offers"), ("bare aiohttp JSON", f"http://127.0.0.1:{bare_port}/api/offers")):
                await _closed_loop(http, url, headers, args.requests // 10, args.concurrency)  # warm-up
                results[label] = await _closed_loop(http, url, headers, args.requests, args.concurrency)
        live = await _live(db_url, base, token, offer_ids, args.ws, args.rounds) if args.ws else None
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

    print(f"{args.requests} requests at concurrency {args.concurrency}, a page of {MAKERS} offers")
    for label, (rate, latencies, errors) in results.items():
        print(f"  {label:18s} {rate:8.1f} requests/s  p50 {_pct(latencies, 0.5):6.1f} ms  "
              f"p99 {_pct(latencies, 0.99):6.1f} ms  errors {errors}")  # fmt: skip
    ratio = results["GET /api/offers"][0] / results["bare aiohttp JSON"][0]
    print(f"  ratio API / bare: {ratio:.2f} (goal >= 0.5)")
    failed = sum(r[2] for r in results.values())
    if live is not None:
        latencies, missed = live
        print(f"  {args.ws} WebSocket clients, {args.rounds} offer updates: from commit to offer.updated "
              f"p50 {_pct(latencies, 0.5):.0f} ms  p99 {_pct(latencies, 0.99):.0f} ms  max {_pct(latencies, 1):.0f} ms "
              f"(goal p99 < 500 ms); missed {missed}")  # fmt: skip
        failed += missed
    return 0 if failed == 0 else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--ws", type=int, default=1000, help="WebSocket clients (0: skip)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child_main()
        return 0
    import uvloop

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
