"""Cold storage, watch-only: the hot wallet's excess goes out to COLD_WALLET_ADDRESS; refills
come back signed offline by whoever holds the cold key (it never reaches this service).

Out (a job, ``ColdKeeper.run_once``, only in the worker): per asset, when the hot wallet holds
``cold_min_move`` or more above its target (core.wallet.report), one transfer of the excess to
the cold address, made crash-safe exactly like a withdrawal (core.wallet.sender):
  1. under an advisory lock, with no open move of that asset: build and sign; store txid and
     the signed transaction, status SIGNED; COMMIT (a partial unique index allows one open move
     per direction and asset, so a second one can never be signed while one is open);
  2. broadcast the stored bytes; BROADCAST;
  3. final on chain (solid, or ``confirmations`` deep): DONE, the TRX burned kept in
     ``network_cost_sun``; a failed execution, a first broadcast every node refused, or an
     expiration the final chain has passed with the transaction nowhere: FAILED.
After a crash the next run follows every open move by its stored txid (re-broadcasting the
same signed transaction while it has not expired) before it considers a new one.

In (refills): when the hot wallet holds less than it needs soon, the job records a REQUESTED
refill and tells the admins (``ColdRefillNeeded``). ``prepare_refill`` has the node build the
UNSIGNED transaction (cold -> hot, the amount that brings the hot wallet up to its target, valid
``refill_lifetime_ms``); its txid is known before anyone signs. ``submit_refill`` takes the
signed transaction back and refuses anything but exactly that: same asset, amount, sender and
destination, the prepared transaction itself, not expired, signed by the cold key. Then the
same steps 1-3 (SIGNED is stored before the broadcast). An unsigned refill found on chain
(broadcast by other means) is followed and settled like any other.

Custody is not ownership: the ledger does not change, as with sweeps (core.wallet.sweeper);
the network cost of a move (TRX burned for the USDT transfer's energy, or bandwidth) is the
platform's and is recorded on the row, as the sweeper and the sender record theirs. The ledger
audit and ``python -m core.wallet reconcile`` (which counts cold holdings and checks these rows
against the chain) stay exact.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from tronpy.async_contract import AsyncContract
from tronpy.async_tron import AsyncTransaction
from tronpy.exceptions import ApiError, TaposError, TransactionError, UnknownError, ValidationError
from tronpy.keys import Signature, to_base58check_address

from core import events, outbox
from core.errors import DomainError
from core.faults import crash_point
from core.money import Asset
from core.wallet.config import WalletConfig
from core.wallet.models import COLD_OPEN, ColdDirection, ColdStatus, ColdTransfer
from core.wallet.node import Node, NodeUnavailable
from core.wallet.report import AssetReport, hot_wallet_report
from core.wallet.sender import (
    REJECTED,
    TRC20_TRANSFER_ABI,
    Signer,
    broadcast,
    broadcast_code,
    build_transfer,
    execution_failed,
    now_ms,
)

log = logging.getLogger(__name__)

LOCK = 0x6B6F6C64  # pg advisory lock: one decision about cold moves at a time
RETRY_FAILED_AFTER = timedelta(hours=1)  # a failed move to cold storage waits this long before another
TRANSFER_SELECTOR = "a9059cbb"  # transfer(address,uint256)
NODE_TROUBLE = (
    httpx.HTTPError, NodeUnavailable, ApiError, TaposError, TransactionError, UnknownError, ValidationError,
)  # fmt: skip


@dataclass
class ColdResult:
    signed: list[int] = field(default_factory=list)
    broadcast: list[int] = field(default_factory=list)
    done: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    requested: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        """True when something happened (the scheduler then wakes the notifier)."""
        return any(vars(self).values())


# ---- reading a transaction ----------------------------------------------------------------------


@dataclass(frozen=True)
class TransferFacts:
    """What a TRX or USDT transfer transaction moves, read from its ``raw_data``."""

    asset: Asset | None  # None: another token contract
    sender: str
    to: str
    amount: int


def transfer_facts(raw_data: Any, config: WalletConfig) -> TransferFacts | None:
    """The transfer a ``raw_data`` describes (TransferContract, or TriggerSmartContract calling
    ``transfer(to, amount)``), or None when it is something else."""
    try:
        contract = raw_data["contract"]
        if not isinstance(contract, list) or len(contract) != 1:
            return None
        kind = contract[0]["type"]
        value = contract[0]["parameter"]["value"]
        sender = to_base58check_address(value["owner_address"])
        if kind == "TransferContract":
            return TransferFacts(Asset.TRX, sender, to_base58check_address(value["to_address"]), int(value["amount"]))
        if kind != "TriggerSmartContract" or int(value.get("call_value") or 0):
            return None
        data = str(value["data"]).lower().removeprefix("0x")
        if len(data) != 8 + 64 + 64 or not data.startswith(TRANSFER_SELECTOR):
            return None
        to = to_base58check_address("41" + data[8 + 24 : 8 + 64])
        token = to_base58check_address(value["contract_address"])
        asset = Asset.USDT if token == config.usdt_contract else None
        return TransferFacts(asset, sender, to, int(data[8 + 64 :], 16))
    except (KeyError, TypeError, ValueError, IndexError):
        return None


def signers(txid: str, signatures: list[Any]) -> list[str]:
    """The addresses the signatures recover to over ``txid`` (unreadable ones left out)."""
    out = []
    for sig in signatures:
        try:
            key = Signature(bytes.fromhex(str(sig))).recover_public_key_from_msg_hash(bytes.fromhex(txid))
        except Exception:  # any malformed signature recovers nobody
            continue
        out.append(key.to_base58check_address())
    return out


def parse_signed(pasted: str | bytes) -> dict[str, Any]:
    """The signed transaction an admin handed in (JSON text or a .json file)."""
    try:
        doc = json.loads(pasted)
    except (ValueError, UnicodeDecodeError):
        raise DomainError("cold_tx_unreadable") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("raw_data"), dict):
        raise DomainError("cold_tx_unreadable")
    return doc


def unsigned_document(row: ColdTransfer) -> str:
    """The unsigned refill as a JSON document for the cold key's holder (tronpy's shape)."""
    assert row.unsigned_tx is not None
    return json.dumps(row.unsigned_tx, indent=1, sort_keys=True)


# ---- the job ------------------------------------------------------------------------------------


async def build_unsigned(
    node: Node, config: WalletConfig, owner: str, asset: Asset, to: str, amount: int, lifetime_ms: int
) -> AsyncTransaction:
    """An unsigned transfer from ``owner`` built by the node (tronpy), as a wallet would sign it."""
    tron = node.tron
    if asset == Asset.TRX:
        builder = tron.trx.transfer(owner, to, amount)
    else:
        token = AsyncContract(addr=config.usdt_contract, abi=TRC20_TRANSFER_ABI, client=tron)
        builder = await token.functions.transfer.with_owner(owner).call(to, amount)
        builder = builder.fee_limit(config.usdt_fee_limit_sun)
    return await builder.expiration(lifetime_ms).build()


class ColdKeeper:
    def __init__(
        self,
        node: Node,
        config: WalletConfig,
        hot: Signer | None,
        *,
        lifetime_ms: int = 60_000,
        expiry_margin_ms: int = 30_000,
        clock: Callable[[], int] = now_ms,
    ) -> None:
        """``hot`` signs the moves out (the worker); without it (the admin bot) the keeper only
        prepares and hands in refills, which the cold key signs."""
        if not config.cold_address or not config.hot_address:
            raise ValueError("no cold or hot address configured")
        if hot is not None and hot.address != config.hot_address:
            raise ValueError("HOT_WALLET_KEY does not match the configured hot address")
        self.node = node
        self.config = config
        self.hot = hot
        self.hot_address: str = config.hot_address
        self.cold: str = config.cold_address
        self.lifetime_ms = lifetime_ms
        self.expiry_margin_ms = expiry_margin_ms
        self.clock = clock

    async def run_once(self, factory: async_sessionmaker[AsyncSession]) -> ColdResult:
        """Follow what is open first (crash recovery), then move the excess out and ask for
        refills where needed."""
        result = ColdResult()
        for row_id in await self._open_ids(factory):
            try:
                await self.follow(factory, row_id, result)
            except NODE_TROUBLE as exc:
                log.warning("cold transfer %s: %s; will retry", row_id, type(exc).__name__)
        for asset in Asset:
            try:
                await self.move_out(factory, asset, result)
            except NODE_TROUBLE as exc:
                log.warning("cold move of %s: %s; will retry", asset, type(exc).__name__)
        try:
            await self.ask_refills(factory, result)
        except NODE_TROUBLE as exc:
            log.warning("refill check: %s; will retry", type(exc).__name__)
        return result

    @staticmethod
    async def _open_ids(factory: async_sessionmaker[AsyncSession]) -> list[int]:
        async with factory() as session:
            rows = await session.scalars(
                select(ColdTransfer.id)
                .where(
                    ColdTransfer.status.in_([ColdStatus.UNSIGNED, ColdStatus.SIGNED, ColdStatus.BROADCAST]),
                    ColdTransfer.txid.is_not(None),
                )
                .order_by(ColdTransfer.id)
            )
            return list(rows)

    async def _reports(self, session: AsyncSession) -> dict[Asset, AssetReport]:
        lines = await hot_wallet_report(
            session, self.node, self.config, self.hot_address, alert=False, unswept_too=False
        )
        return {r.asset: r for r in lines}

    async def move_out(self, factory: async_sessionmaker[AsyncSession], asset: Asset, result: ColdResult) -> None:
        async with factory() as session, session.begin():
            await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK})
            if await _open(session, ColdDirection.OUT, asset) is not None:
                return  # one open move per asset: follow() settles it first
            if await _failed_lately(session, asset):
                return  # failed on chain: the admins were told; not retried (its fee burned) every run
            line = (await self._reports(session))[asset]
            if not line.too_much or self.hot is None:
                return
            tx = await build_transfer(
                self.node, self.config, self.hot, asset, self.cold, line.excess, self.lifetime_ms
            )
            signed = tx.to_json()
            row = ColdTransfer(
                direction=ColdDirection.OUT, asset=str(asset), amount=line.excess, from_address=self.hot_address,
                to_address=self.cold, status=ColdStatus.SIGNED, txid=tx.txid, signed_tx=signed,
                expires_at_ms=int(signed["raw_data"]["expiration"]),
            )  # fmt: skip
            session.add(row)
            await session.flush()
            row_id = row.id
            crash_point("cold.out.signed.before_commit")
        crash_point("cold.out.signed.after_commit")
        result.signed.append(row_id)
        log.info("cold move %s: %s %s signed as %s", row_id, line.excess, asset, tx.txid)
        answer = await broadcast(self.node, dict(signed))
        crash_point("cold.out.broadcast.after_send")
        await self._after_broadcast(factory, row_id, answer, result, first=True)

    async def ask_refills(self, factory: async_sessionmaker[AsyncSession], result: ColdResult) -> None:
        """A REQUESTED refill (and one notice to the admins) per asset the hot wallet is short
        of; a request nobody prepared yet is cancelled once the need is gone."""
        async with factory() as session, session.begin():
            await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK})
            reports = await self._reports(session)
            for asset, line in reports.items():
                row = await _open(session, ColdDirection.IN, asset)
                if line.refill > 0 and row is None:
                    row = ColdTransfer(
                        direction=ColdDirection.IN, asset=str(asset), amount=line.refill, from_address=self.cold,
                        to_address=self.hot_address, status=ColdStatus.REQUESTED,
                    )  # fmt: skip
                    session.add(row)
                    await session.flush()
                    told = events.ColdRefillNeeded(
                        refill_id=row.id, asset=str(asset), amount=line.refill, hot=line.hot, needed=line.needed_soon
                    )
                    outbox.emit(session, told, [outbox.ADMINS])
                    result.requested.append(row.id)
                elif row is not None and row.status == ColdStatus.REQUESTED:
                    if line.refill > 0:
                        row.amount = line.refill  # kept current until someone prepares it
                    else:
                        row.status, row.error, row.settled_at = ColdStatus.CANCELLED, "no longer needed", _now()
                        result.cancelled.append(row.id)

    # ---- following an open transfer ----

    async def follow(self, factory: async_sessionmaker[AsyncSession], row_id: int, result: ColdResult) -> None:
        async with factory() as session:
            row = await session.get(ColdTransfer, row_id)
            if row is None or row.txid is None:
                return
            txid, expires = row.txid, row.expires_at_ms or 0
            signed = dict(row.signed_tx) if row.signed_tx else None
        info = await self.node.tx_info(txid)
        if info.get("blockNumber") is not None:
            await self._settle(factory, row_id, info, result)
            return
        if await self.node.tx(txid) or await self.node.pending(txid):
            await self._accepted(factory, row_id, result)
            return
        now = self.clock()
        if now < expires:
            if signed is not None:
                await self._after_broadcast(factory, row_id, await broadcast(self.node, signed), result)
            return
        if now < expires + self.expiry_margin_ms:
            return  # expired, but a node's clock may lag: a block may still take it
        if await self.node.solid_time_ms() <= expires:
            return  # this node's final chain has not passed the expiration yet
        await self._fail(factory, row_id, "expired without reaching the chain", result)

    async def _after_broadcast(
        self, factory: async_sessionmaker[AsyncSession], row_id: int, answer: Any, result: ColdResult,
        *, first: bool = False,
    ) -> None:  # fmt: skip
        """As the withdrawal sender: only the answer to the first broadcast ever made of a
        transaction proves, when it is a rejection, that no node has it."""
        code = broadcast_code(answer)
        if code in ("OK", "DUP_TRANSACTION_ERROR"):
            await self._accepted(factory, row_id, result)
            return
        if code not in REJECTED or not first:
            log.warning("cold transfer %s: broadcast answered %s; will look it up again", row_id, code)
            return
        async with factory() as session:
            txid = (await session.get(ColdTransfer, row_id)).txid  # type: ignore[union-attr]
        if txid and (await self.node.tx_info(txid) or await self.node.tx(txid) or await self.node.pending(txid)):
            return
        await self._fail(factory, row_id, f"broadcast rejected: {code}", result)

    async def _accepted(self, factory: async_sessionmaker[AsyncSession], row_id: int, result: ColdResult) -> None:
        async with factory() as session, session.begin():
            row = await _locked(session, row_id)
            if row is not None and row.status in (ColdStatus.UNSIGNED, ColdStatus.SIGNED):
                row.status = ColdStatus.BROADCAST
                crash_point(f"cold.{row.direction}.broadcast.before_commit")
                result.broadcast.append(row_id)

    async def _settle(
        self, factory: async_sessionmaker[AsyncSession], row_id: int, info: dict[str, Any], result: ColdResult
    ) -> None:
        heights = await self.node.heights()
        final = max(heights.solid, heights.head - self.config.confirmations + 1)
        block = int(info["blockNumber"])
        async with factory() as session, session.begin():
            row = await _locked(session, row_id)
            if row is None or row.status not in (ColdStatus.UNSIGNED, ColdStatus.SIGNED, ColdStatus.BROADCAST):
                return
            row.block_num = block
            row.network_cost_sun = int(info.get("fee", 0))
            if block > final:
                return  # in a block, not final yet
            failure = execution_failed(info)
            row.status = ColdStatus.FAILED if failure else ColdStatus.DONE
            row.error = f"failed on chain: {failure}" if failure else None
            row.settled_at = _now()
            outbox.emit(session, _done_event(row), [outbox.ADMINS])
            crash_point(f"cold.{row.direction}.done.before_commit")
        (result.failed if failure else result.done).append(row_id)

    async def _fail(
        self, factory: async_sessionmaker[AsyncSession], row_id: int, reason: str, result: ColdResult
    ) -> None:
        async with factory() as session, session.begin():
            row = await _locked(session, row_id)
            if row is None or row.status not in (ColdStatus.UNSIGNED, ColdStatus.SIGNED, ColdStatus.BROADCAST):
                return
            unsigned = row.status == ColdStatus.UNSIGNED
            row.status = ColdStatus.CANCELLED if unsigned else ColdStatus.FAILED
            row.error, row.settled_at = reason[:500], _now()
            if not unsigned:
                outbox.emit(session, _done_event(row), [outbox.ADMINS])
        (result.cancelled if unsigned else result.failed).append(row_id)
        log.warning("cold transfer %s: %s", row_id, reason)

    # ---- refills, asked by an admin ----

    async def prepare_refill(self, factory: async_sessionmaker[AsyncSession], asset: Asset) -> ColdTransfer:
        """The refill of ``asset`` as an UNSIGNED transaction for the cold key's holder: the one
        already handed out while it can still be signed, or a new one for the amount that
        brings the hot wallet up to its target now. Raises DomainError cold_refill_not_needed,
        cold_refill_under_way (one is signed and on its way) or cold_refill_unbuildable."""
        asset = Asset(asset)
        async with factory() as session, session.begin():
            await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK})
            row = await _open(session, ColdDirection.IN, asset)
            if row is not None and row.status in (ColdStatus.SIGNED, ColdStatus.BROADCAST):
                raise DomainError("cold_refill_under_way", asset=str(asset), txid=row.txid)
            if row is not None and row.status == ColdStatus.UNSIGNED:
                if self.clock() < (row.expires_at_ms or 0) + self.expiry_margin_ms:
                    return row  # still signable (or just expired: wait until no block can take it)
                if await self.node.tx_info(row.txid or "") or await self.node.pending(row.txid or ""):
                    raise DomainError("cold_refill_under_way", asset=str(asset), txid=row.txid)
            line = (await self._reports(session))[asset]
            if line.refill <= 0:
                if row is not None:
                    row.status, row.error, row.settled_at = ColdStatus.CANCELLED, "no longer needed", _now()
                    await session.flush()
                raise DomainError("cold_refill_not_needed", asset=str(asset))
            try:
                tx = await build_unsigned(
                    self.node, self.config, self.cold, asset, self.hot_address, line.refill,
                    self.config.refill_lifetime_ms,
                )  # fmt: skip
            except NODE_TROUBLE as exc:
                raise DomainError("cold_refill_unbuildable", asset=str(asset), reason=str(exc)[:200]) from None
            if row is None:
                row = ColdTransfer(
                    direction=ColdDirection.IN, asset=str(asset), amount=line.refill, from_address=self.cold,
                    to_address=self.hot_address, status=ColdStatus.REQUESTED,
                )  # fmt: skip
                session.add(row)
            doc = tx.to_json()
            row.amount, row.txid, row.status = line.refill, tx.txid, ColdStatus.UNSIGNED
            row.unsigned_tx = {"txID": tx.txid, "raw_data": doc["raw_data"], "signature": [], "visible": False}
            row.expires_at_ms = int(doc["raw_data"]["expiration"])
            await session.flush()
            return row

    async def submit_refill(
        self, factory: async_sessionmaker[AsyncSession], refill_id: int, pasted: str | bytes, admin_id: int
    ) -> ColdTransfer:
        """Broadcast the signed refill an admin handed in, after checking that it is exactly the
        prepared one: asset, amount, sender (the cold address) and destination (the hot wallet),
        the same transaction, not expired, and signed by the cold key. Anything else raises a
        DomainError (cold_tx_*) and nothing is stored or broadcast."""
        doc = parse_signed(pasted)
        async with factory() as session:
            row = await session.get(ColdTransfer, refill_id)
            if row is None or row.direction != ColdDirection.IN or row.status != ColdStatus.UNSIGNED:
                raise DomainError("cold_refill_not_waiting")
            assert row.unsigned_tx is not None and row.txid is not None
            prepared, txid, expires = row.unsigned_tx["raw_data"], row.txid, row.expires_at_ms or 0
            asset, amount = Asset(row.asset), row.amount
        facts = transfer_facts(doc["raw_data"], self.config)
        if facts is None:
            raise DomainError("cold_tx_unreadable")
        if facts.asset != asset:
            raise DomainError("cold_tx_asset", expected=str(asset), got=str(facts.asset or "?"))
        if facts.sender != self.cold:
            raise DomainError("cold_tx_sender", expected=self.cold, got=facts.sender)
        if facts.to != self.hot_address:
            raise DomainError("cold_tx_destination", expected=self.hot_address, got=facts.to)
        if facts.amount != amount:
            raise DomainError("cold_tx_amount", expected=amount, got=facts.amount, asset=str(asset))
        if doc["raw_data"] != prepared or str(doc.get("txID") or txid) != txid:
            raise DomainError("cold_tx_not_prepared")
        if self.clock() >= expires:
            raise DomainError("cold_tx_expired")
        signatures = [s for s in doc.get("signature") or [] if s]
        if not signatures:
            raise DomainError("cold_tx_unsigned")
        by = signers(txid, signatures)
        if not by or any(a != self.cold for a in by) or len(by) != len(signatures):
            raise DomainError("cold_tx_signer", expected=self.cold, got=", ".join(by) or "?")
        signed = {"txID": txid, "raw_data": prepared, "signature": signatures, "visible": False}
        async with factory() as session, session.begin():
            locked = await _locked(session, refill_id)
            if locked is None or locked.status != ColdStatus.UNSIGNED or locked.txid != txid:
                raise DomainError("cold_refill_not_waiting")
            locked.signed_tx, locked.status, locked.admin_id = signed, ColdStatus.SIGNED, admin_id
            crash_point("cold.in.signed.before_commit")
        crash_point("cold.in.signed.after_commit")
        result = ColdResult(signed=[refill_id])
        answer = await broadcast(self.node, signed)
        crash_point("cold.in.broadcast.after_send")
        await self._after_broadcast(factory, refill_id, answer, result, first=True)
        async with factory() as session:
            row = await session.get(ColdTransfer, refill_id)
            assert row is not None
        if row.status == ColdStatus.FAILED:
            raise DomainError("cold_tx_rejected", reason=row.error or "")
        return row


def _done_event(row: ColdTransfer) -> events.ColdTransferDone:
    return events.ColdTransferDone(
        transfer_id=row.id, direction=row.direction, asset=row.asset, amount=row.amount, txid=row.txid,
        failed=row.status == ColdStatus.FAILED, error=row.error,
    )  # fmt: skip


def _now() -> datetime:
    return datetime.now(UTC)


async def _open(session: AsyncSession, direction: ColdDirection, asset: Asset) -> ColdTransfer | None:
    return await session.scalar(
        select(ColdTransfer)
        .where(
            ColdTransfer.direction == direction,
            ColdTransfer.asset == str(asset),
            ColdTransfer.status.in_([str(s) for s in COLD_OPEN]),
        )
        .with_for_update()
    )


async def _failed_lately(session: AsyncSession, asset: Asset) -> bool:
    since = _now() - RETRY_FAILED_AFTER
    found = await session.scalar(
        select(ColdTransfer.id).where(
            ColdTransfer.direction == ColdDirection.OUT,
            ColdTransfer.asset == str(asset),
            ColdTransfer.status == ColdStatus.FAILED,
            ColdTransfer.block_num.is_not(None),  # failed on chain (its fee burned), not merely expired
            ColdTransfer.settled_at > since,
        ).limit(1)
    )
    return found is not None


async def _locked(session: AsyncSession, row_id: int) -> ColdTransfer | None:
    return await session.get(ColdTransfer, row_id, with_for_update=True, populate_existing=True)


async def open_transfers(session: AsyncSession) -> list[ColdTransfer]:
    """The moves not settled yet (the admin's screen lists them)."""
    rows = await session.scalars(
        select(ColdTransfer).where(ColdTransfer.status.in_([str(s) for s in COLD_OPEN])).order_by(ColdTransfer.id)
    )
    return list(rows)
