"""Protobuf encoding of TRON's `Transaction.raw` for the few contract types the sandbox speaks.

A transaction id is sha256 of the serialized `Transaction.raw` message (java-tron's
`TransactionCapsule.getTransactionId`), and a signature is made over that id, so the node must
serialize `raw_data` exactly as protobuf does. protobuf is not a dependency of this project (it
is only tronpy's optional `offline` extra), and the messages involved are tiny, so this module
writes the wire format directly: fields in field-number order, proto3 defaults omitted.
Field numbers come from java-tron's `core/Tron.proto` and `core/contract/*.proto`.
"""

from __future__ import annotations

import hashlib
from typing import Any

from tronpy import keys

# Transaction.Contract.ContractType values.
CONTRACT_TYPES = {
    "TransferContract": 1,
    "TriggerSmartContract": 31,
    "FreezeBalanceV2Contract": 54,
    "DelegateResourceContract": 57,
    "UnDelegateResourceContract": 58,
}
RESOURCE_CODES = {"BANDWIDTH": 0, "ENERGY": 1}


_SMALL = [bytes((i,)) for i in range(128)]


def _varint(value: int) -> bytes:
    if 0 <= value < 128:
        return _SMALL[value]
    if value < 0:  # int64 negatives are encoded as 10-byte two's complement
        value += 1 << 64
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _int_field(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value) if value else b""


def _bytes_field(number: int, value: bytes) -> bytes:
    return _varint((number << 3) | 2) + _varint(len(value)) + value if value else b""


def _address(value: str) -> bytes:
    if not value:
        return b""
    if len(value) == 42 and value.startswith("41"):
        return bytes.fromhex(value)
    return bytes(keys.to_raw_address(value))


def _contract_value(kind: str, value: dict[str, Any]) -> bytes:
    if kind == "TransferContract":
        return (
            _bytes_field(1, _address(value["owner_address"]))
            + _bytes_field(2, _address(value["to_address"]))
            + _int_field(3, int(value.get("amount", 0)))
        )
    if kind == "TriggerSmartContract":
        return (
            _bytes_field(1, _address(value["owner_address"]))
            + _bytes_field(2, _address(value["contract_address"]))
            + _int_field(3, int(value.get("call_value", 0) or 0))
            + _bytes_field(4, bytes.fromhex(value.get("data", "") or ""))
            + _int_field(5, int(value.get("call_token_value", 0) or 0))
            + _int_field(6, int(value.get("token_id", 0) or 0))
        )
    if kind == "FreezeBalanceV2Contract":
        return (
            _bytes_field(1, _address(value["owner_address"]))
            + _int_field(2, int(value.get("frozen_balance", 0)))
            + _int_field(3, resource_code(value.get("resource")))
        )
    if kind in ("DelegateResourceContract", "UnDelegateResourceContract"):
        code = resource_code(value.get("resource"))
        return (
            _bytes_field(1, _address(value["owner_address"]))
            + _int_field(2, code)
            + _int_field(3, int(value.get("balance", 0)))
            + _bytes_field(4, _address(value["receiver_address"]))
            + _int_field(5, 1 if value.get("lock") else 0)
            + _int_field(6, int(value.get("lock_period", 0) or 0))
        )
    raise ValueError(f"unsupported contract type {kind}")


def resource_code(resource: str | int | None) -> int:
    if resource is None:
        return 0
    return resource if isinstance(resource, int) else RESOURCE_CODES[resource]


def _contract(contract: dict[str, Any]) -> bytes:
    kind = contract["type"]
    if kind not in CONTRACT_TYPES:
        raise ValueError(f"unsupported contract type {kind}")
    parameter = contract["parameter"]
    type_url = parameter.get("type_url") or f"type.googleapis.com/protocol.{kind}"
    any_message = _bytes_field(1, type_url.encode()) + _bytes_field(2, _contract_value(kind, parameter["value"]))
    return (
        _int_field(1, CONTRACT_TYPES[kind])
        + _bytes_field(2, any_message)
        + _int_field(5, int(contract.get("Permission_id", 0) or 0))
    )


def encode_raw(raw_data: dict[str, Any]) -> bytes:
    """Serialize a `raw_data` JSON object (hex or base58 addresses) as protobuf `Transaction.raw`."""
    out = _bytes_field(1, bytes.fromhex(raw_data.get("ref_block_bytes") or ""))
    out += _int_field(3, int(raw_data.get("ref_block_num", 0) or 0))
    out += _bytes_field(4, bytes.fromhex(raw_data.get("ref_block_hash") or ""))
    out += _int_field(8, int(raw_data.get("expiration", 0)))
    out += _bytes_field(10, bytes.fromhex(raw_data.get("data") or ""))
    for contract in raw_data["contract"]:
        out += _bytes_field(11, _contract(contract))
    out += _int_field(14, int(raw_data.get("timestamp", 0) or 0))
    out += _int_field(18, int(raw_data.get("fee_limit", 0) or 0))
    return out


def txid(raw_bytes: bytes) -> str:
    return hashlib.sha256(raw_bytes).hexdigest()


def encode_block_header(
    *, number: int, timestamp: int, parent_hash: bytes, tx_trie_root: bytes, witness: bytes, version: int
) -> bytes:
    """Serialize `BlockHeader.raw`; the block id is the number followed by the tail of its sha256."""
    return (
        _int_field(1, timestamp)
        + _bytes_field(2, tx_trie_root)
        + _bytes_field(3, parent_hash)
        + _int_field(7, number)
        + _bytes_field(9, witness)
        + _int_field(10, version)
    )
