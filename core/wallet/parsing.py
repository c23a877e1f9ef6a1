"""Finding deposits in the node's JSON (blocks and transaction infos, hex form: visible=false).

USDT transfers are read from the Transfer events in transaction-info logs, so transferFrom and
transfers made by other contracts count too; TRX transfers from TransferContract transactions.
Only successful transactions count. Pure functions: the scanner fetches, these parse.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from core.money import Asset

TRANSFER_TOPIC = "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
MAX_AMOUNT = 2**63 - 1  # what a BIGINT holds; larger "amounts" are not real deposits


@dataclass(frozen=True, slots=True)
class Transfer:
    txid: str
    event_index: int  # index of the log in its transaction (USDT); 0 for a TRX transfer
    asset: Asset
    to: bytes  # 20-byte address body
    sender: bytes | None
    amount: int


@dataclass(frozen=True, slots=True)
class BlockRef:
    num: int
    hash: str
    parent: str


def block_ref(block: dict[str, Any]) -> BlockRef:
    raw = block["block_header"]["raw_data"]
    return BlockRef(num=int(raw.get("number", 0)), hash=block["blockID"], parent=raw.get("parentHash", ""))


def _body20(word: str) -> bytes | None:
    """The last 20 bytes of a 32-byte topic word or a 21-byte ``41`` address, in hex."""
    try:
        raw = bytes.fromhex(word[-40:])
    except ValueError:
        return None
    return raw if len(raw) == 20 else None


def trx_transfers(block: dict[str, Any], watched: Container[bytes]) -> Iterator[Transfer]:
    """Successful TRX transfers (TransferContract) in a block to a watched address."""
    for tx in block.get("transactions") or ():
        contracts: list[dict[str, Any]] = tx.get("raw_data", {}).get("contract") or []
        if len(contracts) != 1 or contracts[0].get("type") != "TransferContract":
            continue
        ret: list[dict[str, Any]] = tx.get("ret") or [{}]
        if ret[0].get("contractRet", "SUCCESS") != "SUCCESS":
            continue
        value = contracts[0].get("parameter", {}).get("value", {})
        to = _body20(value.get("to_address", ""))
        if to is None or to not in watched:
            continue
        amount = int(value.get("amount", 0))
        if 0 < amount <= MAX_AMOUNT:
            yield Transfer(tx["txID"], 0, Asset.TRX, to, _body20(value.get("owner_address", "")), amount)


def token_transfers(
    infos: Iterable[dict[str, Any]], contract: bytes, watched: Container[bytes]
) -> Iterator[Transfer]:
    """Transfer events of the token ``contract`` (20-byte body) to a watched address, from
    successful transactions only."""
    contract_hex = contract.hex()
    for info in infos:
        logs: list[dict[str, Any]] | None = info.get("log")
        if not logs or info.get("result") == "FAILED":
            continue
        if info.get("receipt", {}).get("result") != "SUCCESS":
            continue
        for index, log in enumerate(logs):
            topics: list[str] = log.get("topics") or []
            if len(topics) != 3 or topics[0] != TRANSFER_TOPIC:
                continue
            if log.get("address", "").lower()[-40:] != contract_hex:
                continue
            to = _body20(topics[2])
            if to is None or to not in watched:
                continue
            try:
                amount = int(log.get("data") or "0", 16)
            except ValueError:
                continue
            if 0 < amount <= MAX_AMOUNT:
                yield Transfer(info["id"], index, Asset.USDT, to, _body20(topics[1]), amount)


# ---- the fast path over raw answers -------------------------------------------------------------
#
# Decoding a getblockbylimitnext answer (100 blocks, ~30 MB) costs more than everything else the
# scanner does. Deposits are rare, so the raw bytes are searched first for any address in the
# watched set (a regular expression over the bytes, whitespace-tolerant); only a block (or a
# block's infos) with a candidate is decoded and then parsed exactly as above. The search may
# find too much (another field with the same shape), never too little: a candidate only decides
# whether to decode. Block number, id and parent come from the header fields; whenever the
# answer does not look as expected the whole batch is decoded instead.

_BLOCK_ID = re.compile(rb'"blockID"\s*:\s*"([0-9a-fA-F]{64})"')
_PARENT = re.compile(rb'"parentHash"\s*:\s*"([0-9a-fA-F]{64})"')
_TO_ADDRESS = re.compile(rb'"to_address"\s*:\s*"(?:41)?([0-9a-fA-F]{40})"')
_ADDRESS_WORD = re.compile(rb'"0{24}([0-9a-fA-F]{40})"')


class RawBlock:
    """One block of a batch answer: its header facts, and its JSON decoded only on demand."""

    __slots__ = ("_decoded", "_end", "_start", "_text", "ref")

    def __init__(self, ref: BlockRef, text: bytes, start: int, end: int, decoded: dict[str, Any] | None) -> None:
        self.ref = ref
        self._text, self._start, self._end = text, start, end
        self._decoded = decoded

    def candidates(self) -> Iterator[bytes]:
        """20-byte bodies that may receive TRX in this block."""
        if self._decoded is not None:
            for tx in self._decoded.get("transactions") or ():
                for contract in tx.get("raw_data", {}).get("contract") or ():
                    body = _body20(contract.get("parameter", {}).get("value", {}).get("to_address", ""))
                    if body is not None:
                        yield body
            return
        for hex40 in _TO_ADDRESS.findall(self._text, self._start, self._end):
            yield bytes.fromhex(hex40.decode())

    def decoded(self) -> dict[str, Any]:
        if self._decoded is None:
            self._decoded = self._decode()
        return self._decoded

    def _decode(self) -> dict[str, Any]:
        segment = self._text[self._start : self._end].rstrip().removesuffix(b",").rstrip()
        try:
            block = orjson.loads(segment)
        except orjson.JSONDecodeError:
            block = None
        if isinstance(block, dict) and block.get("blockID") == self.ref.hash:
            return block
        for candidate in _decoded_batch(self._text):  # not the expected shape: decode it all
            if candidate.ref.hash == self.ref.hash:
                return candidate.decoded()
        raise ValueError(f"block {self.ref.hash} is not in its batch")

    def has_tx(self, txid: str) -> bool:
        if self._decoded is not None:
            return any(tx.get("txID") == txid for tx in self._decoded.get("transactions") or ())
        return self._text.find(txid.encode(), self._start, self._end) >= 0


def _decoded_batch(text: bytes) -> list[RawBlock]:
    answer = orjson.loads(text) if text.strip() else {}
    blocks = answer.get("block", []) if isinstance(answer, dict) else []
    out = [RawBlock(block_ref(b), b"", 0, 0, b) for b in blocks]
    return sorted(out, key=lambda b: b.ref.num)


def split_batch(text: bytes) -> list[RawBlock]:
    """The blocks of a getblockbylimitnext answer, in order, without decoding them."""
    ids = list(_BLOCK_ID.finditer(text))
    parents = list(_PARENT.finditer(text))
    if not ids or len(ids) != len(parents):
        return _decoded_batch(text)
    # Each block object begins with "blockID" (java-tron's order): its text runs from the "{"
    # before that key to the "{" of the next block (the last one to the array's "]").
    starts = []
    for match in ids:
        brace = text.rfind(b"{", 0, match.start())
        if brace < 0 or text[brace + 1 : match.start()].strip():
            return _decoded_batch(text)
        starts.append(brace)
    last_end = text.rfind(b"]")
    ends = [*starts[1:], last_end]
    out: list[RawBlock] = []
    for i, (match, parent) in enumerate(zip(ids, parents, strict=True)):
        if not starts[i] < parent.start() < ends[i] or ends[i] <= starts[i]:
            return _decoded_batch(text)
        block_id = match.group(1).decode().lower()
        ref = BlockRef(num=int(block_id[:16], 16), hash=block_id, parent=parent.group(1).decode().lower())
        out.append(RawBlock(ref, text, starts[i], ends[i], None))
    if any(a.ref.num >= b.ref.num for a, b in itertools.pairwise(out)):
        return _decoded_batch(text)
    return out


def raw_trx_transfers(block: RawBlock, watched: Container[bytes]) -> Iterator[Transfer]:
    """``trx_transfers`` of a block, decoding it only if it may hold one."""
    if any(body in watched for body in block.candidates()):
        yield from trx_transfers(block.decoded(), watched)


def raw_token_transfers(infos: bytes, contract: bytes, watched: Container[bytes]) -> Iterator[Transfer]:
    """``token_transfers`` of a gettransactioninfobyblocknum answer, decoding it only if one of
    its 32-byte address words is watched."""
    if any(bytes.fromhex(hex40.decode()) in watched for hex40 in _ADDRESS_WORD.findall(infos)):
        decoded = orjson.loads(infos)
        if isinstance(decoded, list):
            yield from token_transfers(decoded, contract, watched)
