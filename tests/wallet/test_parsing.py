"""Deposit parsing from the node's JSON shapes (hex form, as TRON.md describes them)."""

import json

import msgspec
import pytest

from core.money import Asset
from core.wallet.addresses import body, hex41
from core.wallet.parsing import (
    TRANSFER_TOPIC,
    block_ref,
    decode_blocks,
    decode_infos,
    token_transfers,
    trx_transfers,
)

USDT = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
OURS = "TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH"
OTHER = "TSeJkUh4Qv67VNFwY8LaAxERygNdy6NQZK"
SENDER = "TY72iA3SBtrds3QLYsS7LwYfkzXwAXCRWT"
WATCHED = {body(OURS)}


def decoded(infos: list) -> list:
    """Through the scanner's own decoder, from JSON bytes as the node sends them."""
    return decode_infos(msgspec.json.encode(infos))


def one_block(block: dict):
    [decoded_block] = decode_blocks(msgspec.json.encode({"block": [block]}))
    return decoded_block


def word(address: str) -> str:
    return "0" * 24 + body(address).hex()


def log(to: str, amount: int, contract: str = USDT, sender: str = SENDER) -> dict:
    return {
        "address": body(contract).hex(),
        "topics": [TRANSFER_TOPIC, word(sender), word(to)],
        "data": f"{amount:064x}",
    }


def info(txid: str, logs: list, receipt: str = "SUCCESS", **extra) -> dict:
    return {"id": txid, "blockNumber": 7, "receipt": {"result": receipt}, "log": logs, **extra}


def test_usdt_transfer_events_to_watched_addresses():
    infos = [
        info("a" * 64, [log(OURS, 5_000_000)]),
        info("b" * 64, [log(OTHER, 9_000_000)]),
        # a contract that moves USDT twice (e.g. transferFrom in a router): both events count
        info("c" * 64, [log(OTHER, 1), log(OURS, 7_000_000, sender=OTHER)]),
        # another token's Transfer to our address is not USDT
        info("d" * 64, [log(OURS, 3_000_000, contract=SENDER)]),
        info("e" * 64, []),
    ]
    found = list(token_transfers(decoded(infos), body(USDT), WATCHED))
    assert [(t.txid, t.event_index, t.amount, t.asset) for t in found] == [
        ("a" * 64, 0, 5_000_000, Asset.USDT),
        ("c" * 64, 1, 7_000_000, Asset.USDT),
    ]
    assert found[0].to == body(OURS) and found[0].sender == body(SENDER)
    assert found[1].sender == body(OTHER)


def test_failed_transactions_are_ignored():
    infos = [
        info("a" * 64, [log(OURS, 5_000_000)], receipt="REVERT"),
        info("b" * 64, [log(OURS, 5_000_000)], receipt="OUT_OF_ENERGY"),
        info("c" * 64, [log(OURS, 5_000_000)], result="FAILED"),
        info("d" * 64, [log(OURS, 5_000_000)], receipt="SUCCESS"),
    ]
    assert [t.txid for t in token_transfers(decoded(infos), body(USDT), WATCHED)] == ["d" * 64]


def test_recipient_word_carrying_the_41_byte_and_odd_logs():
    with41 = log(OURS, 2_000_000)
    with41["topics"][2] = "0" * 22 + hex41(OURS)
    approval = log(OURS, 1_000_000)
    approval["topics"][0] = "8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925"
    zero = log(OURS, 0)
    huge = log(OURS, 2**200)
    found = list(
        token_transfers(decoded([info("a" * 64, [approval, zero, huge, with41])]), body(USDT), WATCHED)
    )
    assert [(t.event_index, t.amount) for t in found] == [(3, 2_000_000)]


