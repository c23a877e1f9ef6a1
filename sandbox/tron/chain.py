"""The in-memory chain: state, transaction checks and execution, the pool, blocks, forks.

State is a flat map of integers (TRX balances, token balances, allowances, daily resource
usage) plus the set of activated accounts. Changes are collected as deltas in a `Changes`
layer over the state: the pool keeps one for the checks at broadcast time (so two transfers
cannot spend the same balance), and each block keeps its own, which is applied when the block
is sealed and subtracted again when a fork drops the block. Genesis-style credits (`fund`)
write to the state directly, so they survive forks.
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tronpy import keys

from . import proto
from .contracts import CallResult, Log, Payout, Token

MAINNET_USDT = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
BLOCK_INTERVAL_MS = 3_000
DAY_MS = 86_400_000
MAX_BLOCKS_PER_RANGE = 100
TX_RESULT_OVERHEAD = 64  # java-tron adds this to the serialized size when charging bandwidth
SIGNATURE_SIZE = 67  # 65 bytes plus protobuf tag and length
EXPIRATION_HORIZON_MS = DAY_MS


def raw_address(value: str | bytes) -> bytes:
    """21-byte address (0x41 + 20) from base58, hex (with 41) or raw bytes."""
    if isinstance(value, bytes):
        return value if len(value) == 21 else b"\x41" + value[-20:]
    if len(value) == 42 and value.startswith("41"):
        return bytes.fromhex(value)
    return bytes(keys.to_raw_address(value))


def b58(address: bytes) -> str:
    return str(keys.to_base58check_address(address))


@dataclass
class Params:
    """Chain parameters, as answered by /wallet/getchainparameters (mainnet values)."""

    energy_fee: int = 210  # sun per energy
    transaction_fee: int = 1_000  # sun per byte of bandwidth
    create_account_fee: int = 100_000  # bandwidth part of an activation
    create_new_account_fee_in_system_contract: int = 1_000_000
    free_net_limit: int = 600
    max_fee_limit: int = 15_000_000_000
    total_energy_limit: int = 180_000_000_000
    total_energy_weight: int = 19_000_000_000  # TRX staked for energy network-wide
    total_net_limit: int = 43_200_000_000
    total_net_weight: int = 26_000_000_000  # TRX staked for bandwidth network-wide

    def units(self, resource: str, sun: int) -> int:
        """Energy or bandwidth a day that `sun` of staked TRX gives (stake 2.0 shares)."""
        if resource == "ENERGY":
            return sun * self.total_energy_limit // (self.total_energy_weight * 1_000_000)
        return sun * self.total_net_limit // (self.total_net_weight * 1_000_000)


class Reject(Exception):
    """A transaction refused at broadcast (it never reaches a block)."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(slots=True)
class Account:
    create_time: int
    created_block: int  # -1 for genesis-style accounts (never dropped by a fork)


@dataclass(slots=True)
class Tx:
    """A signed transaction; `raw_data` is kept in java-tron's canonical hex form."""

    txid: str
    raw_data: dict[str, Any]
    raw_hex: str
    signature: list[str]
    contract_type: str
    value: dict[str, Any]
    owner: bytes
    size: int
    cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    @property
    def fee_limit(self) -> int:
        return int(self.raw_data.get("fee_limit", 0))


@dataclass(slots=True)
class Receipt:
    result: str = "SUCCESS"
    fee: int = 0
    net_usage: int = 0
    net_fee: int = 0
    energy_usage: int = 0  # paid from staked or delegated energy
    energy_fee: int = 0
    energy_usage_total: int = 0
    logs: list[Log] = field(default_factory=list)
    output: bytes | None = None  # contract calls only
    contract_address: bytes | None = None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.result == "SUCCESS"


@dataclass
class Block:
    number: int
    block_id: str
    parent_id: str
    timestamp: int
    witness: bytes
    txs: list[tuple[Tx, Receipt]]
    changes: Changes | None
    tx_trie_root: str
    witness_signature: str
    cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    @property
    def ref_key(self) -> str:
        return self.block_id[12:16] + self.block_id[16:32]


class State:
    def __init__(self) -> None:
        self.nums: dict[tuple[object, ...], int] = {}
        self.accounts: dict[bytes, Account] = {}


