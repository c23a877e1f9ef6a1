"""python -m bench.scanner: the deposit scanner over mainnet-like blocks.

The local TRON node runs in its own process (as a real node would) and seals mainnet-like
blocks (a few hundred transactions each, a fifth of them USDT transfers, some transfers of
another token, one transfer per block to one of our users). The scanner watches 1,000,000
addresses: a few real users' HD addresses from the database plus synthetic 20-byte addresses
(deriving a million HD addresses would only benchmark bip_utils). It scans from the first
generated block to the head with the production code path (advisory lock, batch of 100 blocks,
transaction infos per block, PostgreSQL writes and ledger credits) and prints blocks/s, the
multiple of real time (one block per 3 s) and the memory of the address set.

Goal: >= 300x real time, < 300 MB for the address set.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import socket
import subprocess
import sys
import time
import tracemalloc
import uuid
from pathlib import Path

import asyncpg
import httpx
import psutil
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from core import migrate, users
from core.db import make_engine, make_session_factory
from core.wallet.addressbook import AddressBook, deposit_address
from core.wallet.config import WalletConfig
from core.wallet.hd import DEV_MNEMONIC, xpub_from_mnemonic
from core.wallet.models import Deposit
from core.wallet.node import Node
from core.wallet.scanner import Scanner

ROOT = Path(__file__).resolve().parent.parent
SERVER_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
USDT = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
GOAL_MULTIPLE = 300
GOAL_MB = 300


def _url(database: str, driver: str) -> str:
    return (
        make_url(SERVER_URL).set(drivername=driver, database=database).render_as_string(hide_password=False)
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _wait_for(url: str, proc: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(200):
            if proc.poll() is not None:
                raise RuntimeError("the TRON sandbox exited")
            try:
                await client.post(url + "wallet/getnodeinfo")
                return
            except httpx.TransportError:
                await asyncio.sleep(0.05)
    raise RuntimeError("the TRON sandbox did not start")


async def _generate(url: str, blocks: int, txs: int, recipients: list[str]) -> tuple[int, int]:
    """Seal ``blocks`` blocks on the node (in chunks); returns (first block, hits)."""
    hits = 0
    first = -1
    async with httpx.AsyncClient(timeout=600) as client:
        done = 0
        while done < blocks:
            n = min(100, blocks - done)
            answer = (
                await client.post(
                    url + "control/generate_blocks",
                    json={
                        "n": n,
                        "txs_per_block": txs,
                        "usdt_share": 0.2,
                        "recipients": recipients,
                        "hits_per_block": 1,
                    },
                )
            ).json()
            if first < 0:
                first = answer["head"] - n + 1
            hits += len(answer["hits"])
            done += n
    return first, hits


def _address_set(factory_book: AddressBook, synthetic: int, seed: int = 7) -> tuple[float, float]:
    """Fill the set with synthetic bodies; returns (current MB, peak MB) traced while building."""
    rng = random.Random(seed)
    tracemalloc.start()
    for _ in range(synthetic):
        factory_book.add(rng.randbytes(20))
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return current / 2**20, peak / 2**20


async def run(blocks: int, txs: int, watched: int, users_n: int) -> int:
    port = _free_port()
    node_url = f"http://127.0.0.1:{port}/"
    proc = subprocess.Popen(  # noqa: ASYNC220 (started once, before anything is measured)
        [sys.executable, "-m", "sandbox.tron", "--port", str(port), "--block-interval", "0"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    name = f"koxx_bench_scan_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(_url("postgres", "postgresql"))
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    engine = make_engine(_url(name, "postgresql+asyncpg"), pool_size=4)
    node = Node(node_url, timeout=120)
    try:
        await _wait_for(node_url, proc)
        await migrate.upgrade(engine)
        factory = make_session_factory(engine)
        xpub = xpub_from_mnemonic(DEV_MNEMONIC)
        recipients = []
        async with factory() as s, s.begin():
            for uid in range(1, users_n + 1):
                await users.register(s, user_id=uid, username=None, first_name=f"bench{uid}")
                recipients.append(await deposit_address(s, uid, xpub))

        started = time.perf_counter()
        first, hits = await _generate(node_url, blocks, txs, recipients)
        print(f"node sealed {blocks} blocks x {txs} txs in {time.perf_counter() - started:.1f}s", flush=True)

        book = AddressBook()
        current_mb, peak_mb = _address_set(book, watched - users_n)
        async with factory() as s:
            await book.refresh(s)
        assert not gc.is_tracked(book.bodies)  # the collector never walks the million entries
        print(f"address set: {len(book):,} addresses, {current_mb:.1f} MB (peak {peak_mb:.1f} MB)")

        config = WalletConfig(xpub=xpub, usdt_contract=USDT, start_block=first)
        scanner = Scanner(node, config, book)
        server = psutil.Process(proc.pid)
        server_cpu = sum(server.cpu_times()[:2])
        cpu = time.process_time()
        started = time.perf_counter()
        await scanner.run_until_caught_up(factory)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu
        server_cpu = sum(server.cpu_times()[:2]) - server_cpu
        async with factory() as s:
            found = await s.scalar(select(func.count()).select_from(Deposit))
            credited = await s.scalar(
                select(func.count()).select_from(Deposit).where(Deposit.status == "credited")
            )
        rate = blocks / elapsed
        multiple = rate * 3
        print(
            f"scanner: {blocks} blocks ({blocks * txs:,} transactions) in {elapsed:.2f}s: {rate:.0f} blocks/s"
            f" = {multiple:.0f}x real time; deposits found {found}/{hits}, credited {credited}",
            flush=True,
        )
        print(
            f"CPU: scanner {cpu:.2f}s ({blocks / cpu:.0f} blocks per CPU-second), node {server_cpu:.2f}s;"
            f" load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
            flush=True,
        )
        speed_ok, memory_ok = multiple >= GOAL_MULTIPLE, current_mb < GOAL_MB
        print(
            f"goals: >= {GOAL_MULTIPLE}x real time {'OK' if speed_ok else 'NOT MET'}"
            f" ({multiple:.0f}x); address set < {GOAL_MB} MB {'OK' if memory_ok else 'NOT MET'}"
            f" ({current_mb:.0f} MB)",
            flush=True,
        )
        return 0 if found == hits else 1
    finally:
        await node.close()
        await engine.dispose()
        proc.terminate()
        proc.wait(timeout=10)
        conn = await asyncpg.connect(_url("postgres", "postgresql"))
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scanner", description=__doc__.split("\n")[0])
    parser.add_argument("--blocks", type=int, default=1000)
    parser.add_argument("--txs", type=int, default=300, help="transactions per block")
    parser.add_argument("--watched", type=int, default=1_000_000, help="addresses in the watched set")
    parser.add_argument("--users", type=int, default=50, help="real users (HD addresses) receiving deposits")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    return asyncio.run(run(args.blocks, args.txs, args.watched, args.users))


if __name__ == "__main__":
    sys.exit(main())