def tx(txid: str, to: str, amount: int, ret: str = "SUCCESS", kind: str = "TransferContract") -> dict:
    return {
        "txID": txid,
        "ret": [{"contractRet": ret}],
        "raw_data": {
            "contract": [
                {
                    "type": kind,
                    "parameter": {
                        "value": {"owner_address": hex41(SENDER), "to_address": hex41(to), "amount": amount},
                        "type_url": f"type.googleapis.com/protocol.{kind}",
                    },
                }
            ]
        },
    }


def test_trx_transfers_to_watched_addresses():
    block = {
        "blockID": "0" * 8 + "1" * 56,
        "block_header": {"raw_data": {"number": 7, "parentHash": "2" * 64}},
        "transactions": [
            tx("a" * 64, OURS, 3_000_000),
            tx("b" * 64, OTHER, 3_000_000),
            tx("c" * 64, OURS, 3_000_000, ret="REVERT"),
            tx("d" * 64, OURS, 3_000_000, kind="TransferAssetContract"),
        ],
    }
    found = list(trx_transfers(one_block(block), WATCHED))
    assert [(t.txid, t.event_index, t.asset, t.amount, t.sender) for t in found] == [
        ("a" * 64, 0, Asset.TRX, 3_000_000, body(SENDER))
    ]
    ref = block_ref(one_block(block))
    assert (ref.num, ref.hash, ref.parent) == (7, "0" * 8 + "1" * 56, "2" * 64)


def test_empty_block():
    block = {"blockID": "9" * 64, "block_header": {"raw_data": {"number": 1}}}
    assert list(trx_transfers(one_block(block), WATCHED)) == []


# ---- decoding whole answers --------------------------------------------------------------------


def make_block(num: int, parent: str, txs: list) -> dict:
    block_id = f"{num:016x}" + f"{num * 7919:048x}"
    return {
        "blockID": block_id,
        "block_header": {
            "raw_data": {"number": num, "parentHash": parent, "timestamp": 3000 * num},
            "witness_signature": "ab" * 65,
        },
        "transactions": txs,
    }


@pytest.mark.parametrize("layout", ["compact", "indented", "header first", "shuffled"])
def test_a_batch_decodes_in_block_order_whatever_the_layout(layout):
    blocks, parent = [], "0" * 64
    for num in range(10, 14):
        txs = [tx(f"{num:02d}" + "a" * 62, OTHER, 1_000_000 + num)]
        if num in (11, 13):
            txs.append(tx(f"{num:02d}" + "b" * 62, OURS, 2_000_000 + num))
        blocks.append(make_block(num, parent, txs))
        parent = blocks[-1]["blockID"]
    shown = list(blocks)
    if layout == "header first":
        shown = [
            {"block_header": b["block_header"], "transactions": b["transactions"], "blockID": b["blockID"]}
            for b in blocks
        ]
    if layout == "shuffled":
        shown = [blocks[2], blocks[0], blocks[3], blocks[1]]
    text = json.dumps({"block": shown}, indent=2 if layout == "indented" else None).encode()
    got = decode_blocks(text)
    assert [block_ref(b).num for b in got] == [10, 11, 12, 13]
    assert [block_ref(b).parent for b in got[1:]] == [b["blockID"] for b in blocks[:-1]]
    amounts = [t.amount for b in got for t in trx_transfers(b, WATCHED)]
    assert amounts == [2_000_011, 2_000_013]


def test_empty_answers():
    assert decode_blocks(b"{}") == []
    assert decode_blocks(b'{"block": []}') == []
    assert decode_infos(b"[]") == [] and decode_infos(b"{}") == []


def test_block_zero_has_no_number_field():
    genesis = {"blockID": "0" * 64, "block_header": {"raw_data": {"timestamp": 1}}}
    assert block_ref(one_block(genesis)).num == 0


def test_a_transfer_without_a_result_is_not_counted():
    unexecuted = tx("f" * 64, OURS, 3_000_000)
    del unexecuted["ret"]
    block = {"blockID": "1" * 64, "block_header": {"raw_data": {"number": 5}}, "transactions": [unexecuted]}
    assert list(trx_transfers(one_block(block), WATCHED)) == []
