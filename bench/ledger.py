"""Ledger throughput against pgbench on the same PostgreSQL server, in one run.

    python -m bench.ledger [--seconds 10] [--clients 16] [--accounts 1000] [--workers 2]

1. Ledger: a scratch database, migrated; ``--accounts`` users funded by one entry; then
   ``--clients`` concurrent clients (spread over ``--workers`` processes, as pgbench spreads its
   clients over -j 2 threads) each loop for ``--seconds``: one transaction with one
   core.ledger.transfer() between two random users, committed. Audited afterwards.
2. pgbench: another scratch database, ``pgbench -i`` (scale 1), then the built-in tpcb-like
   script with ``-c clients -j 2 -T seconds``.
With ``--rounds N`` the two alternate N times (both databases kept between rounds) and the
averages are compared; the ledger is audited at the end. Prints transfers/s, pgbench TPS and
their ratio. Both scratch databases are dropped.

Clients use pool_pre_ping=False unless ``--pre-ping``: with asyncpg a pre-ping costs three
round trips (BEGIN; ping; ROLLBACK) on every checkout, more than the transfer itself.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import re
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from core import migrate
from core.db import make_engine, make_session_factory
from core.errors import InsufficientFunds
from core.ledger import AccountRef, Posting, Purpose, audit, post_entry, transfer
from core.money import Asset

SERVER_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
FUNDING = 10**12


@dataclass
class Options:
    seconds: float
    clients: int
    accounts: int
    workers: int
    pre_ping: bool


def _url(database: str, driver: str) -> str:
    url = make_url(SERVER_URL).set(drivername=driver, database=database)
    return url.render_as_string(hide_password=False)


async def _create_db(prefix: str) -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(_url("postgres", "postgresql"))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return name


async def _drop_db(name: str) -> None:
    conn = await asyncpg.connect(_url("postgres", "postgresql"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


# --- the ledger ---------------------------------------------------------------------------


async def _seed(url: str, accounts: int) -> None:
    engine = make_engine(url)
    try:
        await migrate.upgrade(engine)
        async with make_session_factory(engine)() as s, s.begin():
            postings = [Posting(AccountRef.user(u), Asset.USDT, FUNDING) for u in range(1, accounts + 1)]
            postings.append(Posting(AccountRef.platform(Purpose.DEPOSITS), Asset.USDT, -FUNDING * accounts))
            await post_entry(s, kind="deposit", key="bench:seed", postings=postings)
    finally:
        await engine.dispose()


async def _clients(
    url: str, worker: int, clients: int, accounts: int, seconds: float, pre_ping: bool
) -> tuple[int, int]:
    # No pre-ping unless asked for (see the module docstring).
    engine = make_engine(url, pool_size=clients, max_overflow=0, pool_pre_ping=pre_ping)
    factory = make_session_factory(engine)
    done = refused = 0

    # Connect every client before the clock starts (pgbench does not count connecting either).
    async def connect() -> None:
        async with engine.connect():
            await asyncio.sleep(0.05)

    await asyncio.gather(*(connect() for _ in range(clients)))
    deadline = time.monotonic() + seconds

    async def client(n: int) -> None:
        nonlocal done, refused
        rng = random.Random(worker * 1000 + n)
        i = 0
        while time.monotonic() < deadline:
            a, b = rng.sample(range(1, accounts + 1), 2)
            i += 1
            try:
                async with factory() as s, s.begin():
                    await transfer(
                        s,
                        kind="transfer",
                        key=f"bench:{worker}:{n}:{i}",
                        src=AccountRef.user(a),
                        dst=AccountRef.user(b),
                        asset=Asset.USDT,
                        amount=rng.randint(1, 1_000_000),
                    )
                done += 1
            except InsufficientFunds:
                refused += 1

    try:
        await asyncio.gather(*(client(n) for n in range(clients)))
    finally:
        await engine.dispose()
    return done, refused


def _worker(
    url: str,
    worker: int,
    clients: int,
    opts: Options,
    out: multiprocessing.Queue,  # type: ignore[type-arg]
) -> None:
    out.put(asyncio.run(_clients(url, worker, clients, opts.accounts, opts.seconds, opts.pre_ping)))


async def _audit(url: str) -> tuple[bool, list[str]]:
    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as s:
            report = await audit(s)
    finally:
        await engine.dispose()
    return report.ok, report.violations


def run_ledger(opts: Options, url: str, round_no: int) -> float:
    """One timed run of the ledger clients; returns transfers per second."""
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    split = [
        opts.clients // opts.workers + (1 if w < opts.clients % opts.workers else 0)
        for w in range(opts.workers)
    ]
    procs = [
        ctx.Process(target=_worker, args=(url, round_no * 100 + w, n, opts, out))
        for w, n in enumerate(split)
        if n
    ]
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    done = sum(r[0] for r in results)
    refused = sum(r[1] for r in results)
    rate: float = done / opts.seconds
    print(
        f"ledger: {done} transfers in {opts.seconds:.0f} s by {opts.clients} clients in {len(procs)} "
        f"process(es) over {opts.accounts} accounts, pool_pre_ping={opts.pre_ping} ({refused} refused): "
        f"{rate:.0f} transfers/s",
        flush=True,
    )
    return rate


def check_ledger(url: str) -> None:
    ok, violations = asyncio.run(_audit(url))
    print(f"ledger audit after the runs: {'ok' if ok else 'FAILED'}", flush=True)
    if not ok:
        for line in violations:
            print(f"  VIOLATION: {line}")
        raise SystemExit(1)


# --- pgbench ------------------------------------------------------------------------------


def _pgbench() -> str:
    found = shutil.which("pgbench")
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin/pgbench"), reverse=True):
        return str(candidate)
    raise SystemExit("pgbench not found (install postgresql-client or put it on PATH)")


def _pg_args(database: str) -> list[str]:
    url = make_url(SERVER_URL)
    args = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"]
    return [*args, database]


def _pg_env() -> dict[str, str]:
    env = dict(os.environ)
    password = make_url(SERVER_URL).password
    if password:
        env["PGPASSWORD"] = str(password)
    return env


def init_pgbench(name: str) -> None:
    subprocess.run([_pgbench(), "-i", "-q", *_pg_args(name)], check=True, env=_pg_env(), capture_output=True)


def run_pgbench(opts: Options, name: str) -> float:
    """One timed run of pgbench's built-in tpcb-like script; returns its TPS."""
    result = subprocess.run(
        [_pgbench(), "-c", str(opts.clients), "-j", "2", "-T", str(int(opts.seconds)), *_pg_args(name)],
        check=True,
        env=_pg_env(),
        capture_output=True,
        text=True,
    )
    match = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", result.stdout)
    if not match:
        raise SystemExit(f"could not read pgbench's output:\n{result.stdout}")
    tps = float(match.group(1))
    print(
        f"pgbench: tpcb-like, scale 1, -c {opts.clients} -j 2 -T {int(opts.seconds)}: {tps:.0f} TPS",
        flush=True,
    )
    return tps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ledger", description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2, help="client processes for the ledger side")
    parser.add_argument("--pre-ping", action="store_true", help="ledger clients use pool_pre_ping")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="alternate ledger and pgbench runs this many times (evens out a busy machine)",
    )
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    opts = Options(args.seconds, args.clients, args.accounts, args.workers, args.pre_ping)
    _pgbench()  # fail early if it is missing
    ledger_db = asyncio.run(_create_db("koxx_bench_ledger"))
    pgbench_db = asyncio.run(_create_db("koxx_bench_pgbench"))
    try:
        url = _url(ledger_db, "postgresql+asyncpg")
        asyncio.run(_seed(url, opts.accounts))
        init_pgbench(pgbench_db)
        rates, tpss = [], []
        for round_no in range(args.rounds):
            rates.append(run_ledger(opts, url, round_no))
            tpss.append(run_pgbench(opts, pgbench_db))
        check_ledger(url)
    finally:
        asyncio.run(_drop_db(ledger_db))
        asyncio.run(_drop_db(pgbench_db))
    rate, tps = sum(rates) / len(rates), sum(tpss) / len(tpss)
    ratio = rate / tps if tps else float("nan")
    print(
        f"ledger {rate:.0f} transfers/s / pgbench {tps:.0f} TPS = ratio {ratio:.2f} (goal >= 0.5)", flush=True
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