class Changes:
    """Deltas (and new accounts) over the state, applied or reverted as one unit."""

    def __init__(self, state: State, block: int):
        self.state = state
        self.block = block
        self.deltas: dict[tuple[object, ...], int] = {}
        self.created: dict[bytes, Account] = {}

    def get(self, key: tuple[object, ...]) -> int:
        return self.state.nums.get(key, 0) + self.deltas.get(key, 0)

    def add(self, key: tuple[object, ...], delta: int) -> None:
        if delta:
            self.deltas[key] = self.deltas.get(key, 0) + delta

    def exists(self, address: bytes) -> bool:
        return address in self.state.accounts or address in self.created

    def create(self, address: bytes, now: int) -> None:
        if not self.exists(address):
            self.created[address] = Account(now, self.block)

    def commit(self) -> None:
        nums = self.state.nums
        for key, delta in self.deltas.items():
            nums[key] = nums.get(key, 0) + delta
        for address, account in self.created.items():
            self.state.accounts.setdefault(address, account)

    def revert(self) -> None:
        nums = self.state.nums
        for key, delta in self.deltas.items():
            nums[key] = nums.get(key, 0) - delta
        for address in self.created:
            account = self.state.accounts.get(address)
            if account is not None and account.created_block == self.block:
                del self.state.accounts[address]


RESOURCE_CONTRACTS = ("FreezeBalanceV2Contract", "DelegateResourceContract", "UnDelegateResourceContract")
ADDRESS_FIELDS = ("owner_address", "to_address", "contract_address", "receiver_address")


class StateView:
    """Reads the state as of the head, or as of the solidified head (the head's state minus the
    changes of the blocks above it)."""

    def __init__(self, chain: Chain, solid: bool):
        self.state = chain.state
        self.unsolid = [b.changes for b in chain.blocks[chain.solid_number + 1 :] if b.changes] if solid else []
        self.height = chain.solid_number if solid else chain.head_number
        self.timestamp = chain.blocks[self.height].timestamp

    def get(self, key: tuple[object, ...]) -> int:
        value = self.state.nums.get(key, 0)
        for changes in self.unsolid:
            value -= changes.deltas.get(key, 0)
        return value

    def account(self, address: bytes) -> Account | None:
        account = self.state.accounts.get(address)
        if account is None or account.created_block > self.height:
            return None
        return account


def trx_key(address: bytes) -> tuple[object, ...]:
    return ("trx", address)


def parse_tx(body: dict[str, Any]) -> Tx:
    """A transaction from broadcast JSON (tronpy's `to_json()` or java-tron's own shape)."""
    raw = body.get("raw_data")
    if not isinstance(raw, dict) or not raw.get("contract"):
        raise Reject("OTHER_ERROR", "transaction has no raw_data or contract")
    contract = raw["contract"][0]
    kind = contract.get("type")
    if kind not in proto.CONTRACT_TYPES:
        raise Reject("CONTRACT_VALIDATE_ERROR", f"contract type {kind} is not supported by the sandbox")
    value = canonical_value(kind, contract["parameter"]["value"])
    canonical = canonical_raw(raw, kind, value, contract)
    raw_bytes = proto.encode_raw(canonical)
    signature = [s for s in body.get("signature") or [] if s]
    return Tx(
        txid=proto.txid(raw_bytes),
        raw_data=canonical,
        raw_hex=raw_bytes.hex(),
        signature=signature,
        contract_type=kind,
        value=value,
        owner=raw_address(value["owner_address"]),
        size=len(raw_bytes) + SIGNATURE_SIZE * max(1, len(signature)) + TX_RESULT_OVERHEAD,
    )



def canonical_value(kind: str, value: dict[str, Any]) -> dict[str, Any]:
    """The contract parameter as java-tron prints it: hex addresses, default values left out."""
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key == "resource" and isinstance(item, int):
            item = {0: "BANDWIDTH", 1: "ENERGY"}.get(item, str(item))
        if item in (None, 0, "", False) or (key == "resource" and item == "BANDWIDTH"):
            continue
        # interned: a chain of many blocks repeats the same few thousand addresses
        out[key] = sys.intern(raw_address(item).hex()) if key in ADDRESS_FIELDS else item
    return out


TYPE_URLS = {kind: f"type.googleapis.com/protocol.{kind}" for kind in proto.CONTRACT_TYPES}


