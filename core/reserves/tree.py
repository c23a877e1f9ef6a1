"""The liabilities tree: a Merkle-sum tree over every user's amounts, all assets in one tree.

The byte layout (docs/proof-of-reserves.md is the specification; core/reserves/verify_reserves.py checks
it with the standard library only):

    record   = hash (32 bytes) || sum of asset 1 (uint64 big-endian) || ... || sum of asset k
    leaf     = SHA-256(0x00 || nonce (32) || user id (uint64 BE) || amount 1 (uint64 BE) || ...)
               its record carries the user's amounts as its sums
    node     = SHA-256(0x01 || left record || right record)
               its record carries left + right per asset
    padding  = the record of 32 zero bytes and zero sums, paired with the last node of a level
               with an odd number of nodes

Every level is stored as its records laid end to end (``Tree.levels[0]`` the leaves, the last
level the root alone), so a sibling is a slice at ``index * record size``. A tree has at least one
level above the leaves. Nonces are ``HMAC-SHA256(secret, snapshot id || user id)`` (both uint64
BE): only the user is given theirs, so nobody can test a guessed balance against a sibling hash;
the leaves are shuffled with a seed derived from the same secret, so positions tell nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

HASH = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
UINT64_MAX = 2**64 - 1
FORMAT = "koxx-por-v1"


def record_size(assets: int) -> int:
    return HASH + 8 * assets


def shuffle_seed(secret: bytes, snapshot_id: int) -> bytes:
    return hmac.digest(secret, b"shuffle" + struct.pack(">Q", snapshot_id), "sha256")


@dataclass(frozen=True, slots=True)
class Leaf:
    user_id: int
    amounts: tuple[int, ...]  # micro units, in the order of the tree's assets


@dataclass
class Tree:
    assets: tuple[str, ...]
    levels: list[bytes]  # records end to end; levels[0]: the leaves, levels[-1]: the root
    order: list[int]  # user ids in leaf order
    nonces: list[bytes]  # in leaf order

    @property
    def root(self) -> bytes:
        return self.levels[-1][:HASH]

    @property
    def sums(self) -> tuple[int, ...]:
        return unpack_sums(self.levels[-1][HASH : record_size(len(self.assets))])

    @property
    def depth(self) -> int:
        return len(self.levels) - 1


def unpack_sums(raw: bytes) -> tuple[int, ...]:
    return struct.unpack(f">{len(raw) // 8}Q", raw)


def build(leaves: list[Leaf], assets: Sequence[str], *, secret: bytes, snapshot_id: int) -> Tree:
    """The tree of ``leaves`` (shuffled here, with a seed from ``secret`` and the snapshot)."""
    k = len(assets)
    shuffled = list(leaves)
    random.Random(shuffle_seed(secret, snapshot_id)).shuffle(shuffled)
    pack_record = struct.Struct(f">{HASH}s{k}Q").pack
    pack_leaf = struct.Struct(f">Q{k}Q").pack
    sha256 = hashlib.sha256
    try:  # user id || amounts (uint64 BE): struct refuses a negative amount or one of 2^64 or more
        bodies = [pack_leaf(leaf.user_id, *leaf.amounts) for leaf in shuffled]
    except struct.error as exc:
        raise ValueError(f"each user's amounts must be {k} integers in [0, 2^64): {exc}") from None
    nonce_base = hmac.new(secret, struct.pack(">Q", snapshot_id), "sha256")  # then || user id
    nonces = []
    for body in bodies:
        mac = nonce_base.copy()
        mac.update(body[:8])
        nonces.append(mac.digest())
    # a leaf's record: its hash, then its amounts (the body's bytes after the user id)
    records = [
        sha256(LEAF_PREFIX + nonce + body).digest() + body[8:]
        for nonce, body in zip(nonces, bodies, strict=True)
    ]
    del bodies
    sums = [list(column) for column in zip(*(leaf.amounts for leaf in shuffled), strict=True)] or [
        [] for _ in assets
    ]
    levels = [b"".join(records)]
    size = record_size(k)
    padding = bytes(size)
    while len(levels) == 1 or len(records) > 1:
        current = levels[-1]
        while len(current) < 2 * size or (len(current) // size) % 2:
            current += padding
            for column in sums:
                column.append(0)
        pair = 2 * size
        hashes = [sha256(NODE_PREFIX + current[i : i + pair]).digest() for i in range(0, len(current), pair)]
        sums = [[a + b for a, b in zip(column[0::2], column[1::2], strict=True)] for column in sums]
        for column in sums:
            if column and max(column) > UINT64_MAX:
                raise ValueError("a sum does not fit in 64 bits")
        records = [pack_record(h, *s) for h, *s in zip(hashes, *sums, strict=True)]
        levels.append(b"".join(records))
    return Tree(tuple(assets), levels, [leaf.user_id for leaf in shuffled], nonces)


def path(levels: Sequence[bytes], index: int, assets: int) -> list[dict[str, Any]]:
    """The siblings from the leaf at ``index`` up to the root's children, each as hex hash and sums.
    ``levels`` are the stored levels below the root (a missing sibling is the padding record)."""
    size = record_size(assets)
    out = []
    for level in levels:
        sibling = index ^ 1
        out.append(step(level[sibling * size : (sibling + 1) * size], size))
        index //= 2
    return out


def document(proof: dict[str, Any]) -> str:
    """A proof as the JSON file users are given: one key per line, one path step per line (about
    2.7 KB for a million users; indented JSON would pass 3 KB)."""
    compact = (",", ":")
    lines = []
    for key, value in proof.items():
        if key == "path":
            steps = ",\n".join(json.dumps(s, separators=compact) for s in value)
            lines.append(f'"path":[\n{steps}\n]')
        else:
            lines.append(f"{json.dumps(key)}:{json.dumps(value, separators=compact)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def step(raw: bytes, size: int) -> dict[str, Any]:
    """One sibling of a proof's path; an empty ``raw`` (beyond the level's end) is the padding."""
    raw = raw or bytes(size)
    return {"hash": raw[:HASH].hex(), "sums": list(unpack_sums(raw[HASH:]))}
