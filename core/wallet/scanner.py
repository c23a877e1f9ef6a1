"""The deposit scanner: a job that reads new blocks, announces deposits to users' addresses and
credits them once their block is final.

One run is one database transaction holding pg_try_advisory_xact_lock(SCANNER_LOCK): a second
instance (another process) finds the lock taken and returns at once. In that transaction the
run checks that the last scanned block is still on the node's chain (else it rewinds to the
fork point and drops the detections above it), reads up to ``batch_blocks`` new blocks,
records the deposits in them, credits the detections that became final, and moves the cursor:
credits and cursor commit together, so a restart resumes exactly where the last commit
stopped, and the unique (txid, event index) plus the ledger's idempotency key make a credit
happen once.

A block is final when the node reports it solidified, or when it has ``confirmations``
confirmations (the head block has one).

TRX the platform itself sends to a deposit address is not a deposit: the sweeper's gas (TRX to
burn for a USDT sweep) is recognised by its txid, which the sweeper stores before it broadcasts
(core.wallet.sweeper), so no private key and no knowledge of the current hot address is needed
(a scanner without HOT_WALLET_KEY, or after the hot key was rotated, credits no gas).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta

from prometheus_client import Counter
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core import events, metrics, outbox
from core.faults import crash_point
from core.ledger import AccountRef, Purpose, transfer
from core.money import Asset
from core.wallet import addresses
from core.wallet.addressbook import AddressBook, owners
from core.wallet.config import WalletConfig
from core.wallet.models import Deposit, DepositAddress, DepositStatus, ScannedBlock, ScannerCursor, Sweep
from core.wallet.node import Heights, Node
from core.wallet.parsing import (
    Block,
    BlockRef,
    Transfer,
    block_ref,
    decode_blocks,
    decode_infos,
    token_transfers,
    trx_transfers,
)

log = logging.getLogger(__name__)

Fetched = tuple[list[Block], dict[int, bytes]]  # blocks, and each block's infos answer (raw)

SCANNER_LOCK = 0x4B4F5858_0002  # pg advisory lock key: the one active deposit scanner
CURSOR = "deposits"
HANDED_OUT_MARGIN = timedelta(minutes=1)  # clocks of the database and the chain may differ a little
INFO_CONCURRENCY = 8
MAX_RANGE = 100  # getblockbylimitnext answers at most 100 blocks


@dataclass
class ScanResult:
    skipped: bool = False  # another instance holds the lock
    scanned: int = 0  # blocks read
    detected: int = 0
    credited: int = 0
    dust: int = 0
    dropped: int = 0
    rewound_to: int | None = None
    next_block: int = 0
    head: int = 0
    credited_ids: list[int] = field(default_factory=list)
    counted: list[tuple[Counter, str]] = field(default_factory=list)  # (metric, asset), counted once committed

    @property
    def events(self) -> int:
        return self.detected + self.credited + self.dust + self.dropped

    @property
    def caught_up(self) -> bool:
        return not self.skipped and self.rewound_to is None and self.next_block > self.head


async def gas_txids(session: AsyncSession, txids: set[str]) -> set[str]:
    """Which of ``txids`` are the sweeper's gas transfers (recorded before their broadcast)."""
    if not txids:
        return set()
    return set(await session.scalars(select(Sweep.gas_txid).where(Sweep.gas_txid.in_(txids))))


