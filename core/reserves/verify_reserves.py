#!/usr/bin/env python3
"""Check a KOXX proof of reserves: that your balance is in the published liabilities tree.

    python3 verify_reserves.py proof.json ROOT

proof.json: the file /proof sent you; ROOT: the root hash (64 hex digits) posted in the payments
channel. Prints your amounts and the tree's totals, then OK, or FAILED naming the step that
failed. Exit status 0 (OK), 1 (FAILED), 2 (the files or arguments could not be read).

Standard library only, one file: read it, copy it, run it anywhere with Python 3.10 or newer.
The layout it checks is specified in docs/proof-of-reserves.md:

    leaf = SHA-256(0x00 || nonce (32 bytes) || user id (uint64 BE) || amount per asset (uint64 BE))
    node = SHA-256(0x01 || left hash || left sums (uint64 BE each) || right hash || right sums)
"""

from __future__ import annotations

import hashlib
import json
import struct
import sys
from decimal import Decimal
from typing import Any

FORMAT = "koxx-por-v1"
UINT64_MAX = 2**64 - 1


class Failed(Exception):
    def __init__(self, step: str, why: str) -> None:
        super().__init__(f"{step}: {why}")
        self.step = step


def _hex32(value: Any, what: str, step: str) -> bytes:
    if not isinstance(value, str) or len(value) != 64:
        raise Failed(step, f"{what} is not 64 hex digits")
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise Failed(step, f"{what} is not 64 hex digits") from None


def _amounts(values: Any, count: int, what: str, step: str) -> list[int]:
    if not isinstance(values, list) or len(values) != count:
        raise Failed(step, f"{what} must list {count} amounts")
    for value in values:
        if type(value) is not int:
            raise Failed(step, f"{what}: {value!r} is not a whole number of micro units")
        if value < 0:
            raise Failed(step, f"{what}: {value} is negative (a negative amount would hide liabilities)")
        if value > UINT64_MAX:
            raise Failed(step, f"{what}: {value} does not fit in 64 bits")
    return list(values)


def _record(digest: bytes, sums: list[int]) -> bytes:
    return digest + struct.pack(f">{len(sums)}Q", *sums)


def _units(micro: int, decimals: int) -> str:
    return f"{Decimal(micro).scaleb(-decimals):.{decimals}f}"


def verify(proof: Any, published_root: bytes) -> dict[str, Any]:
    """The checks, in order; returns the proof's facts, raises Failed at the first failing step."""
    step = "format"
    if not isinstance(proof, dict) or proof.get("format") != FORMAT:
        raise Failed(step, f"not a {FORMAT} proof")
    assets = proof.get("assets")
    if not isinstance(assets, list) or not assets or not all(isinstance(a, str) for a in assets):
        raise Failed(step, "assets must be a list of names")
    k = len(assets)
    decimals = proof.get("decimals", 6)
    user_id, index, path = proof.get("user_id"), proof.get("index"), proof.get("path")
    if type(user_id) is not int or not 0 <= user_id <= UINT64_MAX:
        raise Failed(step, "user_id must be a whole number")
    if not isinstance(path, list) or not path:
        raise Failed(step, "path must be a non-empty list")
    if type(index) is not int or not 0 <= index < 2 ** len(path):
        raise Failed(step, "index must be a whole number below 2^(length of the path)")
    if type(decimals) is not int or not 0 <= decimals <= 18:
        raise Failed(step, "decimals must be a small whole number")

    step = "leaf"
    nonce = _hex32(proof.get("nonce"), "nonce", step)
    amounts = _amounts(proof.get("amounts"), k, "amounts", step)
    digest = hashlib.sha256(b"\x00" + nonce + struct.pack(f">{1 + k}Q", user_id, *amounts)).digest()
    if digest != _hex32(proof.get("leaf_hash"), "leaf_hash", step):
        raise Failed(
            step,
            "the leaf's hash does not match its nonce, user id and amounts "
            "(one of them was changed, or the proof is not yours)",
        )
    sums = list(amounts)

    for level, sibling in enumerate(path, 1):
        step = f"path step {level} of {len(path)}"
        if not isinstance(sibling, dict):
            raise Failed(step, "each step must have a hash and sums")
        other = _hex32(sibling.get("hash"), "the sibling's hash", step)
        other_sums = _amounts(sibling.get("sums"), k, "the sibling's sums", step)
        mine = _record(digest, sums)
        theirs = _record(other, other_sums)
        left, right = (theirs, mine) if index & 1 else (mine, theirs)
        digest = hashlib.sha256(b"\x01" + left + right).digest()
        sums = [a + b for a, b in zip(sums, other_sums, strict=True)]
        if max(sums) > UINT64_MAX:
            raise Failed(step, "a sum does not fit in 64 bits")
        index >>= 1

    step = "sums"
    root = proof.get("root")
    if not isinstance(root, dict):
        raise Failed("format", "root must have a hash and sums")
    stated = _amounts(root.get("sums"), k, "the root's sums", step)
    if sums != stated:
        raise Failed(
            step, f"the path adds up to {sums} but the root states {stated} (a sibling's sum was changed)"
        )

    step = "root"
    if digest != _hex32(root.get("hash"), "the proof's root hash", step):
        raise Failed(
            step, "the path does not lead to the proof's root hash (a sibling's hash or sum was changed)"
        )
    if digest != published_root:
        raise Failed(step, "the proof's root is not the published root (another snapshot, or a forged proof)")
    return {
        "assets": assets,
        "decimals": decimals,
        "amounts": amounts,
        "totals": sums,
        "user_id": user_id,
        "snapshot": proof.get("snapshot"),
    }


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    try:
        with open(argv[0], encoding="utf-8") as f:
            proof = json.load(f)
        published = bytes.fromhex(argv[1].strip().lower().removeprefix("0x"))
    except (OSError, ValueError) as exc:
        print(f"cannot read the proof or the root: {exc}", file=sys.stderr)
        return 2
    if len(published) != 32:
        print("the published root must be 64 hex digits", file=sys.stderr)
        return 2
    try:
        facts = verify(proof, published)
    except Failed as failed:
        print(f"FAILED at {failed}")
        return 1
    snapshot = facts["snapshot"] if isinstance(facts["snapshot"], dict) else {}
    print(f"Snapshot {snapshot.get('id', '?')} of {snapshot.get('taken_at', '?')}, user {facts['user_id']}")
    for asset, mine, total in zip(facts["assets"], facts["amounts"], facts["totals"], strict=True):
        print(
            f"  {asset}: yours {_units(mine, facts['decimals'])} of {_units(total, facts['decimals'])} owed in total"
        )
    print("OK: your balance is included in the published root")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