def canonical_raw(raw: dict[str, Any], kind: str, value: dict[str, Any], contract: dict[str, Any]) -> dict[str, Any]:
    inner: dict[str, Any] = {
        "parameter": {"value": value, "type_url": TYPE_URLS[kind]},
        "type": kind,
    }
    if contract.get("Permission_id"):
        inner["Permission_id"] = contract["Permission_id"]
    out: dict[str, Any] = {"contract": [inner]}
    for key in ("ref_block_bytes", "ref_block_hash", "expiration", "data", "fee_limit", "timestamp"):
        if raw.get(key):
            out[key] = raw[key]
    return out


def build_raw(kind: str, value: dict[str, Any], *, ref_block_id: str, now: int, fee_limit: int = 0,
              expiration_ms: int = 60_000) -> dict[str, Any]:
    """An unsigned `raw_data` as /wallet/createtransaction and triggersmartcontract answer it."""
    raw: dict[str, Any] = {
        "contract": [{
            "parameter": {"value": canonical_value(kind, value), "type_url": TYPE_URLS[kind]},
            "type": kind,
        }],
        "ref_block_bytes": sys.intern(ref_block_id[12:16]),
        "ref_block_hash": sys.intern(ref_block_id[16:32]),
        "expiration": now + expiration_ms,
    }
    if fee_limit:
        raw["fee_limit"] = fee_limit
    raw["timestamp"] = now
    return raw