class Scanner:
    def __init__(self, node: Node, config: WalletConfig, book: AddressBook | None = None) -> None:
        self.node = node
        self.config = config
        self.book = book or AddressBook()
        self.contract = addresses.body(config.usdt_contract)
        # Also by sender: the configured hot wallet funds deposit addresses only with gas.
        self.ignored_senders = {addresses.body(config.hot_address)} if config.hot_address else set()
        self._prefetch: tuple[int, asyncio.Future[Fetched]] | None = None
        self.last_block_ms: int | None = None  # chain time of the last block scanned (for the lag metric)

    async def run_once(self, factory: async_sessionmaker[AsyncSession]) -> ScanResult:
        async with factory() as session, session.begin():
            locked = await session.scalar(select(func.pg_try_advisory_xact_lock(SCANNER_LOCK)))
            if not locked:
                return ScanResult(skipped=True)
            result = await self._scan(session)
        _observe(result, self.last_block_ms)
        if result.detected:
            crash_point("deposit.detected.after_commit")
        if result.credited:
            crash_point("deposit.credited.after_commit")
        return result

    async def run_until_caught_up(
        self, factory: async_sessionmaker[AsyncSession], max_runs: int = 1000
    ) -> int:
        """Scan batch after batch until the head (or ``max_runs`` batches); returns how many
        deposits were detected, credited, marked dust or dropped (0: nothing to announce)."""
        events = 0
        try:
            for _ in range(max_runs):
                result = await self.run_once(factory)
                events += result.events
                if result.skipped or result.caught_up:
                    break
            return events
        finally:
            self.close()

    def close(self) -> None:
        """Drop a read-ahead that will not be used."""
        if self._prefetch is not None:
            self._prefetch[1].cancel()
            self._prefetch = None

    async def _scan(self, session: AsyncSession) -> ScanResult:
        await self.book.refresh(session)
        heights = await self.node.heights()
        final = max(heights.solid, heights.head - self.config.confirmations + 1)
        cursor = await self._cursor(session, heights)
        result = ScanResult(next_block=cursor.next_block, head=heights.head)

        start = cursor.next_block
        end = min(heights.head + 1, start + self.config.batch_blocks)
        known = await session.scalar(select(ScannedBlock.hash).where(ScannedBlock.num == start - 1))
        fetch_from = start - 1 if known is not None else start
        fetch_end = min(max(end, fetch_from + 1), fetch_from + MAX_RANGE)
        raw_blocks, infos = await self._take_or_fetch(fetch_from, start, fetch_end)
        refs = [block_ref(b) for b in raw_blocks]
        if known is not None:
            if not refs or refs[0].num != start - 1 or refs[0].hash != known:
                self.close()
                await self._rewind(session, cursor, final, result)
                return result
            raw_blocks, refs = raw_blocks[1:], refs[1:]
        blocks = self._linked(refs, start, known)
        raw_blocks = raw_blocks[: len(blocks)]
        if raw_blocks:
            self.last_block_ms = raw_blocks[-1].block_header.raw_data.timestamp
        new_next = start + len(blocks)
        if blocks and new_next <= heights.head:
            # More to read: fetch the next batch while this one is written. It is checked like
            # any other (its first block must be the one stored last), so a fork in between is safe.
            next_end = min(heights.head + 1, new_next + self.config.batch_blocks, new_next - 1 + MAX_RANGE)
            self._start_prefetch(new_next - 1, new_next, next_end)

        found = self._parse(raw_blocks, infos)
        await self._record(session, found, blocks, final, result)
        result.scanned = len(blocks)
        if blocks:
            stmt = insert(ScannedBlock).values([{"num": b.num, "hash": b.hash} for b in blocks])
            await session.execute(
                stmt.on_conflict_do_update(
                    index_elements=[ScannedBlock.num], set_={"hash": stmt.excluded.hash}
                )
            )
        await session.execute(
            delete(ScannedBlock).where(ScannedBlock.num < final, ScannedBlock.num < new_next - 1)
        )
        await self._settle(session, min(final, new_next - 1), result)
        cursor.next_block = new_next
        result.next_block = new_next
        if result.detected:
            crash_point("deposit.detected.before_commit")
        if result.credited:
            crash_point("deposit.credited.before_commit")
        return result

    def _start_prefetch(self, fetch_from: int, start: int, fetch_end: int) -> None:
        self.close()
        task = asyncio.ensure_future(self._fetch(fetch_from, start, fetch_end))
        task.add_done_callback(lambda t: t.cancelled() or t.exception())  # retrieved later or dropped
        self._prefetch = (fetch_from, task)

    async def _take_or_fetch(self, fetch_from: int, start: int, fetch_end: int) -> Fetched:
        if self._prefetch is not None and self._prefetch[0] == fetch_from:
            task = self._prefetch[1]
            self._prefetch = None
            return await task
        self.close()
        return await self._fetch(fetch_from, start, fetch_end)

    async def _fetch(self, fetch_from: int, start: int, fetch_end: int) -> Fetched:
        """Blocks [fetch_from, fetch_end) and the transaction infos of blocks [start, fetch_end),
        all requests at once (a few in flight); nothing is decoded yet."""
        semaphore = asyncio.Semaphore(INFO_CONCURRENCY)

        async def infos(num: int) -> tuple[int, bytes]:
            async with semaphore:
                return num, await self.node.infos_raw(num)

        batch, *pairs = await asyncio.gather(
            self.node.blocks_raw(fetch_from, fetch_end), *(infos(n) for n in range(start, fetch_end))
        )
        return decode_blocks(batch), dict(pairs)  # type: ignore[arg-type]

    async def _cursor(self, session: AsyncSession, heights: Heights) -> ScannerCursor:
        cursor = await session.get(ScannerCursor, CURSOR, with_for_update=True)
        if cursor is None:
            cursor = ScannerCursor(name=CURSOR, next_block=await self._first_block(session, heights))
            session.add(cursor)
            await session.flush()
        return cursor

    async def _first_block(self, session: AsyncSession, heights: Heights) -> int:
        """Where a new scanner starts: START_BLOCK when configured; else the block of the moment
        the first deposit address was handed out (a minute earlier, for clocks that differ), so
        that a deposit paid before the scanner's first run is found; the head when no address
        exists yet (nothing before it can be ours)."""
        if self.config.start_block is not None:
            return self.config.start_block
        first = await session.scalar(select(func.min(DepositAddress.created_at)))
        if first is None:
            return heights.head
        return await self._block_at(int((first - HANDED_OUT_MARGIN).timestamp() * 1000), heights.head)

    async def _block_at(self, when_ms: int, head: int) -> int:
        """The first block at or after ``when_ms`` (the head at most), by bisection over the chain."""
        low, high = 0, head
        while low < high:
            middle = (low + high) // 2
            found = await self.node.blocks(middle, middle + 1)
            if not found or found[0].block_header.raw_data.timestamp < when_ms:
                low = middle + 1
            else:
                high = middle
        return low

    @staticmethod
    def _linked(refs: list[BlockRef], start: int, parent: str | None) -> list[BlockRef]:
        """The prefix of ``refs`` that continues the chain from ``start`` without a gap."""
        out: list[BlockRef] = []
        expected_num, expected_parent = start, parent
        for ref in refs:
            if ref.num != expected_num or (expected_parent is not None and ref.parent != expected_parent):
                break
            out.append(ref)
            expected_num, expected_parent = ref.num + 1, ref.hash
        return out

    def _parse(self, blocks: list[Block], infos: dict[int, bytes]) -> list[tuple[int, Transfer]]:
        """(block number, transfer) for every deposit in the blocks. A token transfer counts only
        if its transaction is in the block as fetched (infos and blocks are separate requests: a
        fork between them must not mix two chains)."""
        found: list[tuple[int, Transfer]] = []
        for block in blocks:
            num = block_ref(block).num
            found.extend((num, t) for t in trx_transfers(block, self.book))
            tokens = list(token_transfers(decode_infos(infos.get(num, b"[]")), self.contract, self.book))
            if tokens:
                txids = {tx.txID for tx in block.transactions}
                found.extend((num, t) for t in tokens if t.txid in txids)
        return found

    async def _record(
        self,
        session: AsyncSession,
        found: list[tuple[int, Transfer]],
        blocks: list[BlockRef],
        final: int,
        result: ScanResult,
    ) -> None:
        if not found:
            return
        hashes = {b.num: b.hash for b in blocks}
        who = await owners(session, {t.to for _, t in found})
        gas = await gas_txids(session, {t.txid for _, t in found})
        rows = [
            {
                "txid": t.txid,
                "event_index": t.event_index,
                "user_id": who[t.to][0],
                "asset": str(t.asset),
                "amount": t.amount,
                "address": who[t.to][1],
                "sender": addresses.from_body(t.sender) if t.sender else None,
                "block_num": num,
                "block_hash": hashes[num],
                "status": DepositStatus.DETECTED,
            }
            for num, t in found
            if t.to in who and t.sender not in self.ignored_senders and t.txid not in gas
        ]
        if not rows:
            return
        values = insert(Deposit).values(rows)
        stmt = values.on_conflict_do_update(
            constraint="uq_wallet_deposits_txid",
            set_={
                "block_num": values.excluded.block_num,
                "block_hash": values.excluded.block_hash,
                "status": DepositStatus.DETECTED,
            },
            where=Deposit.status == DepositStatus.DROPPED,  # back on the chain after a fork
        ).returning(
            Deposit.id, Deposit.user_id, Deposit.asset, Deposit.amount, Deposit.txid, Deposit.block_num
        )
        # rows that existed already (a rescan after a crash or a rewind) come back empty
        for deposit_id, user_id, asset, amount, txid, num in (await session.execute(stmt)).tuples():
            result.detected += 1
            result.counted.append((metrics.DEPOSITS_DETECTED, asset))
            if num > final:
                detected = events.DepositDetected(deposit_id=deposit_id, asset=asset, amount=amount, txid=txid,
                                                  confirmations_needed=self.config.confirmations)
                outbox.emit(session, detected, [outbox.user(user_id)])

    async def _settle(self, session: AsyncSession, final: int, result: ScanResult) -> None:
        """Credit (or mark as dust) the detections whose block is final."""
        pending = (
            (
                await session.execute(
                    select(
                        Deposit.id,
                        Deposit.user_id,
                        Deposit.asset,
                        Deposit.amount,
                        Deposit.txid,
                        Deposit.event_index,
                        Deposit.block_num,
                    )
                    .where(Deposit.status == DepositStatus.DETECTED, Deposit.block_num <= final)
                    .order_by(Deposit.id)
                    .with_for_update()
                )
            )
            .tuples()
            .all()
        )
        if not pending:
            return
        settled: dict[DepositStatus, list[int]] = {DepositStatus.CREDITED: [], DepositStatus.DUST: []}
        for deposit_id, user_id, asset_name, amount, txid, event_index, block_num in pending:
            asset = Asset(asset_name)
            if amount < self.config.min_deposit[asset]:
                settled[DepositStatus.DUST].append(deposit_id)
                dust = events.DepositDust(deposit_id=deposit_id, asset=asset_name, amount=amount, txid=txid,
                                          minimum=self.config.min_deposit[asset])
                outbox.emit(session, dust, [outbox.user(user_id)])
                continue
            crash_point("deposit.confirmed.before_credit")
            await transfer(
                session,
                kind="deposit",
                key=f"deposit:{txid}:{event_index}",
                src=AccountRef.platform(Purpose.DEPOSITS),
                dst=AccountRef.user(user_id),
                asset=asset,
                amount=amount,
                ref=f"deposit:{deposit_id}",  # the ledger's ref holds 64 characters: txid in memo
                memo={"txid": txid, "event_index": event_index, "block": block_num},
            )
            settled[DepositStatus.CREDITED].append(deposit_id)
            result.counted.append((metrics.DEPOSITS_CREDITED, asset_name))
            credited = events.DepositCredited(deposit_id=deposit_id, user_id=user_id, asset=asset_name, amount=amount,
                                              txid=txid)
            outbox.emit(session, credited, [outbox.user(user_id), outbox.PAYMENTS_CHANNEL])
        for status, ids in settled.items():
            if ids:
                await session.execute(
                    update(Deposit).where(Deposit.id.in_(ids)).values(status=status, settled_at=func.now())
                )
        result.credited += len(settled[DepositStatus.CREDITED])
        result.dust += len(settled[DepositStatus.DUST])
        result.credited_ids.extend(settled[DepositStatus.CREDITED])

    async def _rewind(
        self, session: AsyncSession, cursor: ScannerCursor, final: int, result: ScanResult
    ) -> None:
        """The last scanned block left the chain: go back to the highest stored block the node
        still has, and drop the detections above it."""
        rows = await session.execute(select(ScannedBlock.num, ScannedBlock.hash))
        stored = {num: hash_ for num, hash_ in rows.tuples()}
        lowest = min(stored) if stored else cursor.next_block
        node_hashes: dict[int, str] = {}
        for start in range(lowest, cursor.next_block, 100):
            for raw in await self.node.blocks(start, min(start + 100, cursor.next_block)):
                ref = block_ref(raw)
                node_hashes[ref.num] = ref.hash
        common = lowest - 1
        for num in sorted(stored, reverse=True):
            if node_hashes.get(num) == stored[num]:
                common = num
                break
        log.warning("fork: scanned blocks above %s left the chain; rewinding", common)
        dropped = (
            await session.scalars(
                update(Deposit)
                .where(Deposit.status == DepositStatus.DETECTED, Deposit.block_num > common)
                .values(status=DepositStatus.DROPPED, settled_at=func.now())
                .returning(Deposit)
            )
        ).all()
        for deposit in dropped:
            dropped_event = events.DepositDropped(deposit_id=deposit.id, asset=deposit.asset, amount=deposit.amount,
                                                  txid=deposit.txid)
            outbox.emit(session, dropped_event, [outbox.user(deposit.user_id)])
        await session.execute(delete(ScannedBlock).where(ScannedBlock.num > common))
        cursor.next_block = common + 1
        result.dropped = len(dropped)
        result.rewound_to = common + 1
        result.next_block = common + 1


def _observe(result: ScanResult, last_block_ms: int | None) -> None:
    """After a run's commit: its deposits counted, the scanner's lag behind the head."""
    for counter, asset in result.counted:
        counter.labels(asset).inc()
    metrics.SCANNER_LAG_BLOCKS.set(max(result.head - result.next_block + 1, 0))
    if last_block_ms:
        metrics.SCANNER_LAG_SECONDS.set(max(time.time() - last_block_ms / 1000, 0.0))
