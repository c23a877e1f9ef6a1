"""python -m bench.reserves: the proof-of-reserves tree of 1,000,000 synthetic users.

Builds the liabilities tree (core.reserves.tree: HMAC nonces, the seeded shuffle, leaves, every
level of the Merkle-sum tree with both children's sums in each node) for a synthetic ledger, in
pure Python, and prints the time, the peak memory of the process (resource.getrusage) and the
size of one user's proof (the JSON /proof sends). The reference, measured in the same run, is the
hashing alone: plain hashlib SHA-256 over as many leaf-sized and node-sized inputs as the tree
hashes; the ratio says what the rest (packing, sums, shuffling, nonces) costs on top.

Goal: < 60 s and < 1 GB for 1,000,000 users; a proof < 3 KB.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import resource
import sys
import time

from core.reserves import tree
from tools.verify_reserves import verify

GOAL_SECONDS = 60
GOAL_MB = 1024
GOAL_PROOF_BYTES = 3 * 1024
ASSETS = ("USDT", "TRX")


def synthetic_ledger(users: int, seed: int = 7) -> list[tree.Leaf]:
    """Users with a mainnet-like spread of balances: most hold a little USDT, some TRX, a few a lot."""
    rng = random.Random(seed)
    ids = rng.sample(range(10**6, 8 * 10**9), users)
    return [
        tree.Leaf(uid, (int(rng.paretovariate(1.2) * 20_000_000), rng.choice((0, 0, 0, rng.randrange(10**9)))))
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


def proof_of(built: tree.Tree, index: int) -> dict[str, object]:
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
    print(f"proof: {sent:,} bytes as sent (goal < {GOAL_PROOF_BYTES:,} bytes); indented JSON would be {indented:,}")
    ok = seconds < GOAL_SECONDS and peak_mb < GOAL_MB and sent < GOAL_PROOF_BYTES
    print("goals met" if ok else "GOAL MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
