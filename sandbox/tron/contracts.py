"""The smart contracts the sandbox knows: TRC20 tokens (USDT and a decoy) and a payout contract.

There is no TVM here. A call is evaluated against the state and answers what it would do (energy,
balance changes, event logs, return data, or a revert); the chain decides whether it is paid for
and applies it. Energy figures are the mainnet ones for TetherToken: about 65,000 for a transfer
to an address that already holds the token, about 130,000 to one that does not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tronpy import keys
from tronpy.abi import tron_abi

TRANSFER_TOPIC = keys.keccak256(b"Transfer(address,address,uint256)")
APPROVAL_TOPIC = keys.keccak256(b"Approval(address,address,uint256)")

ENERGY_TRANSFER_TO_HOLDER = 64_285
ENERGY_TRANSFER_TO_NEW = 130_285
ENERGY_TRANSFER_FROM_EXTRA = 6_000  # transferFrom also updates the allowance
ENERGY_APPROVE = 22_000
ENERGY_VIEW = 900
ENERGY_REVERT = 1_600
ENERGY_PAYOUT_OVERHEAD = 5_500  # the payout contract's own work around the token call

# Reads state: key -> int (missing keys read 0).
Reader = Callable[[tuple[object, ...]], int]


def selector(signature: str) -> bytes:
    return bytes(keys.keccak256(signature.encode())[:4])


def word(value: int) -> bytes:
    return value.to_bytes(32, "big")


def address_word(address: bytes) -> bytes:
    """A 21-byte (41-prefixed) or 20-byte address as a 32-byte ABI word."""
    return b"\x00" * 12 + address[-20:]


def uint(args: bytes, index: int) -> int:
    return int.from_bytes(args[32 * index : 32 * index + 32], "big")


def word_address(data: bytes) -> bytes:
    """The last 20 bytes of an ABI word as a 21-byte TRON address (mainnet words may carry 41)."""
    return b"\x41" + data[12:32]


@dataclass(slots=True)
class Log:
    address: bytes  # 20 bytes, no 41 prefix (as in transaction info)
    topics: list[bytes]
    data: bytes


@dataclass
class CallResult:
    ok: bool
    energy: int
    deltas: list[tuple[tuple[object, ...], int]] = field(default_factory=list)
    logs: list[Log] = field(default_factory=list)
    output: bytes = b""


def revert(energy: int = ENERGY_REVERT) -> CallResult:
    return CallResult(ok=False, energy=energy)


@dataclass
class Token:
    """A TRC20 token (TetherToken-like): balances live under ("tok", contract, owner)."""

    address: bytes  # 21 bytes
    name: str
    symbol: str
    decimals: int = 6

    def balance_key(self, owner: bytes) -> tuple[object, ...]:
        return ("tok", self.address, owner)

    def allowance_key(self, owner: bytes, spender: bytes) -> tuple[object, ...]:
        return ("allow", self.address, owner, spender)

    def _transfer(self, read: Reader, sender: bytes, to: bytes, amount: int, extra: int = 0) -> CallResult:
        if amount > read(self.balance_key(sender)) or to == b"\x41" + b"\x00" * 20:
            return revert()
        holder = read(self.balance_key(to)) > 0
        energy = (ENERGY_TRANSFER_TO_HOLDER if holder else ENERGY_TRANSFER_TO_NEW) + extra
        log = Log(self.address[1:], [TRANSFER_TOPIC, address_word(sender), address_word(to)], word(amount))
        deltas = [(self.balance_key(sender), -amount), (self.balance_key(to), amount)]
        return CallResult(ok=True, energy=energy, deltas=deltas, logs=[log], output=word(1))

    def call(self, read: Reader, caller: bytes, data: bytes) -> CallResult:
        sel, args = data[:4], data[4:]
        if sel == SEL_TRANSFER and len(args) >= 64:
            return self._transfer(read, caller, word_address(args[0:32]), uint(args, 1))
        if sel == SEL_TRANSFER_FROM and len(args) >= 96:
            src, to, amount = word_address(args[0:32]), word_address(args[32:64]), uint(args, 2)
            if amount > read(self.allowance_key(src, caller)):
                return revert()
            result = self._transfer(read, src, to, amount, ENERGY_TRANSFER_FROM_EXTRA)
            if result.ok:
                result.deltas.append((self.allowance_key(src, caller), -amount))
            return result
        if sel == SEL_APPROVE and len(args) >= 64:
            spender, amount = word_address(args[0:32]), uint(args, 1)
            key = self.allowance_key(caller, spender)
            log = Log(self.address[1:], [APPROVAL_TOPIC, address_word(caller), address_word(spender)], word(amount))
            return CallResult(True, ENERGY_APPROVE, [(key, amount - read(key))], [log], word(1))
        if sel == SEL_BALANCE_OF and len(args) >= 32:
            return CallResult(True, ENERGY_VIEW, output=word(read(self.balance_key(word_address(args[0:32])))))
        if sel == SEL_ALLOWANCE and len(args) >= 64:
            key = self.allowance_key(word_address(args[0:32]), word_address(args[32:64]))
            return CallResult(True, ENERGY_VIEW, output=word(read(key)))
        if sel == SEL_DECIMALS:
            return CallResult(True, ENERGY_VIEW, output=word(self.decimals))
        if sel == SEL_TOTAL_SUPPLY:
            return CallResult(True, ENERGY_VIEW, output=word(read(("supply", self.address))))
        if sel in (SEL_SYMBOL, SEL_NAME):
            text = self.symbol if sel == SEL_SYMBOL else self.name
            return CallResult(True, ENERGY_VIEW, output=tron_abi.encode(["string"], [text]))
        return revert()


@dataclass
class Payout:
    """A contract that pays out a token it holds (an exchange's or a payroll contract):
    `send(address,uint256)` makes the token emit a Transfer log whose sender is this contract,
    while the transaction itself is a call to this contract, not to the token."""

    address: bytes
    token: Token

    def call(self, read: Reader, caller: bytes, data: bytes) -> CallResult:
        args = data[4:]
        if data[:4] != SEL_PAYOUT_SEND or len(args) < 64:
            return revert()
        to, amount = word_address(args[0:32]), uint(args, 1)
        result = self.token._transfer(read, self.address, to, amount, ENERGY_PAYOUT_OVERHEAD)
        result.output = word(1) if result.ok else b""
        return result


SEL_TRANSFER = selector("transfer(address,uint256)")
SEL_TRANSFER_FROM = selector("transferFrom(address,address,uint256)")
SEL_APPROVE = selector("approve(address,uint256)")
SEL_BALANCE_OF = selector("balanceOf(address)")
SEL_ALLOWANCE = selector("allowance(address,address)")
SEL_DECIMALS = selector("decimals()")
SEL_TOTAL_SUPPLY = selector("totalSupply()")
SEL_SYMBOL = selector("symbol()")
SEL_NAME = selector("name()")
SEL_PAYOUT_SEND = selector("send(address,uint256)")


def _fn(name: str, inputs: list[tuple[str, str]], outputs: list[str], mutability: str) -> dict[str, object]:
    entry: dict[str, object] = {
        "name": name,
        "inputs": [{"name": n, "type": t} for n, t in inputs],
        "outputs": [{"type": t} for t in outputs],
        "type": "Function",
        "stateMutability": mutability,
    }
    if not inputs:
        del entry["inputs"]
    return entry


TRC20_ABI: list[dict[str, object]] = [
    _fn("name", [], ["string"], "View"),
    _fn("symbol", [], ["string"], "View"),
    _fn("decimals", [], ["uint8"], "View"),
    _fn("totalSupply", [], ["uint256"], "View"),
    _fn("balanceOf", [("who", "address")], ["uint256"], "View"),
    _fn("allowance", [("_owner", "address"), ("_spender", "address")], ["uint256"], "View"),
    _fn("transfer", [("_to", "address"), ("_value", "uint256")], ["bool"], "Nonpayable"),
    _fn("transferFrom", [("_from", "address"), ("_to", "address"), ("_value", "uint256")], ["bool"], "Nonpayable"),
    _fn("approve", [("_spender", "address"), ("_value", "uint256")], ["bool"], "Nonpayable"),
    {
        "name": "Transfer",
        "type": "Event",
        "inputs": [
            {"indexed": True, "name": "from", "type": "address"},
            {"indexed": True, "name": "to", "type": "address"},
            {"name": "value", "type": "uint256"},
        ],
    },
]

PAYOUT_ABI: list[dict[str, object]] = [
    _fn("send", [("to", "address"), ("amount", "uint256")], ["bool"], "Nonpayable"),
]
