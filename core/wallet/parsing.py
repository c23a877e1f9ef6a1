"""Finding deposits in the node's JSON (blocks and transaction infos, hex form: visible=false).

USDT transfers are read from the Transfer events in transaction-info logs, so transferFrom and
transfers made by other contracts count too; TRX transfers from TransferContract transactions.
Only successful transactions count.

The answers are decoded with msgspec into the small typed shapes below, which name only the
fields the scanner reads: the decoder skips the rest (signatures, raw_data_hex, ...) without
building it, about ten times faster than decoding everything (a batch of 100 mainnet blocks is
about 30 MB of JSON). They hold no references to other objects that could form a cycle, so they
are kept out of the garbage collector (gc=False): a batch makes a quarter of a million of them.
Pure functions: the scanner fetches, these decode and parse.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass

import msgspec

from core.money import Asset

TRANSFER_TOPIC = "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
MAX_AMOUNT = 2**63 - 1  # what a BIGINT holds; larger "amounts" are not real deposits


# ---- the node's shapes (only what is read) ---------------------------------------------------


class ContractValue(msgspec.Struct, gc=False):
    owner_address: str = ""
    to_address: str = ""
    amount: int = 0


class ContractParameter(msgspec.Struct, gc=False):
    value: ContractValue = msgspec.field(default_factory=ContractValue)


class Contract(msgspec.Struct, gc=False):
    type: str = ""
    parameter: ContractParameter = msgspec.field(default_factory=ContractParameter)


class TxRaw(msgspec.Struct, gc=False):
    contract: list[Contract] = []


class TxRet(msgspec.Struct, gc=False):
    contractRet: str = ""


class Tx(msgspec.Struct, gc=False):
    txID: str
    raw_data: TxRaw = msgspec.field(default_factory=TxRaw)
    ret: list[TxRet] = []


class HeaderRaw(msgspec.Struct, gc=False):
    number: int = 0  # java-tron omits it for block 0
    parentHash: str = ""
    timestamp: int = 0  # milliseconds


class Header(msgspec.Struct, gc=False):
    raw_data: HeaderRaw = msgspec.field(default_factory=HeaderRaw)


class Block(msgspec.Struct, gc=False):
    blockID: str
    block_header: Header = msgspec.field(default_factory=Header)
    transactions: list[Tx] = []


class Batch(msgspec.Struct, gc=False):
    block: list[Block] = []


class Log(msgspec.Struct, gc=False):
    address: str = ""
    topics: list[str] = []
    data: str = ""


class Receipt(msgspec.Struct, gc=False):
    result: str = ""


class Info(msgspec.Struct, gc=False):
    id: str
    log: list[Log] = []
    receipt: Receipt = msgspec.field(default_factory=Receipt)
    result: str = ""  # "FAILED" when the transaction failed


_batch = msgspec.json.Decoder(Batch)
_infos = msgspec.json.Decoder(list[Info])


def decode_blocks(answer: bytes) -> list[Block]:
    """A getblockbylimitnext answer ({} when out of range), in block order."""
    return sorted(_batch.decode(answer).block, key=lambda b: b.block_header.raw_data.number)


def decode_infos(answer: bytes) -> list[Info]:
    """A gettransactioninfobyblocknum answer ([] for an empty block)."""
    text = answer.strip()
    if not text or text == b"{}":
        return []
    return _infos.decode(text)


# ---- deposits ---------------------------------------------------------------------------------


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


def block_ref(block: Block) -> BlockRef:
    raw = block.block_header.raw_data
    return BlockRef(num=raw.number, hash=block.blockID, parent=raw.parentHash)


def _body20(word: str) -> bytes | None:
    """The last 20 bytes of a 32-byte topic word or a 21-byte ``41`` address, in hex."""
    try:
        raw = bytes.fromhex(word[-40:])
    except ValueError:
        return None
    return raw if len(raw) == 20 else None


def trx_transfers(block: Block, watched: Container[bytes]) -> Iterator[Transfer]:
    """Successful TRX transfers (TransferContract) in a block to a watched address."""
    for tx in block.transactions:
        contracts = tx.raw_data.contract
        if len(contracts) != 1 or contracts[0].type != "TransferContract":
            continue
        if not tx.ret or tx.ret[0].contractRet != "SUCCESS":
            continue
        value = contracts[0].parameter.value
        to = _body20(value.to_address)
        if to is None or to not in watched:
            continue
        if 0 < value.amount <= MAX_AMOUNT:
            yield Transfer(tx.txID, 0, Asset.TRX, to, _body20(value.owner_address), value.amount)


def token_transfers(infos: Iterable[Info], contract: bytes, watched: Container[bytes]) -> Iterator[Transfer]:
    """Transfer events of the token ``contract`` (20-byte body) to a watched address, from
    successful transactions only."""
    contract_hex = contract.hex()
    for info in infos:
        if not info.log or info.result == "FAILED" or info.receipt.result != "SUCCESS":
            continue
        for index, log in enumerate(info.log):
            topics = log.topics
            if len(topics) != 3 or topics[0] != TRANSFER_TOPIC:
                continue
            if log.address.lower()[-40:] != contract_hex:
                continue
            to = _body20(topics[2])
            if to is None or to not in watched:
                continue
            try:
                amount = int(log.data or "0", 16)
            except ValueError:
                continue
            if 0 < amount <= MAX_AMOUNT:
                yield Transfer(info.id, index, Asset.USDT, to, _body20(topics[1]), amount)
