"""The tree against its written specification (docs/proof-of-reserves.md), recomputed here with
hashlib and hmac only: nonces, leaf and node bytes, padding, the shuffle, and what it refuses."""

from __future__ import annotations

import hashlib
import hmac
import json
import struct

import pytest

from core.reserves import tree
from core.reserves.verify_reserves import verify

SECRET = b"spec"
ASSETS = ("USDT", "TRX")


def test_three_leaves_byte_for_byte() -> None:
    leaves = [tree.Leaf(11, (5, 0)), tree.Leaf(22, (7, 3)), tree.Leaf(33, (0, 9))]
    built = tree.build(leaves, ASSETS, secret=SECRET, snapshot_id=4)
    records = []
    for position, uid in enumerate(built.order):
        nonce = hmac.new(SECRET, struct.pack(">QQ", 4, uid), hashlib.sha256).digest()
        assert built.nonces[position] == nonce
        amounts = next(leaf.amounts for leaf in leaves if leaf.user_id == uid)
        digest = hashlib.sha256(b"\x00" + nonce + struct.pack(">QQQ", uid, *amounts)).digest()
        records.append(digest + struct.pack(">QQ", *amounts))
    records.append(bytes(48))  # the padding record pairs with the odd one out
    left = hashlib.sha256(b"\x01" + records[0] + records[1]).digest()
    right = hashlib.sha256(b"\x01" + records[2] + records[3]).digest()

    def sums(a: bytes, b: bytes) -> tuple[int, int]:
        x, y = struct.unpack(">QQ", a[32:]), struct.unpack(">QQ", b[32:])
        return x[0] + y[0], x[1] + y[1]

    upper = [
        left + struct.pack(">QQ", *sums(records[0], records[1])),
        right + struct.pack(">QQ", *sums(records[2], records[3])),
    ]
    root = hashlib.sha256(b"\x01" + upper[0] + upper[1]).digest()
    assert built.levels[0] == b"".join(records[:3]) and built.root == root
    assert built.sums == (12, 12) and built.depth == 2


def test_the_shuffle_differs_per_snapshot_and_repeats_for_the_same() -> None:
    leaves = [tree.Leaf(uid, (uid, 0)) for uid in range(1, 200)]
    first = tree.build(leaves, ASSETS, secret=SECRET, snapshot_id=1)
    assert tree.build(leaves, ASSETS, secret=SECRET, snapshot_id=1).order == first.order
    assert tree.build(leaves, ASSETS, secret=SECRET, snapshot_id=2).order != first.order
    assert first.order != sorted(first.order)


def test_one_user_and_nobody_still_make_a_tree() -> None:
    one = tree.build([tree.Leaf(5, (1, 2))], ASSETS, secret=SECRET, snapshot_id=1)
    assert one.depth == 1 and one.sums == (1, 2)
    size = tree.record_size(2)
    proof = {"format": tree.FORMAT, "assets": list(ASSETS), "user_id": 5, "index": 0, "nonce": one.nonces[0].hex(),
             "amounts": [1, 2], "leaf_hash": one.levels[0][:32].hex(), "path": tree.path(one.levels[:-1], 0, 2),
             "root": tree.step(one.levels[-1], size)}  # fmt: skip
    assert verify(json.loads(tree.document(proof)), one.root)["amounts"] == [1, 2]
    nobody = tree.build([], ASSETS, secret=SECRET, snapshot_id=1)
    assert nobody.depth == 1 and nobody.sums == (0, 0) and nobody.order == []


@pytest.mark.parametrize("amounts", [(-1, 0), (2**64, 0), (1,)])
def test_negative_oversized_or_missing_amounts_are_refused(amounts: tuple[int, ...]) -> None:
    with pytest.raises(ValueError):
        tree.build([tree.Leaf(1, amounts)], ASSETS, secret=SECRET, snapshot_id=1)


def test_the_verifier_imports_the_standard_library_only() -> None:
    import ast
    import sys
    from pathlib import Path

    source = Path(__file__).resolve().parents[2] / "core" / "reserves" / "verify_reserves.py"
    names = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add((node.module or "").split(".")[0])
    assert names and names <= set(sys.stdlib_module_names) | {"__future__"}
