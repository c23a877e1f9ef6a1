"""`TronNode`: the chain plus the control API tests (and later a web panel) drive it with.

Transfers "from outside" are real transactions: built, signed with the outside wallet's key and
broadcast through the same checks as anything arriving over HTTP, so they reach the next block
exactly like a deposit from another exchange would.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeAlias

from tronpy import keys

from . import proto
from .chain import MAINNET_USDT, Block, Chain, Params, Receipt, Reject, Tx, b58, build_raw, raw_address
from .contracts import (
    SEL_APPROVE,
    SEL_PAYOUT_SEND,
    SEL_TRANSFER,
    SEL_TRANSFER_FROM,
    TRANSFER_TOPIC,
    address_word,
    word,
)

TRX = 1_000_000
OUTSIDE_TRX_TOP_UP = 200 * TRX  # enough to pay a few USDT transfers by burning
DEFAULT_FEE_LIMIT = 100 * TRX


class BroadcastError(Exception):
    """A control-API transfer refused by the node (same codes as /wallet/broadcasttransaction)."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def outside_key(label: str) -> keys.PrivateKey:
    """The deterministic key of an outside wallet named `label` (sandbox only)."""
    return keys.PrivateKey(hashlib.sha256(f"koxx-sandbox-outside:{label}".encode()).digest())


KeyLike: TypeAlias = "str | keys.PrivateKey"


def _key(value: KeyLike) -> keys.PrivateKey:
    if isinstance(value, keys.PrivateKey):
        return value
    if len(value) == 64:
        try:
            return keys.PrivateKey(bytes.fromhex(value))
        except ValueError:
            pass
    return outside_key(value)