class Chain:
    """The chain itself. Synchronous: callers (HTTP handlers, the control API) never await inside."""

    def __init__(
        self,
        *,
        usdt_address: str = MAINNET_USDT,
        solid_lag: int = 19,
        params: Params | None = None,
        clock: Callable[[], float] = time.time,
    ):
        self.params = params or Params()
        self.solid_lag = solid_lag
        self.clock = clock
        self.state = State()
        self.usdt = Token(raw_address(usdt_address), "Tether USD", "USDT", 6)
        # A second token at a made-up address: a scanner must ignore its Transfer logs.
        self.decoy = Token(raw_address(_derived_address("decoy-token")), "Decoy Token", "DCY", 6)
        self.payout = Payout(raw_address(_derived_address("payout-contract")), self.usdt)
        self.contracts: dict[bytes, Token | Payout] = {
            self.usdt.address: self.usdt,
            self.decoy.address: self.decoy,
            self.payout.address: self.payout,
        }
        self.witnesses = [raw_address(_derived_address(f"witness-{i}")) for i in range(27)]
        self.blocks: list[Block] = []
        self.tx_index: dict[str, tuple[int, int]] = {}
        self.ref_index: dict[str, int] = {}
        self.pool: list[Tx] = []
        self.pool_ids: set[str] = set()
        self.pool_changes = Changes(self.state, 1)
        self._last_timestamp = 0
        self._seal([], genesis=True)

    # ---- time and heights -------------------------------------------------------------------

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    @property
    def head(self) -> Block:
        return self.blocks[-1]

    @property
    def head_number(self) -> int:
        return self.head.number

    @property
    def solid_number(self) -> int:
        return max(0, self.head_number - self.solid_lag)

    @property
    def solid_block(self) -> Block:
        return self.blocks[self.solid_number]

    def block(self, number: int, *, solid: bool = False) -> Block | None:
        limit = self.solid_number if solid else self.head_number
        return self.blocks[number] if 0 <= number <= limit else None

    def block_by_id(self, block_id: str) -> Block | None:
        try:
            number = int(block_id[:16], 16)
        except ValueError:
            return None
        found = self.block(number)
        return found if found is not None and found.block_id == block_id.lower() else None

    def find_tx(self, txid: str, *, solid: bool = False) -> tuple[Block, Tx, Receipt] | None:
        where = self.tx_index.get(txid.lower())
        if where is None or (solid and where[0] > self.solid_number):
            return None
        block = self.blocks[where[0]]
        tx, receipt = block.txs[where[1]]
        return block, tx, receipt

    # ---- state reads (sealed blocks only) ---------------------------------------------------

    def trx_balance(self, address: str | bytes) -> int:
        return self.state.nums.get(trx_key(raw_address(address)), 0)

    def token_balance(self, address: str | bytes, token: Token | None = None) -> int:
        return self.state.nums.get((token or self.usdt).balance_key(raw_address(address)), 0)

    def account(self, address: str | bytes) -> Account | None:
        return self.state.accounts.get(raw_address(address))

    def fund(self, address: str | bytes, *, trx_sun: int = 0, usdt: int = 0, activate: bool | None = None) -> None:
        """Genesis-style credit. TRX activates the account; USDT alone does not (as on mainnet)."""
        addr = raw_address(address)
        if trx_sun < 0 or usdt < 0:
            raise ValueError("amounts must be >= 0")
        nums = self.state.nums
        if trx_sun:
            nums[trx_key(addr)] = nums.get(trx_key(addr), 0) + trx_sun
        if usdt:
            key = self.usdt.balance_key(addr)
            nums[key] = nums.get(key, 0) + usdt
            supply = ("supply", self.usdt.address)
            nums[supply] = nums.get(supply, 0) + usdt
        if activate or (activate is None and trx_sun):
            account = self.state.accounts.get(addr)
            if account is None:
                self.state.accounts[addr] = Account(self.head.timestamp, -1)
            else:
                account.created_block = -1

    def delegate_energy(self, address: str | bytes, energy: int) -> None:
        """Give an account `energy` per day (as if someone delegated staked TRX to it)."""
        key = ("energy_limit", raw_address(address))
        self.state.nums[key] = self.state.nums.get(key, 0) + energy

    # ---- broadcast --------------------------------------------------------------------------

    def broadcast(self, body: dict[str, Any]) -> Tx:
        """Check a signed transaction and put it in the pool; raises Reject with java-tron's codes."""
        tx = parse_tx(body)
        if tx.txid in self.tx_index or tx.txid in self.pool_ids:
            raise Reject("DUP_TRANSACTION_ERROR", "dup trans")
        self.check_tapos_and_expiration(tx)
        self.check_signature(tx)
        self.execute(tx, self.pool_changes, self.now_ms())
        self.pool.append(tx)
        self.pool_ids.add(tx.txid)
        return tx

    def check_tapos_and_expiration(self, tx: Tx) -> None:
        raw = tx.raw_data
        ref = f"{raw.get('ref_block_bytes', '')}{raw.get('ref_block_hash', '')}"
        if ref not in self.ref_index:
            raise Reject(
                "TAPOS_ERROR",
                f"Tapos check error: ref block {raw.get('ref_block_bytes')}/{raw.get('ref_block_hash')} not found",
            )
        now = self.now_ms()
        expiration = int(raw.get("expiration", 0))
        if expiration <= now:
            raise Reject("TRANSACTION_EXPIRATION_ERROR", f"Transaction expired: {expiration} <= {now}")
        if expiration > now + EXPIRATION_HORIZON_MS:
            raise Reject("TRANSACTION_EXPIRATION_ERROR", "expiration is more than one day after the head block")

    def check_signature(self, tx: Tx) -> None:
        if not tx.signature:
            raise Reject("SIGERROR", "miss sig or contract")
        digest = bytes.fromhex(tx.txid)
        for sig_hex in tx.signature:
            try:
                signature = keys.Signature(bytes.fromhex(sig_hex))
                signer = signature.recover_public_key_from_msg_hash(digest).to_address()
            except Exception as exc:
                raise Reject("SIGERROR", f"Validate signature error: {exc}") from None
            if signer != tx.owner:
                raise Reject(
                    "SIGERROR",
                    f"Validate signature error: {b58(signer)} is not in the permission list of {b58(tx.owner)}",
                )

    # ---- execution --------------------------------------------------------------------------

    def execute(self, tx: Tx, ch: Changes, now: int) -> Receipt:
        """Validate and apply one transaction to `ch`; Reject leaves `ch` untouched."""
        owner = tx.owner
        if not ch.exists(owner):
            raise Reject("CONTRACT_VALIDATE_ERROR", f"Validate {tx.contract_type} error, no OwnerAccount.")
        day = now // DAY_MS
        if tx.contract_type == "TransferContract":
            return self._transfer(tx, ch, now, day)
        if tx.contract_type == "TriggerSmartContract":
            return self._trigger(tx, ch, day)
        if tx.contract_type in RESOURCE_CONTRACTS:
            return self._resource(tx, ch, day)
        raise Reject("CONTRACT_VALIDATE_ERROR", f"{tx.contract_type} is not supported by the sandbox")

    def _bandwidth(self, ch: Changes, owner: bytes, size: int, day: int) -> tuple[int, int, tuple[object, ...]]:
        """(bytes used, sun burned, usage key) for `size` bytes: staked bandwidth first, then the
        daily free allowance, else burn."""
        staked = ch.get(("net_limit", owner)) - ch.get(("net_used", owner, day))
        if size <= staked:
            return size, 0, ("net_used", owner, day)
        if ch.get(("net", owner, day)) + size <= self.params.free_net_limit:
            return size, 0, ("net", owner, day)
        return 0, size * self.params.transaction_fee, ("net", owner, day)

    def _transfer(self, tx: Tx, ch: Changes, now: int, day: int) -> Receipt:
        owner, p = tx.owner, self.params
        amount = int(tx.value.get("amount", 0))
        to = raw_address(tx.value["to_address"])
        if amount <= 0:
            raise Reject("CONTRACT_VALIDATE_ERROR", "Amount must be greater than 0.")
        if to == owner:
            raise Reject("CONTRACT_VALIDATE_ERROR", "Cannot transfer TRX to yourself.")
        if to in self.contracts:
            raise Reject("CONTRACT_VALIDATE_ERROR", "Cannot transfer TRX to a smart contract.")
        balance = ch.get(trx_key(owner))
        new_account = not ch.exists(to)
        net_key: tuple[object, ...]
        if new_account:
            net_usage, net_fee, net_key = 0, p.create_account_fee, ("net", owner, day)
            fee = net_fee + p.create_new_account_fee_in_system_contract
        else:
            net_usage, net_fee, net_key = self._bandwidth(ch, owner, tx.size, day)
            fee = net_fee
        if net_fee > balance:
            raise Reject("BANDWITH_ERROR", "Account resource insufficient error.")
        if balance < amount + fee:
            raise Reject("CONTRACT_VALIDATE_ERROR", "Validate TransferContract error, balance is not sufficient.")
        ch.add(trx_key(owner), -(amount + fee))
        ch.add(trx_key(to), amount)
        ch.add(net_key, net_usage)
        if new_account:
            ch.create(to, now)
        return Receipt(fee=fee, net_usage=net_usage, net_fee=net_fee)

    def _trigger(self, tx: Tx, ch: Changes, day: int) -> Receipt:
        owner, p = tx.owner, self.params
        contract_address = raw_address(tx.value["contract_address"])
        contract = self.contracts.get(contract_address)
        if contract is None:
            raise Reject("CONTRACT_VALIDATE_ERROR", "No contract or not a smart contract")
        fee_limit = tx.fee_limit
        if not 0 <= fee_limit <= p.max_fee_limit:
            raise Reject("CONTRACT_VALIDATE_ERROR", f"feeLimit must be >= 0 and <= {p.max_fee_limit}")
        if int(tx.value.get("call_value", 0)) or int(tx.value.get("call_token_value", 0)):
            raise Reject("CONTRACT_VALIDATE_ERROR", "the sandbox's contracts are not payable")
        balance = ch.get(trx_key(owner))
        net_usage, net_fee, net_key = self._bandwidth(ch, owner, tx.size, day)
        if net_fee > balance:
            raise Reject("BANDWITH_ERROR", "Account resource insufficient error.")
        call = contract.call(ch.get, owner, bytes.fromhex(tx.value.get("data", "")))
        staked = max(0, ch.get(("energy_limit", owner)) - ch.get(("energy_used", owner, day)))
        affordable = staked + min(fee_limit, balance - net_fee) // p.energy_fee
        if call.energy > affordable:
            used, result, message = affordable, "OUT_OF_ENERGY", "Not enough energy for this call"
        else:
            used = call.energy
            result, message = ("SUCCESS", "") if call.ok else ("REVERT", "REVERT opcode executed")
        from_stake = min(used, staked)
        energy_fee = (used - from_stake) * p.energy_fee
        fee = net_fee + energy_fee
        ch.add(trx_key(owner), -fee)
        ch.add(net_key, net_usage)
        ch.add(("energy_used", owner, day), from_stake)
        ok = result == "SUCCESS"
        if ok:
            for key, delta in call.deltas:
                ch.add(key, delta)
        return Receipt(
            result=result,
            fee=fee,
            net_usage=net_usage,
            net_fee=net_fee,
            energy_usage=from_stake,
            energy_fee=energy_fee,
            energy_usage_total=used,
            logs=call.logs if ok else [],
            output=call.output if ok else b"",
            contract_address=contract_address,
            message=message,
        )

    def _resource(self, tx: Tx, ch: Changes, day: int) -> Receipt:
        """Stake 2.0: freeze TRX for energy or bandwidth, delegate it to another account, take it back."""
        owner, p, value = tx.owner, self.params, tx.value
        resource = value.get("resource", "BANDWIDTH")
        if resource not in ("BANDWIDTH", "ENERGY"):
            raise Reject("CONTRACT_VALIDATE_ERROR", "ResourceCode error, valid ResourceCode[BANDWIDTH, ENERGY]")
        limit_key = ("energy_limit", owner) if resource == "ENERGY" else ("net_limit", owner)
        balance = ch.get(trx_key(owner))
        net_usage, net_fee, net_key = self._bandwidth(ch, owner, tx.size, day)
        if net_fee > balance:
            raise Reject("BANDWITH_ERROR", "Account resource insufficient error.")
        frozen_key = ("frozen", owner, resource)
        out_key = ("delegated_out", owner, resource)
        if tx.contract_type == "FreezeBalanceV2Contract":
            amount = int(value.get("frozen_balance", 0))
            if amount < 1_000_000:
                raise Reject("CONTRACT_VALIDATE_ERROR", "frozenBalance must be greater than or equal to 1 TRX")
            if amount + net_fee > balance:
                raise Reject("CONTRACT_VALIDATE_ERROR", "frozenBalance must be less than or equal to accountBalance")
            ch.add(trx_key(owner), -amount)
            ch.add(frozen_key, amount)
            ch.add(limit_key, p.units(resource, amount))
        else:
            amount = int(value.get("balance", 0))
            receiver = raw_address(value["receiver_address"])
            pair_key = ("delegated", owner, receiver, resource)
            if amount < 1_000_000:
                raise Reject("CONTRACT_VALIDATE_ERROR", "delegateBalance must be greater than or equal to 1 TRX")
            if receiver == owner:
                raise Reject("CONTRACT_VALIDATE_ERROR", "receiverAddress must not be the same as ownerAddress")
            if not ch.exists(receiver):
                raise Reject("CONTRACT_VALIDATE_ERROR", f"Account [{b58(receiver)}] does not exist")
            receiver_key = ("energy_limit", receiver) if resource == "ENERGY" else ("net_limit", receiver)
            units = p.units(resource, amount)
            if tx.contract_type == "DelegateResourceContract":
                if amount > ch.get(frozen_key) - ch.get(out_key):
                    raise Reject("CONTRACT_VALIDATE_ERROR",
                                 f"delegateBalance must be less than or equal to available FreezeV2 {resource} balance")
                sign = 1
            else:
                if amount > ch.get(pair_key):
                    raise Reject("CONTRACT_VALIDATE_ERROR", "insufficient delegatedFrozenBalance")
                sign = -1
            ch.add(out_key, sign * amount)
            ch.add(pair_key, sign * amount)
            ch.add(("acquired", receiver, resource), sign * amount)
            ch.add(limit_key, -sign * units)
            ch.add(receiver_key, sign * units)
        ch.add(trx_key(owner), -net_fee)
        ch.add(net_key, net_usage)
        return Receipt(fee=net_fee, net_usage=net_usage, net_fee=net_fee)

    def view(self, *, solid: bool = False) -> StateView:
        return StateView(self, solid)

    def constant_call(self, owner: bytes, contract_address: bytes, data: bytes, *, solid: bool = False
                      ) -> CallResult | None:
        """A view call against the sealed state (nothing is applied)."""
        contract = self.contracts.get(contract_address)
        if contract is None:
            return None
        return contract.call(self.view(solid=solid).get, owner, data)

    # ---- blocks -----------------------------------------------------------------------------

    def mine(self, count: int = 1) -> list[Block]:
        return [self._seal(self._take_pool()) for _ in range(count)]

    def _take_pool(self) -> list[Tx]:
        pool, self.pool = self.pool, []
        self.pool_ids = set()
        self.pool_changes = Changes(self.state, self.head_number + 2)
        return pool

    def _seal(self, txs: list[Tx], *, genesis: bool = False, timestamp: int | None = None) -> Block:
        number = 0 if genesis else self.head_number + 1
        if timestamp is None:
            timestamp = max(self.now_ms(), self._last_timestamp + BLOCK_INTERVAL_MS)
            timestamp -= timestamp % BLOCK_INTERVAL_MS  # slots are 3 s apart
            if timestamp <= self._last_timestamp:
                timestamp = self._last_timestamp + BLOCK_INTERVAL_MS
        self._last_timestamp = timestamp
        changes = Changes(self.state, number)
        included: list[tuple[Tx, Receipt]] = []
        for tx in txs:
            try:
                included.append((tx, self.execute(tx, changes, timestamp)))
            except Reject:
                continue  # no longer valid (e.g. after a fork): dropped, as a real node would
        changes.commit()
        return self._append_block(number, timestamp, included, changes)

    def _append_block(self, number: int, timestamp: int, included: list[tuple[Tx, Receipt]],
                      changes: Changes | None) -> Block:
        parent_id = self.head.block_id if self.blocks else "00" * 32
        witness = self.witnesses[number % len(self.witnesses)]
        trie = _merkle_root([bytes.fromhex(tx.txid) for tx, _ in included])
        header = proto.encode_block_header(
            number=number, timestamp=timestamp, parent_hash=bytes.fromhex(parent_id),
            tx_trie_root=trie, witness=witness, version=30,
        )
        digest = hashlib.sha256(header).digest()
        block_id = (number.to_bytes(8, "big") + digest[8:]).hex()
        block = Block(
            number=number,
            block_id=block_id,
            parent_id=parent_id,
            timestamp=timestamp,
            witness=witness,
            txs=included,
            changes=changes,
            tx_trie_root=trie.hex(),
            witness_signature=(hashlib.sha256(b"witness" + digest).digest() * 3)[:65].hex(),
        )
        self.blocks.append(block)
        self.ref_index[block.ref_key] = number
        if self.solid_number > 0:
            # a solidified block can never be dropped: its undo record is no longer needed
            self.blocks[self.solid_number].changes = None
        for index, (tx, _) in enumerate(included):
            self.tx_index[tx.txid] = (number, index)
        return block

    def fork(self, depth: int, *, reinclude: bool = False) -> list[str]:
        """Drop the last `depth` blocks (all unsolidified) and their transactions. With `reinclude`
        the dropped transactions go back to the pool (the usual outcome of a reorg: the same
        transaction lands in a later block); otherwise they are lost. The pool is re-checked
        against the remaining state. Returns the ids of the dropped transactions (oldest first)."""
        if depth < 1:
            raise ValueError("depth must be >= 1")
        if depth > self.head_number - self.solid_number:
            raise ValueError(f"only {self.head_number - self.solid_number} blocks are unsolidified")
        if any(b.changes is None for b in self.blocks[-depth:]):
            raise ValueError("those blocks were solidified before the solid lag grew: they cannot be dropped")
        dropped: list[Tx] = []
        pending, self.pool = self.pool, []
        self.pool_ids = set()
        for _ in range(depth):
            block = self.blocks.pop()
            if block.changes is not None:
                block.changes.revert()
            self.ref_index.pop(block.ref_key, None)
            for tx, _ in reversed(block.txs):
                self.tx_index.pop(tx.txid, None)
                dropped.append(tx)
        dropped.reverse()
        if reinclude:
            pending = dropped + pending
        self.pool_changes = Changes(self.state, self.head_number + 1)
        for tx in pending:
            try:
                self.execute(tx, self.pool_changes, self.now_ms())
            except Reject:
                continue
            self.pool.append(tx)
            self.pool_ids.add(tx.txid)
        return [tx.txid for tx in dropped]


def _derived_address(label: str) -> bytes:
    return b"\x41" + hashlib.sha256(f"koxx-sandbox:{label}".encode()).digest()[:20]


def _merkle_root(leaves: list[bytes]) -> bytes:
    if not leaves:
        return b"\x00" * 32
    level = leaves
    while len(level) > 1:
        pairs = [level[i : i + 2] for i in range(0, len(level), 2)]
        level = [hashlib.sha256(b"".join(pair)).digest() if len(pair) == 2 else pair[0] for pair in pairs]
    return level[0]
