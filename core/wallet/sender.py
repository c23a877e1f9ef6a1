"""Sending approved withdrawals from the hot wallet, and following them to a final block.

The order that makes a crash harmless:
  1. build and sign with tronpy; store txid + signed transaction, status SIGNED; COMMIT;
  2. broadcast the stored bytes; status BROADCAST;
  3. when the transaction is in a final block: success captures the hold (SENT), a failed
     execution (REVERT, OUT_OF_ENERGY...) releases it (FAILED).
A withdrawal is signed at most once, so it can never be sent twice. After a crash, a run
first follows every SIGNED/BROADCAST withdrawal by its stored txid: on chain -> step 3; in the
node's pool -> wait; unknown and not expired -> broadcast the same signed transaction again.

The hold is released without a block only when the transaction can no longer be mined: its
first broadcast was rejected (no node ever had it), or its expiration plus ``expiry_margin_ms``
has passed and a last look-up finds it neither on the chain (solid or not) nor in the pool.
A rejected re-broadcast (TAPOS_ERROR from a lagging node, say) proves nothing: an earlier copy
may be waiting in some node's pool and be mined until it expires.
Status changes happen under a row lock, so two sender processes cannot sign twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from tronpy.async_contract import AsyncContract
from tronpy.async_tron import AsyncTransaction
from tronpy.exceptions import ApiError, TaposError, TransactionError, UnknownError, ValidationError
from tronpy.keys import PrivateKey

from core import events, outbox
from core.config import Settings
from core.faults import crash_point
from core.money import Asset
from core.users import User
from core.wallet.config import WalletConfig
from core.wallet.models import Withdrawal, WithdrawalStatus
from core.wallet.node import Node, NodeUnavailable
from core.wallet.withdrawals import capture, release, withdrawal_facts

log = logging.getLogger(__name__)

# Broadcast answers that mean "this transaction will not be executed".
REJECTED = frozenset(
    {
        "SIGERROR",
        "CONTRACT_VALIDATE_ERROR",
        "CONTRACT_EXE_ERROR",
        "BANDWITH_ERROR",
        "TAPOS_ERROR",
        "TOO_BIG_TRANSACTION_ERROR",
        "TRANSACTION_EXPIRATION_ERROR",
    }
)

TRC20_TRANSFER_ABI: list[dict[str, Any]] = [
    {
        "type": "function",
        "name": "transfer",
        "stateMutability": "nonpayable",
        "inputs": [{"name": "_to", "type": "address"}, {"name": "_value", "type": "uint256"}],
        "outputs": [{"name": "", "type": "bool"}],
    },
    {
        "type": "function",
        "name": "balanceOf",
        "stateMutability": "view",
        "inputs": [{"name": "who", "type": "address"}],
        "outputs": [{"name": "", "type": "uint256"}],
    },
]


class Signer:
    """A private key that never shows itself (repr, logs, errors)."""

    def __init__(self, key: PrivateKey) -> None:
        self._key = key
        self.address: str = key.public_key.to_base58check_address()

    @classmethod
    def from_hex(cls, key_hex: str) -> Signer:
        return cls(PrivateKey(bytes.fromhex(key_hex.strip().removeprefix("0x"))))

    @classmethod
    def hot_wallet(cls, settings: Settings) -> Signer:
        """HOT_WALLET_KEY from the environment (never stored, never logged)."""
        if not settings.hot_wallet_key:
            raise RuntimeError("HOT_WALLET_KEY is not set")
        return cls.from_hex(settings.hot_wallet_key.get_secret_value())

    def __repr__(self) -> str:
        return f"Signer({self.address})"

    def sign(self, tx: AsyncTransaction) -> AsyncTransaction:
        return tx.sign(self._key)

    def sign_message(self, text: str) -> str:
        """``text`` signed in TRON's signed-message format (hex): proves control of the address."""
        return str(self._key.sign_msg(text.encode()).hex())


def now_ms() -> int:
    return int(time.time() * 1000)


def broadcast_code(answer: Any) -> str:
    """ "OK" when accepted into the pool; the node's error code otherwise."""
    if isinstance(answer, dict) and answer.get("result") is True:
        return "OK"
    if isinstance(answer, dict):
        return str(answer.get("code") or answer.get("Error") or "UNKNOWN")
    return "UNKNOWN"


def _message(answer: Any) -> str:
    raw = str(answer.get("message", "")) if isinstance(answer, dict) else ""
    try:
        return bytes.fromhex(raw).decode(errors="replace")
    except ValueError:
        return raw