class TronNode:
    """An in-memory TRON node. Every method is synchronous and safe to call from the event loop."""

    def __init__(
        self,
        *,
        usdt_address: str = MAINNET_USDT,
        solid_lag: int = 19,
        params: Params | None = None,
        clock: Callable[[], float] = time.time,
    ):
        self.chain = Chain(usdt_address=usdt_address, solid_lag=solid_lag, params=params, clock=clock)
        self._senders: list[bytes] = []
        self._sinks: list[bytes] = []
        self._injected: list[tuple[int, str]] = []
        self.hide_pending = False  # gettransactionfrompending answers {} (a node that does not show its pool)
        self.view_lag = 0
        self._busy: list[int] = []

    # ---- provider trouble ------------------------------------------------------------------

    def inject_errors(self, status: int = 429, count: int = 1) -> None:
        """Make the next `count` /wallet* requests fail with `status` (429 and 403 as TronGrid's
        rate limit, 503 as an overloaded node), to exercise a client's back-off."""
        message = {
            429: "Too Many Requests",
            403: "Exceed the user daily usage (100000), the maximum query frequency is 1 time per second",
        }.get(status, "lack of computing resources")
        self._injected.extend([(status, message)] * count)

    def take_injected_error(self) -> tuple[int, str] | None:
        return self._injected.pop(0) if self._injected else None

    def pending_tx(self, txid: str) -> Tx | None:
        """A transaction waiting in the pool (None when it is not there, or the pool is hidden)."""
        if self.hide_pending:
            return None
        return next((tx for tx in self.chain.pool if tx.txid == txid.lower()), None)
    def inject_busy(self, status: int = 429, count: int = 1) -> None:
        """Like ``inject_errors``, with a ``Retry-After: 0`` header (a proxy asking for an
        immediate retry): many errors in little time."""
        self._busy.extend([status] * count)

    def take_busy(self) -> int | None:
        return self._busy.pop(0) if self._busy else None

    def set_view_lag(self, blocks: int) -> None:
        """Serve reads as a backend ``blocks`` behind the head would (0: up to date); see lag.py."""
        if blocks < 0:
            raise ValueError("lag must be >= 0")
        self.view_lag = blocks

    def serving(self) -> Any:
        """The node as the read endpoints see it: itself, or a lagging view of it."""
        from .lag import LaggedNode

        return LaggedNode(self, self.view_lag) if self.view_lag else self

    # ---- heights and state ------------------------------------------------------------------

    @property
    def head_number(self) -> int:
        return self.chain.head_number

    @property
    def solid_number(self) -> int:
        return self.chain.solid_number

    @property
    def usdt_address(self) -> str:
        return b58(self.chain.usdt.address)

    @property
    def payout_contract_address(self) -> str:
        return b58(self.chain.payout.address)

    @property
    def decoy_token_address(self) -> str:
        return b58(self.chain.decoy.address)

    def set_solid_lag(self, blocks: int) -> None:
        if blocks < 0:
            raise ValueError("lag must be >= 0")
        self.chain.solid_lag = blocks

    def set_energy_fee(self, sun_per_energy: int) -> None:
        self.chain.params.energy_fee = sun_per_energy

    def trx_balance(self, address: str) -> int:
        return self.chain.trx_balance(address)

    def usdt_balance(self, address: str) -> int:
        return self.chain.token_balance(address)

    def is_activated(self, address: str) -> bool:
        return self.chain.account(address) is not None

    def status(self) -> dict[str, Any]:
        return {
            "head": self.head_number,
            "solid": self.solid_number,
            "solid_lag": self.chain.solid_lag,
            "pool": len(self.chain.pool),
            "hide_pending": self.hide_pending,
            "usdt_contract": self.usdt_address,
            "energy_fee": self.chain.params.energy_fee,
        }

    # ---- keeping the chain across restarts ----------------------------------------------------

    def save(self, path: Path) -> None:
        """Write the chain (blocks, balances, pool) to ``path``, atomically: the offline demo's
        chain outlives a restart, as a real one does (the scanner's cursor points into it)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        clock, self.chain.clock = self.chain.clock, time.time  # a test's clock is not kept
        try:
            tmp.write_bytes(pickle.dumps(self.chain, protocol=pickle.HIGHEST_PROTOCOL))
        finally:
            self.chain.clock = clock
        os.replace(tmp, path)

    def restore(self, path: Path) -> bool:
        """Continue the chain saved at ``path`` (a file this sandbox wrote itself); False when
        there is none yet."""
        if not path.exists():
            return False
        clock = self.chain.clock
        self.chain = pickle.loads(path.read_bytes())
        self.chain.clock = clock
        return True

    # ---- genesis-style credits --------------------------------------------------------------

    def fund(self, address: str, *, trx_sun: int = 0, usdt: int = 0) -> None:
        """Credit balances outside any block. TRX activates the account; USDT alone does not."""
        self.chain.fund(address, trx_sun=trx_sun, usdt=usdt)

    def stake(self, address: str, trx_sun: int, resource: str = "ENERGY") -> None:
        """Genesis-style staked TRX (stake 2.0) owned by `address`, ready to delegate; it also gives
        the owner that resource itself until delegated."""
        if resource not in ("ENERGY", "BANDWIDTH"):
            raise ValueError("resource is ENERGY or BANDWIDTH")
        addr = raw_address(address)
        self.chain.fund(addr, activate=True)
        nums = self.chain.state.nums
        frozen = ("frozen", addr, resource)
        limit = ("energy_limit", addr) if resource == "ENERGY" else ("net_limit", addr)
        nums[frozen] = nums.get(frozen, 0) + trx_sun
        nums[limit] = nums.get(limit, 0) + self.chain.params.units(resource, trx_sun)

    def delegate_energy(self, address: str, energy: int) -> None:
        """Let `address` spend `energy` per day before burning TRX (a delegation from elsewhere)."""
        self.chain.delegate_energy(address, energy)

    # ---- transfers from outside -------------------------------------------------------------

    def outside_address(self, label: str) -> str:
        return str(outside_key(label).public_key.to_base58check_address())

    def _pending_trx(self, address: bytes) -> int:
        return self.chain.pool_changes.get(("trx", address))

    def _pending_usdt(self, address: bytes) -> int:
        return self.chain.pool_changes.get(self.chain.usdt.balance_key(address))

    def _top_up(self, key: keys.PrivateKey, *, trx_sun: int = 0, usdt: int = 0) -> bytes:
        owner = bytes(key.public_key.to_address())
        if not self.chain.pool_changes.exists(owner) or self._pending_trx(owner) < trx_sun:
            self.chain.fund(owner, trx_sun=trx_sun + OUTSIDE_TRX_TOP_UP)
        if usdt and self._pending_usdt(owner) < usdt:
            self.chain.fund(owner, usdt=usdt - self._pending_usdt(owner))
        return owner

    def sign_and_broadcast(self, key: KeyLike, kind: str, value: dict[str, Any], *, fee_limit: int = 0) -> str:
        """Build, sign and broadcast a transaction as a wallet would; returns its id."""
        private = _key(key)
        raw = build_raw(kind, value, ref_block_id=self.chain.solid_block.block_id, now=self.chain.now_ms(),
                        fee_limit=fee_limit)
        txid = proto.txid(proto.encode_raw(raw))
        signature = private.sign_msg_hash(bytes.fromhex(txid)).hex()
        try:
            tx = self.chain.broadcast({"txID": txid, "raw_data": raw, "signature": [signature]})
        except Reject as exc:
            raise BroadcastError(exc.code, exc.message) from None
        return tx.txid

    def send_trx(self, from_outside: KeyLike, to: str, amount_sun: int) -> str:
        """A TRX transfer from an outside wallet (topped up as needed); lands in the next block."""
        key = _key(from_outside)
        owner = self._top_up(key, trx_sun=amount_sun + 2 * TRX)
        value = {"owner_address": owner.hex(), "to_address": raw_address(to).hex(), "amount": amount_sun}
        return self.sign_and_broadcast(key, "TransferContract", value)

    def _trigger(self, key: keys.PrivateKey, contract: bytes, data: bytes, fee_limit: int) -> str:
        value = {
            "owner_address": key.public_key.to_hex_address(),
            "contract_address": contract.hex(),
            "data": data.hex(),
        }
        return self.sign_and_broadcast(key, "TriggerSmartContract", value, fee_limit=fee_limit)

    def send_usdt(self, from_outside: KeyLike, to: str, amount: int, *, fee_limit: int = DEFAULT_FEE_LIMIT) -> str:
        """A USDT transfer(to, amount) from an outside wallet (topped up with USDT and TRX)."""
        key = _key(from_outside)
        self._top_up(key, trx_sun=fee_limit, usdt=amount)
        data = SEL_TRANSFER + address_word(raw_address(to)) + word(amount)
        return self._trigger(key, self.chain.usdt.address, data, fee_limit)

    def send_usdt_failing(self, from_outside: KeyLike, to: str, amount: int,
                          *, fee_limit: int = DEFAULT_FEE_LIMIT) -> str:
        """A USDT transfer beyond the sender's USDT balance: included in the next block as REVERT."""
        key = _key(from_outside)
        owner = self._top_up(key, trx_sun=fee_limit)
        if self._pending_usdt(owner) >= amount:
            raise ValueError("the outside wallet holds enough USDT: this transfer would succeed")
        data = SEL_TRANSFER + address_word(raw_address(to)) + word(amount)
        return self._trigger(key, self.chain.usdt.address, data, fee_limit)

    def send_usdt_transfer_from(self, holder: KeyLike, spender: KeyLike, to: str, amount: int,
                                *, fee_limit: int = DEFAULT_FEE_LIMIT) -> str:
        """`holder` approves `spender`, which then calls transferFrom(holder, to, amount): the
        transaction's sender and data say nothing of a transfer(), only the Transfer log does.
        Both transactions land in the next block; returns the transferFrom's id."""
        holder_key, spender_key = _key(holder), _key(spender)
        holder_raw = self._top_up(holder_key, trx_sun=fee_limit, usdt=amount)
        self._top_up(spender_key, trx_sun=fee_limit)
        spender_raw = spender_key.public_key.to_address()
        self._trigger(holder_key, self.chain.usdt.address, SEL_APPROVE + address_word(spender_raw) + word(amount),
                      fee_limit)
        data = SEL_TRANSFER_FROM + address_word(holder_raw) + address_word(raw_address(to)) + word(amount)
        return self._trigger(spender_key, self.chain.usdt.address, data, fee_limit)

    def send_usdt_via_contract(self, to: str, amount: int, *, caller: KeyLike = "payout-operator",
                               fee_limit: int = DEFAULT_FEE_LIMIT) -> str:
        """A payout contract sends USDT it holds: the transaction calls the payout contract, and
        the USDT contract emits Transfer(payout contract -> to). Returns the transaction id."""
        key = _key(caller)
        self._top_up(key, trx_sun=fee_limit)
        payout = self.chain.payout.address
        held = self.chain.pool_changes.get(self.chain.usdt.balance_key(payout))
        if held < amount:
            self.chain.fund(payout, usdt=amount - held)
        data = SEL_PAYOUT_SEND + address_word(raw_address(to)) + word(amount)
        return self._trigger(key, payout, data, fee_limit)

    # ---- blocks -----------------------------------------------------------------------------

    def mine(self, count: int = 1) -> list[int]:
        """Seal `count` blocks now (the first takes the whole pool); returns their numbers."""
        return [b.number for b in self.chain.mine(count)]

    def fork(self, depth: int, *, reinclude: bool = False) -> list[str]:
        """Drop the last `depth` unsolidified blocks and their transactions (lost, or with
        `reinclude` back in the pool for the next block); returns the dropped ids."""
        return self.chain.fork(depth, reinclude=reinclude)

    def transactions(self, address: str | None = None, *, since_block: int = 0) -> list[dict[str, Any]]:
        """Transactions that reached the chain (oldest first), optionally only those sent by or
        to `address`: what a withdrawal test looks at."""
        wanted = raw_address(address) if address else None
        out: list[dict[str, Any]] = []
        for block in self.chain.blocks[max(0, since_block):]:
            for tx, receipt in block.txs:
                summary = self._summary(block, tx, receipt)
                if wanted is None or wanted in (tx.owner, summary.get("_from"), summary.get("_to")):
                    summary.pop("_from", None)
                    summary.pop("_to", None)
                    out.append(summary)
        return out

    def _summary(self, block: Block, tx: Tx, receipt: Receipt) -> dict[str, Any]:
        out: dict[str, Any] = {
            "txid": tx.txid,
            "block": block.number,
            "timestamp": block.timestamp,
            "solid": block.number <= self.solid_number,
            "type": tx.contract_type,
            "owner": b58(tx.owner),
            "result": receipt.result,
            "fee": receipt.fee,
            "asset": None,
            "from": None,
            "to": None,
            "amount": None,
        }
        src = dst = None
        amount = None
        asset = None
        if tx.contract_type == "TransferContract":
            src, dst, amount, asset = tx.owner, raw_address(tx.value["to_address"]), int(tx.value["amount"]), "TRX"
        else:
            usdt20 = self.chain.usdt.address[1:]
            for log in receipt.logs:
                if log.address == usdt20 and log.topics[0] == TRANSFER_TOPIC:
                    src, dst = b"\x41" + log.topics[1][12:], b"\x41" + log.topics[2][12:]
                    amount, asset = int.from_bytes(log.data, "big"), "USDT"
                    break
            else:
                data = bytes.fromhex(tx.value.get("data", ""))
                contract = raw_address(tx.value["contract_address"])
                if contract == self.chain.usdt.address and data[:4] == SEL_TRANSFER and len(data) >= 68:
                    src, dst = tx.owner, b"\x41" + data[16:36]
                    amount, asset = int.from_bytes(data[36:68], "big"), "USDT"
        if asset is not None and src is not None and dst is not None:
            out.update(asset=asset, amount=amount, **{"from": b58(src), "to": b58(dst)})
            out["_from"], out["_to"] = src, dst
        return out

    # ---- benchmark data ---------------------------------------------------------------------

    def generate_blocks(
        self,
        count: int,
        *,
        txs_per_block: int = 300,
        usdt_share: float = 0.2,
        decoy_share: float = 0.1,
        recipients: list[str] | None = None,
        hits_per_block: int = 1,
        seed: int = 1,
        warm_cache: bool = True,
    ) -> list[dict[str, Any]]:
        """Seal `count` mainnet-like blocks fast, 3 s apart in chain time: TRX transfers, USDT
        transfers (`usdt_share`) and transfers of another token (`decoy_share`) between
        synthetic wallets, plus `hits_per_block` transfers per block to `recipients` (round
        robin, alternating USDT and TRX). Filler transactions carry placeholder signatures (they
        are never verified: only broadcast checks signatures). Returns the hits:
        [{"txid", "block", "to", "asset", "amount"}]."""
        rng = random.Random(seed)
        self._ensure_synthetic_wallets()
        targets = [raw_address(r) for r in recipients or []]
        usdt, decoy = self.chain.usdt.address, self.chain.decoy.address
        hits: list[dict[str, Any]] = []
        for _ in range(count):
            ref = self.chain.solid_block.block_id
            timestamp = self.chain._last_timestamp + 3_000
            txs: list[Tx] = []
            hit_slots = set(rng.sample(range(txs_per_block), min(hits_per_block if targets else 0, txs_per_block)))
            pending_hits: list[tuple[int, bytes, str, int]] = []
            for slot in range(txs_per_block):
                sender = rng.choice(self._senders)
                if slot in hit_slots:
                    n = len(hits) + len(pending_hits)
                    to = targets[n % len(targets)]
                    asset = "USDT" if n % 2 == 0 else "TRX"
                    amount = 1_000_000 + n
                    pending_hits.append((len(txs), to, asset, amount))
                    kind = asset
                else:
                    to = rng.choice(self._sinks)
                    roll = rng.random()
                    kind = "USDT" if roll < usdt_share else "DECOY" if roll < usdt_share + decoy_share else "TRX"
                    amount = rng.randrange(1, 5_000) * 1_000_000
                if kind == "TRX":
                    value = {"owner_address": sender.hex(), "to_address": to.hex(), "amount": amount}
                    txs.append(_filler_tx("TransferContract", value, ref, timestamp, 0))
                else:
                    contract = usdt if kind == "USDT" else decoy
                    data = SEL_TRANSFER + address_word(to) + word(amount)
                    value = {"owner_address": sender.hex(), "contract_address": contract.hex(), "data": data.hex()}
                    txs.append(_filler_tx("TriggerSmartContract", value, ref, timestamp, DEFAULT_FEE_LIMIT))
            block = self.chain._seal(txs, timestamp=timestamp)
            for index, to, asset, amount in pending_hits:
                hits.append({"txid": txs[index].txid, "block": block.number, "to": b58(to), "asset": asset,
                             "amount": amount})
            if warm_cache:
                from .render import block_text, tx_infos_text

                block_text(block, False)
                tx_infos_text(block)
        return hits

    def _ensure_synthetic_wallets(self) -> None:
        if self._senders:
            return
        for i in range(200):
            addr = b"\x41" + hashlib.sha256(f"koxx-sandbox-sender:{i}".encode()).digest()[:20]
            self.chain.fund(addr, trx_sun=10**15, usdt=10**15)
            self.chain.state.nums[self.chain.decoy.balance_key(addr)] = 10**15
            self._senders.append(addr)
        for i in range(2_000):
            addr = b"\x41" + hashlib.sha256(f"koxx-sandbox-sink:{i}".encode()).digest()[:20]
            self.chain.fund(addr, trx_sun=TRX, usdt=1)  # activated holders: realistic ~65k energy
            self._sinks.append(addr)


def _filler_tx(kind: str, value: dict[str, Any], ref: str, timestamp: int, fee_limit: int) -> Tx:
    raw = build_raw(kind, value, ref_block_id=ref, now=timestamp, fee_limit=fee_limit)
    raw_bytes = proto.encode_raw(raw)
    txid = proto.txid(raw_bytes)
    digest = hashlib.sha256(bytes.fromhex(txid)).digest()
    signature = (digest + digest + b"\x1b").hex()
    return Tx(
        txid=txid,
        raw_data=raw,
        raw_hex=raw_bytes.hex(),
        signature=[signature],
        contract_type=kind,
        value=raw["contract"][0]["parameter"]["value"],
        owner=bytes.fromhex(value["owner_address"]),
        size=len(raw_bytes) + 67 + 64,
    )
