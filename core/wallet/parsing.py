"""Finding deposits in the node's JSON (blocks and transaction infos, hex form: visible=false).

USDT transfers are read from the Transfer events in transaction-info logs, so transferFrom and
transfers made by other contracts count too; TRX transfers from TransferContract transactions.
Only successful transactions count. Pure functions: the scanner fetches, these parse.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

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