async def build_transfer(
    node: Node, config: WalletConfig, signer: Signer, asset: Asset, to: str, amount: int, lifetime_ms: int
) -> AsyncTransaction:
    """A signed transfer of ``amount`` micro units from the signer's address (tronpy builds it)."""
    tron = node.tron
    if asset == Asset.TRX:
        builder = tron.trx.transfer(signer.address, to, amount)
    else:
        token = AsyncContract(addr=config.usdt_contract, abi=TRC20_TRANSFER_ABI, client=tron)
        builder = await token.functions.transfer.with_owner(signer.address).call(to, amount)
        builder = builder.fee_limit(config.usdt_fee_limit_sun)
    tx = await builder.expiration(lifetime_ms).build()
    return signer.sign(tx)


async def broadcast(node: Node, signed: dict[str, Any]) -> Any:
    return await node.call("wallet/broadcasttransaction", signed)


def execution_failed(info: dict[str, Any]) -> str | None:
    """The failure of a transaction found in a block, or None if it succeeded."""
    if info.get("result") == "FAILED":
        return str(info.get("receipt", {}).get("result") or "FAILED")
    receipt = info.get("receipt", {}).get("result")
    if receipt not in (None, "SUCCESS"):
        return str(receipt)
    return None


@dataclass
class SendResult:
    signed: list[int] = field(default_factory=list)
    broadcast: list[int] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        """True when something happened (the scheduler then wakes the notifier)."""
        return any(vars(self).values())


