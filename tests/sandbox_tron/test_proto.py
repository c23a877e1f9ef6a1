"""The node's protobuf encoding of raw_data must equal protobuf's own (vectors made with tronpy's
generated tron_pb2 and the protobuf package), or txids and signatures would not agree."""

from __future__ import annotations

import copy

from sandbox.tron import proto
from sandbox.tron.chain import parse_tx

TRANSFER = {
    "contract": [
        {
            "parameter": {
                "value": {
                    "owner_address": "41f2cd810c48c401d392ead3c6e1e1cb9f57750a58",
                    "to_address": "41a614f803b6fd780986a42c78ec9c7f77e6ded13c",
                    "amount": 12_345_678,
                },
                "type_url": "type.googleapis.com/protocol.TransferContract",
            },
            "type": "TransferContract",
        }
    ],
    "ref_block_bytes": "ab12",
    "ref_block_hash": "0011223344556677",
    "expiration": 1795595702617,
    "timestamp": 1795595642617,
}
TRANSFER_HEX = (
    "0a02ab122208001122334455667740d9a2e08ea1345a68080112640a2d747970652e676f6f676c65617069732e636f6d2f70726f"
    "746f636f6c2e5472616e73666572436f6e747261637412330a1541f2cd810c48c401d392ead3c6e1e1cb9f57750a58121541a614"
    "f803b6fd780986a42c78ec9c7f77e6ded13c18cec2f10570f9cddc8ea134"
)
TRANSFER_TXID = "6169150568523ae5a6c0e20b6ce37b098914434d09d2df4915c6ad6625b9abbe"

USDT_TRANSFER = {
    "contract": [
        {
            "parameter": {
                "value": {
                    "owner_address": "41f2cd810c48c401d392ead3c6e1e1cb9f57750a58",
                    "contract_address": "41a614f803b6fd780986a42c78ec9c7f77e6ded13c",
                    "data": "a9059cbb00000000000000000000000049cd61088990840ec1f06a756ce93f2d413eb02d"
                    "00000000000000000000000000000000000000000000000000000000000f4240",
                    "call_value": 0,
                    "call_token_value": 0,
                    "token_id": 0,
                },
                "type_url": "type.googleapis.com/protocol.TriggerSmartContract",
            },
            "type": "TriggerSmartContract",
        }
    ],
    "ref_block_bytes": "0000",
    "ref_block_hash": "c5d223ddabc8e5e8",
    "expiration": 1795595702617,
    "timestamp": 1795595642617,
    "fee_limit": 30_000_000,
}
USDT_HEX = (
    "0a0200002208c5d223ddabc8e5e840d9a2e08ea1345aae01081f12a9010a31747970652e676f6f676c65617069732e636f6d2f70"
    "726f746f636f6c2e54726967676572536d617274436f6e747261637412740a1541f2cd810c48c401d392ead3c6e1e1cb9f57750a"
    "58121541a614f803b6fd780986a42c78ec9c7f77e6ded13c2244a9059cbb00000000000000000000000049cd61088990840ec1f0"
    "6a756ce93f2d413eb02d00000000000000000000000000000000000000000000000000000000000f424070f9cddc8ea134900180"
    "87a70e"
)
USDT_TXID = "8772290b76d2b4215bec2d4eacd1a21a351f6e75ceafffa4aa71173f5bf83317"


def test_trx_transfer_encoding_matches_protobuf() -> None:
    raw = proto.encode_raw(TRANSFER)
    assert raw.hex() == TRANSFER_HEX
    assert proto.txid(raw) == TRANSFER_TXID


def test_usdt_transfer_encoding_matches_protobuf() -> None:
    raw = proto.encode_raw(USDT_TRANSFER)
    assert raw.hex() == USDT_HEX
    assert proto.txid(raw) == USDT_TXID


def test_base58_addresses_give_the_same_txid() -> None:
    visible = copy.deepcopy(USDT_TRANSFER)
    value = visible["contract"][0]["parameter"]["value"]
    value["owner_address"] = "TY72iA3SBtrds3QLYsS7LwYfkzXwAXCRWT"
    value["contract_address"] = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
    tx = parse_tx({"raw_data": visible, "signature": []})
    assert tx.txid == USDT_TXID
    assert tx.raw_hex == USDT_HEX


def test_memo_changes_the_txid() -> None:
    with_memo = dict(TRANSFER, data=b"hello".hex())
    assert proto.txid(proto.encode_raw(with_memo)) != TRANSFER_TXID


def test_delegation_with_memo_and_permission_matches_protobuf() -> None:
    raw = {
        "ref_block_bytes": "0102",
        "ref_block_hash": b"12345678".hex(),
        "expiration": 5,
        "timestamp": 7,
        "data": b"hello".hex(),
        "contract": [
            {
                "type": "DelegateResourceContract",
                "Permission_id": 2,
                "parameter": {
                    "type_url": "type.googleapis.com/protocol.DelegateResourceContract",
                    "value": {
                        "owner_address": "TY72iA3SBtrds3QLYsS7LwYfkzXwAXCRWT",
                        "resource": "ENERGY",
                        "balance": 123456789,
                        "receiver_address": "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
                        "lock": True,
                        "lock_period": 86400,
                    },
                },
            }
        ],
    }
    assert proto.encode_raw(raw).hex() == (
        "0a020102220831323334353637384005520568656c6c6f5a7a083912740a35747970652e676f6f676c65617069732e636f6d2f70"
        "726f746f636f6c2e44656c65676174655265736f75726365436f6e7472616374123b0a1541f2cd810c48c401d392ead3c6e1e1cb"
        "9f57750a58100118959aef3a221541a614f803b6fd780986a42c78ec9c7f77e6ded13c28013080a30528027007"
    )
