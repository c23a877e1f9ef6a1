"""python -m bench.reserves: the proof-of-reserves tree of 1,000,000 synthetic users.

Builds the liabilities tree (core.reserves.tree: HMAC nonces, the seeded shuffle, leaves, every
level of the Merkle-sum tree with both children's sums in each node) for a synthetic ledger, in
pure Python, and prints the time, the peak memory of the process (resource.getrusage) and the
size of one user's proof (the JSON /proof sends). The reference, measured in the same run, is the
hashing alone: plain hashlib SHA-256 over as many leaf-sized and node-sized inputs as the tree
hashes; the ratio says what the rest (packing, sums, shuffling, nonces) costs on top.

Then, on PostgreSQL (TEST_DATABASE_URL, a scratch database dropped afterwards), what storing that
tree costs (the leaves by COPY, the levels) and one proof read back from it (proof_for: one
sibling slice per level), against its in-memory proof.

Goal: < 60 s and < 1 GB for 1,000,000 users; a proof < 3 KB.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import resource
import sys
import time
import uuid
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from core import migrate
from core.db import make_engine, make_session_factory, transaction
from core.reserves import tree
from core.reserves.models import ReserveSnapshot
from core.reserves.snapshot import proof_for, store
from core.reserves.verify_reserves import verify

SERVER_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")

GOAL_SECONDS = 60
GOAL_MB = 1024
GOAL_PROOF_BYTES = 3 * 1024
ASSETS = ("USDT", "TRX")


def synthetic_ledger(users: int, seed: int = 7) -> list[tree.Leaf]:
    """Users with a mainnet-like spread of balances: most hold a little USDT, some TRX, a few a lot."""
    rng = random.Random(seed)
    ids = rng.sample(range(10**6, 8 * 10**9), users)
    return [
        tree.Leaf(
            uid, (int(rng.paretovariate(1.2) * 20_000_000), rng.choice((0, 0, 0, rng.randrange(10**9))))
        )
        for uid in ids
    ]


def reference_seconds(leaves: int, nodes: int) -> float:
    """Plain SHA-256 of as many leaf inputs (57 bytes) and node inputs (97 bytes) as the tree hashes."""
    leaf, node = bytes(57), bytes(97)
    sha256 = hashlib.sha256
    start = time.perf_counter()
    for _ in range(leaves):
        sha256(leaf).digest()
    for _ in range(nodes):
        sha256(node).digest()
    return time.perf_counter() - start


def proof_of(built: tree.Tree, index: int) -> dict[str, Any]:
    """The proof core.reserves.snapshot.proof_for would send (built from memory, same layout)."""
    size = tree.record_size(len(built.assets))
    record = built.levels[0][index * size : (index + 1) * size]
    return {
        "format": tree.FORMAT,
        "snapshot": {"id": 1, "taken_at": "2026-12-05T00:00:00+00:00", "block": 78_000_000},
        "assets": list(built.assets),
        "decimals": 6,
        "user_id": built.order[index],
        "nonce": built.nonces[index].hex(),
        "amounts": list(tree.unpack_sums(record[tree.HASH :])),
        "index": index,
        "leaf_hash": record[: tree.HASH].hex(),
        "path": tree.path(built.levels[:-1], index, len(built.assets)),
        "root": tree.step(built.levels[-1], size),
    }


async def stored(
    leaves: list[tree.Leaf], built: tree.Tree, index: int
) -> tuple[float, float, dict[str, Any]]:
    """Seconds to store the tree, seconds to read one proof back, and that proof."""
    name = f"koxx_bench_reserves_{uuid.uuid4().hex[:8]}"
    server = make_url(SERVER_URL)
    admin = await asyncpg.connect(
        server.set(drivername="postgresql", database="postgres").render_as_string(False)
    )
    await admin.execute(f'CREATE DATABASE "{name}"')
    engine = make_engine(server.set(drivername="postgresql+asyncpg", database=name).render_as_string(False))
    try:
        await migrate.upgrade(engine)
        factory = make_session_factory(engine)
        start = time.perf_counter()
        async with transaction(factory) as session:
            row = ReserveSnapshot(assets=list(ASSETS), owed=list(built.sums), users=len(leaves), platform={},
                                  root=built.root, depth=built.depth)  # fmt: skip
            session.add(row)
            await session.flush()
            await store(session, row.id, built, None)
        store_seconds = time.perf_counter() - start
        start = time.perf_counter()
        async with factory() as session:
            proof = await proof_for(session, built.order[index])
        read_seconds = time.perf_counter() - start
        assert proof is not None
        return store_seconds, read_seconds, proof
    finally:
        await engine.dispose()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reserves")
    parser.add_argument("--users", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    leaves = synthetic_ledger(args.users)

    start = time.perf_counter()
    built = tree.build(leaves, ASSETS, secret=b"bench-secret", snapshot_id=1)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes

    nodes = sum(len(level) for level in built.levels[1:]) // tree.record_size(len(ASSETS))
    reference = reference_seconds(len(leaves), nodes)
    assert built.sums == tuple(sum(column) for column in zip(*(leaf.amounts for leaf in leaves), strict=True))

    proof = proof_of(built, random.Random(1).randrange(len(leaves)))
    verify(proof, built.root)
    sent = len(tree.document(proof).encode())  # what /proof sends
    indented = len(json.dumps(proof, indent=1))

    print(f"tree of {len(leaves):,} users: {seconds:.1f} s (goal < {GOAL_SECONDS} s), depth {built.depth}, "
          f"{nodes:,} inner nodes")  # fmt: skip
    print(f"reference: plain SHA-256 of {len(leaves):,} leaf and {nodes:,} node inputs: {reference:.1f} s; "
          f"ratio tree / reference: {seconds / reference:.2f}x")  # fmt: skip
    print(f"peak memory (RSS, synthetic ledger included): {peak_mb:,.0f} MB (goal < {GOAL_MB} MB)")
    print(
        f"proof: {sent:,} bytes as sent (goal < {GOAL_PROOF_BYTES:,} bytes); indented JSON would be {indented:,}"
    )
    store_seconds, read_seconds, from_db = asyncio.run(stored(leaves, built, proof["index"]))
    same = {k: v for k, v in from_db.items() if k != "snapshot"} == {
        k: v for k, v in proof.items() if k != "snapshot"
    }
    peak_all_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"stored in PostgreSQL (leaves by COPY, levels): {store_seconds:.1f} s; one proof read back: "
          f"{read_seconds * 1000:.0f} ms, {'the same' if same else 'DIFFERENT'} as in memory; "
          f"peak memory with storing: {peak_all_mb:,.0f} MB")  # fmt: skip
    ok = same and seconds < GOAL_SECONDS and peak_mb < GOAL_MB and sent < GOAL_PROOF_BYTES
    print("goals met" if ok else "GOAL MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