class WithdrawalSender:
    def __init__(
        self,
        node: Node,
        config: WalletConfig,
        signer: Signer,
        *,
        lifetime_ms: int = 60_000,
        expiry_margin_ms: int = 30_000,
        clock: Callable[[], int] = now_ms,
    ) -> None:
        self.node = node
        self.config = config
        self.signer = signer
        self.lifetime_ms = lifetime_ms
        self.expiry_margin_ms = expiry_margin_ms
        self.clock = clock

    async def run_once(self, factory: async_sessionmaker[AsyncSession]) -> SendResult:
        """Follow what is in flight first (crash recovery), then sign and send what is approved."""
        result = SendResult()
        for wid in await self._ids(factory, WithdrawalStatus.SIGNED, WithdrawalStatus.BROADCAST):
            await self._guarded(self.follow(factory, wid, result), wid)
        for wid in await self._ids(factory, WithdrawalStatus.APPROVED):
            await self._guarded(self.send(factory, wid, result), wid)
        return result

    @staticmethod
    async def _guarded(step: Awaitable[None], wid: int) -> None:
        """One withdrawal's trouble (the node away, ...) does not stop the others; its state in
        the database says where to resume."""
        try:
            await step
        except (
            httpx.HTTPError,
            NodeUnavailable,
            ApiError,
            TaposError,
            TransactionError,
            UnknownError,
            ValidationError,
        ) as exc:
            log.warning("withdrawal %s: %s; will retry", wid, type(exc).__name__)

    @staticmethod
    async def _ids(factory: async_sessionmaker[AsyncSession], *statuses: WithdrawalStatus) -> list[int]:
        async with factory() as session:
            rows = await session.scalars(
                select(Withdrawal.id)
                .where(Withdrawal.status.in_([str(s) for s in statuses]))
                .order_by(Withdrawal.id)
            )
            return list(rows)

    async def send(self, factory: async_sessionmaker[AsyncSession], wid: int, result: SendResult) -> None:
        async with factory() as session, session.begin():
            w = await _locked(session, wid)
            if w is None or w.status != WithdrawalStatus.APPROVED:
                return
            if await session.scalar(select(User.is_banned).where(User.id == w.user_id)):
                return  # frozen after approval: waits until an admin unfreezes or rejects it
            tx = await build_transfer(
                self.node, self.config, self.signer, Asset(w.asset), w.to_address, w.amount, self.lifetime_ms
            )
            w.txid = tx.txid
            w.signed_tx = tx.to_json()
            w.expires_at_ms = int(tx.to_json()["raw_data"]["expiration"])
            w.status = WithdrawalStatus.SIGNED
            signed = dict(w.signed_tx)
            crash_point("withdrawal.signed.before_commit")
        crash_point("withdrawal.signed.after_commit")
        result.signed.append(wid)
        log.info("withdrawal %s signed as %s", wid, w.txid)
        answer = await broadcast(self.node, signed)
        crash_point("withdrawal.broadcast.after_send")
        await self._after_broadcast(factory, wid, answer, result, first=True)

    async def _after_broadcast(
        self,
        factory: async_sessionmaker[AsyncSession],
        wid: int,
        answer: Any,
        result: SendResult,
        *,
        first: bool = False,
    ) -> None:
        """``first``: the answer to the only broadcast there ever was of this transaction (a
        rejection then means no node has it); otherwise a re-broadcast, whose rejection does not
        say the earlier copies are gone: ``follow`` decides after the expiration."""
        code = broadcast_code(answer)
        if code in ("OK", "DUP_TRANSACTION_ERROR"):
            await self._accepted(factory, wid, result)
            return
        if code not in REJECTED or not first:
            log.warning("withdrawal %s: broadcast answered %s; will look it up again", wid, code)
            return
        async with factory() as session:
            txid = (await session.get(Withdrawal, wid)).txid  # type: ignore[union-attr]
        if txid and await self._seen(txid):
            return  # the node has it after all: keep following it
        await self._fail(factory, wid, f"broadcast rejected: {code} {_message(answer)}"[:500], result)

    async def _accepted(self, factory: async_sessionmaker[AsyncSession], wid: int, result: SendResult) -> None:
        async with factory() as session, session.begin():
            w = await _locked(session, wid)
            if w is not None and w.status == WithdrawalStatus.SIGNED:
                w.status = WithdrawalStatus.BROADCAST
                outbox.emit(session, events.WithdrawalBroadcast(withdrawal=withdrawal_facts(w)), [outbox.user(w.user_id)])
                crash_point("withdrawal.broadcast.before_commit")
        result.broadcast.append(wid)

    async def _seen(self, txid: str) -> bool:
        """In a block of the node's chain (solid or not) or waiting in its pool."""
        return bool(await self.node.tx_info(txid) or await self.node.tx(txid) or await self.node.pending(txid))

    async def follow(self, factory: async_sessionmaker[AsyncSession], wid: int, result: SendResult) -> None:
        async with factory() as session:
            w = await session.get(Withdrawal, wid)
            if w is None or w.txid is None or w.signed_tx is None:
                return
            txid, signed, expires = w.txid, dict(w.signed_tx), w.expires_at_ms or 0
        info = await self.node.tx_info(txid)
        if info.get("blockNumber") is not None:
            await self._settle(factory, wid, info, result)
            if wid in result.sent:
                crash_point("withdrawal.confirmed.after_commit")
            return
        if await self.node.tx(txid) or await self.node.pending(txid):
            await self._accepted(factory, wid, result)
            return
        now = self.clock()
        if now < expires:
            answer = await broadcast(self.node, signed)
            await self._after_broadcast(factory, wid, answer, result)
            return
        if now < expires + self.expiry_margin_ms:
            return  # expired, but a node's clock may lag: a block may still take it
        if await self.node.solid_time_ms() <= expires:
            return  # this node's final chain has not passed the expiration (a lagging node): wait
        # Past the expiration on the chain itself, and the look-ups above (chain and pool) found
        # nothing: no block can take it any more.
        await self._fail(factory, wid, "expired without reaching the chain", result)

    async def _settle(
        self, factory: async_sessionmaker[AsyncSession], wid: int, info: dict[str, Any], result: SendResult
    ) -> None:
        heights = await self.node.heights()
        final = max(heights.solid, heights.head - self.config.confirmations + 1)
        block = int(info["blockNumber"])
        async with factory() as session, session.begin():
            w = await _locked(session, wid)
            if w is None or w.status not in (WithdrawalStatus.SIGNED, WithdrawalStatus.BROADCAST):
                return
            w.block_num = block
            w.network_cost_sun = int(info.get("fee", 0))
            if block > final:
                return  # in a block, not final yet
            failure = execution_failed(info)
            if failure is None:
                await capture(session, w)
                outbox.emit(
                    session,
                    events.WithdrawalSent(withdrawal=withdrawal_facts(w)),
                    [outbox.user(w.user_id), outbox.PAYMENTS_CHANNEL],
                )
                crash_point("withdrawal.confirmed.before_commit")
                result.sent.append(wid)
                return
            await release(session, w, WithdrawalStatus.FAILED, f"failed on chain: {failure}")
            outbox.emit(session, events.WithdrawalFailed(withdrawal=withdrawal_facts(w)), [outbox.user(w.user_id)])
            result.failed.append(wid)

    async def _fail(
        self, factory: async_sessionmaker[AsyncSession], wid: int, reason: str, result: SendResult
    ) -> None:
        async with factory() as session, session.begin():
            w = await _locked(session, wid)
            if w is None or w.status not in (WithdrawalStatus.SIGNED, WithdrawalStatus.BROADCAST):
                return
            await release(session, w, WithdrawalStatus.FAILED, reason)
            outbox.emit(session, events.WithdrawalFailed(withdrawal=withdrawal_facts(w)), [outbox.user(w.user_id)])
        result.failed.append(wid)
        log.warning("withdrawal %s failed: %s", wid, reason)


async def _locked(session: AsyncSession, wid: int) -> Withdrawal | None:
    return await session.get(Withdrawal, wid, with_for_update=True, populate_existing=True)
