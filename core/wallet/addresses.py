"""TRON address forms and the validation of a withdrawal destination.

Inside the wallet an address is kept as its 20-byte body (the 21-byte hex form without the
``41`` prefix): the form logs carry, compact enough to watch a million addresses in memory.
"""

from __future__ import annotations

import re

from tronpy import keys

from core.errors import DomainError

_HEX64 = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")
_ETH = re.compile(r"^0x[0-9a-fA-F]{40}$")
_BASE58 = re.compile(r"^[1-9A-HJ-NP-Za-km-z]+$")


class InvalidAddress(DomainError):
    """``code`` says what is wrong: address_empty, address_private_key, address_ethereum,
    address_checksum, address_format, address_own, address_contract."""

    code = "invalid_address"


def body(address: str) -> bytes:
    """The 20-byte body of a base58 or 41-hex address."""
    raw: bytes = keys.to_raw_address(address)
    return raw[1:]


def from_body(raw20: bytes) -> str:
    return str(keys.to_base58check_address(b"\x41" + raw20))


def hex41(address: str) -> str:
    return str(keys.to_hex_address(address))


def parse_destination(text: str | None) -> str:
    """Check what a user typed as a withdrawal destination; return the canonical base58 form.

    A 64-hex string is almost certainly a private key pasted by mistake: the error says so and
    carries nothing of the input (it must never be echoed back or logged).
    """
    value = (text or "").strip()
    if not value:
        raise InvalidAddress("address_empty")
    if _HEX64.match(value):
        raise InvalidAddress("address_private_key")
    if _ETH.match(value):
        raise InvalidAddress("address_ethereum")
    if not value.startswith("T") or len(value) != 34 or not _BASE58.match(value):
        raise InvalidAddress("address_format")
    try:
        valid = keys.is_base58check_address(value)
    except (ValueError, IndexError):
        valid = False
    if not valid:
        raise InvalidAddress("address_checksum")
    return value
