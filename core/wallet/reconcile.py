"""Reconciliation: the ledger against the wallet's records against the chain. Reads only; safe
in production (``python -m core.wallet reconcile``).

Per asset (USDT, TRX), with the platform's outside-world accounts (core.ledger.types
NEGATIVE_ALLOWED: DEPOSITS, WITHDRAWALS, ADJUSTMENTS) being the only doors money passes:

    user AVAILABLE + offer RESERVE + trade ESCROW + withdrawal HOLD
      + platform FEES + REVENUE + NETWORK_FEES                        (what the platform owes or earned)
    ==  credited deposits (wallet_deposits, status credited)
      - confirmed withdrawals (wallet_withdrawals, status sent, ``amount``; the user's ``fee``
        stays on NETWORK_FEES)
      + admin adjustments (minus the balance of platform ADJUSTMENTS)

and each door matches its records: DEPOSITS == -credited deposits, WITHDRAWALS == confirmed
withdrawals, one ``deposit:<txid>:<event>`` entry per credited deposit with its amount, one
``withdrawal_sent:<id>`` entry per confirmed withdrawal and none for another, and every open
withdrawal's hold holds amount + fee. The ledger audit (core.ledger.audit) must pass too.

On chain (final blocks from the first deposit address's block, or ``from_block``; parsed with
core.wallet.parsing as the scanner does):
  - every transfer to a deposit address, except the hot wallet's (sweep gas), is credited
    exactly once with its amount and owner, or recorded as dust below the minimum; one in a
    block the scanner has not reached yet is pending;
  - every credited deposit is such a transfer;
  - every confirmed withdrawal's txid is on chain, from the hot wallet, to its destination,
    with its amount and asset; a failed or rejected withdrawal's txid is not;
  - no transfer from the hot wallet to a withdrawal's destination other than a withdrawal's own
    txid (a second send of one withdrawal).
Other transfers from the hot wallet (to the cold wallet, ...) are listed, not counted as faults.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Container
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.ledger import audit
from core.ledger.models import LedgerAccount, LedgerEntry, LedgerPosting
from core.ledger.types import Purpose
from core.money import MICRO, Asset
from core.wallet import addresses
from core.wallet.addressbook import AddressBook
from core.wallet.config import WalletConfig
from core.wallet.models import (
    DepositAddress,
    DepositStatus,
    ScannerCursor,
    Sweep,
    Withdrawal,
    WithdrawalStatus,
)
from core.wallet.node import Node
from core.wallet.parsing import Transfer, decode_blocks, decode_infos, token_transfers, trx_transfers
from core.wallet.scanner import CURSOR, INFO_CONCURRENCY, MAX_RANGE

INTERNAL = (
    Purpose.AVAILABLE,
    Purpose.RESERVE,
    Purpose.ESCROW,
    Purpose.HOLD,
    Purpose.FEES,
    Purpose.REVENUE,
    Purpose.NETWORK_FEES,
)
OPEN = (
    WithdrawalStatus.AWAITING_APPROVAL,
    WithdrawalStatus.APPROVED,
    WithdrawalStatus.SIGNED,
    WithdrawalStatus.BROADCAST,
)
CLOCK_MARGIN = timedelta(minutes=10)  # the first address's time vs the block timestamps


class _Everything(Container[bytes]):
    """A watched set that holds every address (to read all transfers of a block)."""

    def __contains__(self, item: object) -> bool:
        return True


@dataclass(frozen=True, slots=True)
class ChainTransfer:
    block: int
    transfer: Transfer


@dataclass
class AssetLine:
    asset: Asset
    internal: dict[str, int] = field(default_factory=dict)  # purpose -> sum of balances
    deposits_credited: int = 0
    withdrawals_sent: int = 0
    adjustments_in: int = 0
    deposits_account: int = 0
    withdrawals_account: int = 0

    @property
    def owed(self) -> int:
        return sum(self.internal.values())

    @property
    def expected(self) -> int:
        return self.deposits_credited - self.withdrawals_sent + self.adjustments_in


@dataclass
class Report:
    assets: list[AssetLine] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    audit_checks: list[str] = field(default_factory=list)
    blocks: tuple[int, int] | None = None  # the range read from the chain
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def lines(self) -> list[str]:
        out = [f"checked: {line}" for line in self.audit_checks]
        header = (
            f"{'asset':<5} {'available':>16} {'reserve':>14} {'escrow':>14} {'hold':>14} {'fees':>12} "
            f"{'revenue':>12} {'net fees':>12} {'= owed':>16} | {'deposits':>16} {'withdrawals':>16} "
            f"{'adjust':>12} {'= expected':>16} {'diff':>10}"
        )
        out.append(header)
        for a in self.assets:
            i = a.internal
            out.append(
                f"{a.asset:<5} {_m(i[Purpose.AVAILABLE]):>16} {_m(i[Purpose.RESERVE]):>14} "
                f"{_m(i[Purpose.ESCROW]):>14} {_m(i[Purpose.HOLD]):>14} {_m(i[Purpose.FEES]):>12} "
                f"{_m(i[Purpose.REVENUE]):>12} {_m(i[Purpose.NETWORK_FEES]):>12} {_m(a.owed):>16} | "
                f"{_m(a.deposits_credited):>16} {_m(a.withdrawals_sent):>16} {_m(a.adjustments_in):>12} "
                f"{_m(a.expected):>16} {_m(a.owed - a.expected):>10}"
            )
        if self.blocks is not None:
            out.append(f"chain: blocks {self.blocks[0]}..{self.blocks[1]} read")
        if self.counts:
            out.append("counted: " + ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items())))
        out.extend(f"note: {line}" for line in self.notes)
        out.extend(f"MISMATCH: {line}" for line in self.mismatches)
        out.append("reconcile: OK" if self.ok else f"reconcile: FAILED ({len(self.mismatches)} mismatch(es))")
        return out


def _m(micro: int) -> str:
    sign = "-" if micro < 0 else ""
    whole, frac = divmod(abs(micro), MICRO)
    return f"{sign}{whole}.{frac:06d}"


# ---- the ledger and the wallet's records --------------------------------------------------------


async def _ledger(session: AsyncSession, report: Report) -> None:
    result = await audit(session)
    report.audit_checks = result.checks
    report.mismatches.extend(f"ledger audit: {v}" for v in result.violations)
    lines = {asset: AssetLine(asset, {p: 0 for p in INTERNAL}) for asset in Asset}
    rows = await session.execute(
        select(LedgerAccount.asset, LedgerAccount.owner_kind, LedgerAccount.purpose, func.sum(LedgerAccount.balance))
        .group_by(LedgerAccount.asset, LedgerAccount.owner_kind, LedgerAccount.purpose)
    )
    for asset, kind, purpose, total in rows.tuples():
        line = lines[Asset(asset)]
        purpose = Purpose(purpose)
        if purpose in INTERNAL:
            line.internal[purpose] += int(total)
        elif kind == "platform" and purpose == Purpose.DEPOSITS:
            line.deposits_account = int(total)
        elif kind == "platform" and purpose == Purpose.WITHDRAWALS:
            line.withdrawals_account = int(total)
        elif kind == "platform" and purpose == Purpose.ADJUSTMENTS:
            line.adjustments_in = -int(total)
    deposits = await session.execute(
        text("SELECT asset, coalesce(sum(amount), 0) FROM wallet_deposits WHERE status = 'credited' GROUP BY asset")
    )
    for asset, total in deposits.tuples():
        lines[Asset(asset)].deposits_credited = int(total)
    sent = await session.execute(
        text("SELECT asset, coalesce(sum(amount), 0) FROM wallet_withdrawals WHERE status = 'sent' GROUP BY asset")
    )
    for asset, total in sent.tuples():
        lines[Asset(asset)].withdrawals_sent = int(total)
    for line in lines.values():
        report.assets.append(line)
        if line.owed != line.expected:
            report.mismatches.append(
                f"{line.asset}: the ledger owes {_m(line.owed)} but deposits - withdrawals + adjustments "
                f"= {_m(line.expected)} (difference {_m(line.owed - line.expected)})"
            )
        if line.deposits_account != -line.deposits_credited:
            report.mismatches.append(
                f"{line.asset}: platform DEPOSITS is {_m(line.deposits_account)} but credited deposits "
                f"sum to {_m(line.deposits_credited)}"
            )
        if line.withdrawals_account != line.withdrawals_sent:
            report.mismatches.append(
                f"{line.asset}: platform WITHDRAWALS is {_m(line.withdrawals_account)} but confirmed "
                f"withdrawals sum to {_m(line.withdrawals_sent)}"
            )
    await _deposit_entries(session, report)
    await _withdrawal_entries(session, report)


async def _entries(session: AsyncSession, kind: str) -> dict[str, int]:
    """key -> the largest posting (what moved) of every entry of a kind."""
    rows = await session.execute(
        select(LedgerEntry.key, func.max(LedgerPosting.amount))
        .join(LedgerPosting, LedgerPosting.entry_id == LedgerEntry.id)
        .where(LedgerEntry.kind == kind)
        .group_by(LedgerEntry.key)
    )
    return {key: int(amount) for key, amount in rows.tuples()}


async def _deposit_entries(session: AsyncSession, report: Report) -> None:
    entries = await _entries(session, "deposit")
    rows = await session.execute(
        text("SELECT id, txid, event_index, amount FROM wallet_deposits WHERE status = 'credited'")
    )
    keys = set()
    for deposit_id, txid, event_index, amount in rows.tuples():
        key = f"deposit:{txid}:{event_index}"
        keys.add(key)
        entry = entries.get(key)
        if entry is None:
            report.mismatches.append(f"deposit {deposit_id} ({txid}:{event_index}) is credited without a ledger entry")
        elif entry != amount:
            report.mismatches.append(
                f"deposit {deposit_id} ({txid}:{event_index}) is {_m(amount)} but its ledger entry is {_m(entry)}"
            )
    for key in sorted(set(entries) - keys):
        report.mismatches.append(f"ledger entry {key} credits a deposit that is not recorded as credited")


async def _withdrawal_entries(session: AsyncSession, report: Report) -> None:
    sent = await _entries(session, "withdrawal_sent")
    refunded = {**await _entries(session, "withdrawal_failed"), **await _entries(session, "withdrawal_rejected")}
    held = await session.execute(
        select(LedgerAccount.owner_id, LedgerAccount.balance).where(
            LedgerAccount.owner_kind == "withdrawal", LedgerAccount.purpose == Purpose.HOLD
        )
    )
    holds = {wid: amount for wid, amount in held.tuples()}
    rows = await session.execute(select(Withdrawal.id, Withdrawal.status, Withdrawal.amount, Withdrawal.fee))
    for wid, status, amount, fee in rows.tuples():
        is_sent = f"withdrawal_sent:{wid}" in sent
        is_refunded = f"withdrawal_failed:{wid}" in refunded or f"withdrawal_rejected:{wid}" in refunded
        hold = holds.get(wid, 0)
        if status == WithdrawalStatus.SENT and (not is_sent or is_refunded):
            report.mismatches.append(f"withdrawal {wid} is sent but its ledger shows sent={is_sent} refunded={is_refunded}")
        elif status in (WithdrawalStatus.FAILED, WithdrawalStatus.REJECTED) and (is_sent or not is_refunded):
            report.mismatches.append(
                f"withdrawal {wid} is {status} but its ledger shows sent={is_sent} refunded={is_refunded}"
            )
        elif status in OPEN and (is_sent or is_refunded or hold != amount + fee):
            report.mismatches.append(
                f"withdrawal {wid} is {status} but its hold is {_m(hold)} (expected {_m(amount + fee)}), "
                f"sent={is_sent} refunded={is_refunded}"
            )
        if status not in OPEN and hold != 0:
            report.mismatches.append(f"withdrawal {wid} is {status} but its hold still has {_m(hold)}")


# ---- the chain ----------------------------------------------------------------------------------


async def _block_time(node: Node, num: int) -> int:
    block = await node.call("wallet/getblockbynum", {"num": num})
    return int(block.get("block_header", {}).get("raw_data", {}).get("timestamp", 0))


async def first_block_after(node: Node, when: datetime, head: int) -> int:
    """The lowest block whose timestamp is at or after ``when`` (binary search, ~log2(head) reads)."""
    target = int(when.timestamp() * 1000)
    low, high = 0, head
    while low < high:
        mid = (low + high) // 2
        if await _block_time(node, mid) < target:
            low = mid + 1
        else:
            high = mid
    return low


async def read_transfers(
    node: Node, config: WalletConfig, numbers: list[int], book: Container[bytes]
) -> list[ChainTransfer]:
    """Every successful TRX and USDT transfer in the given blocks whose recipient is in ``book``
    (any container of 20-byte bodies), read in batches of up to 100 blocks with their infos."""
    contract = addresses.body(config.usdt_contract)
    semaphore = asyncio.Semaphore(INFO_CONCURRENCY)

    async def infos(num: int) -> tuple[int, bytes]:
        async with semaphore:
            return num, await node.infos_raw(num)

    out: list[ChainTransfer] = []
    wanted = sorted(set(numbers))
    i = 0
    while i < len(wanted):
        start = wanted[i]
        batch = [n for n in wanted[i : i + MAX_RANGE] if n < start + MAX_RANGE]
        i += len(batch)
        raw = node.blocks_raw(start, batch[-1] + 1)
        blocks, pairs = await asyncio.gather(raw, asyncio.gather(*(infos(n) for n in batch)))
        answers = dict(pairs)
        for block in decode_blocks(blocks):
            num = block.block_header.raw_data.number
            if num not in answers:
                continue
            out.extend(ChainTransfer(num, t) for t in trx_transfers(block, book))
            txids = {tx.txID for tx in block.transactions}
            tokens = token_transfers(decode_infos(answers[num]), contract, book)
            out.extend(ChainTransfer(num, t) for t in tokens if t.txid in txids)
    return out


async def _chain(
    session: AsyncSession, node: Node, config: WalletConfig, hot: str | None, from_block: int | None, report: Report
) -> None:
    heights = await node.heights()
    final = max(heights.solid, heights.head - config.confirmations + 1)
    if from_block is None:
        first = await session.scalar(select(func.min(DepositAddress.created_at)))
        if first is None:
            report.notes.append("no deposit address yet: nothing to read on chain")
            return
        from_block = await first_block_after(node, first - CLOCK_MARGIN, final)
    cursor = await session.scalar(select(ScannerCursor.next_block).where(ScannerCursor.name == CURSOR))
    scanned_below = min(cursor if cursor is not None else 0, final + 1)
    report.blocks = (from_block, final)

    book = AddressBook()
    await book.refresh(session)
    hot_body = addresses.body(hot) if hot else None
    withdrawals = list(await session.scalars(select(Withdrawal).where(Withdrawal.txid.is_not(None))))
    extra_blocks = [w.block_num for w in withdrawals if w.block_num is not None and w.block_num < from_block]
    everything = _Everything()
    found = await read_transfers(node, config, [*range(from_block, final + 1), *extra_blocks], everything)

    deposits = {
        (txid, event_index): (status, user_id, asset, amount, block_num)
        for txid, event_index, status, user_id, asset, amount, block_num in (
            await session.execute(
                text("SELECT txid, event_index, status, user_id, asset, amount, block_num FROM wallet_deposits")
            )
        ).tuples()
    }
    owners = {
        bytes(body): user_id
        for body, user_id in (await session.execute(select(DepositAddress.body, DepositAddress.user_id))).tuples()
    }
    gas_txids = set(await session.scalars(select(Sweep.gas_txid).where(Sweep.gas_txid.is_not(None))))
    by_txid = {w.txid: w for w in withdrawals}
    destinations = set(await session.scalars(select(Withdrawal.to_address).distinct()))
    seen_deposits: set[tuple[str, int]] = set()
    on_chain_txids: Counter[str] = Counter()

    for hit in found:
        t = hit.transfer
        to_address = addresses.from_body(t.to)
        if t.to in book and t.sender != hot_body:
            key = (t.txid, t.event_index)
            seen_deposits.add(key)
            row = deposits.get(key)
            if row is None:
                if hit.block >= scanned_below:
                    report.counts["deposits pending"] += 1
                else:
                    report.mismatches.append(
                        f"{t.asset} transfer {t.txid}:{t.event_index} of {_m(t.amount)} to deposit address "
                        f"{to_address} (block {hit.block}) was never recorded"
                    )
                continue
            status, user_id, asset, amount, _block = row
            if (asset, amount, user_id) != (str(t.asset), t.amount, owners.get(t.to)):
                report.mismatches.append(
                    f"deposit {t.txid}:{t.event_index} is recorded as {_m(amount)} {asset} for user {user_id}, "
                    f"the chain says {_m(t.amount)} {t.asset} to user {owners.get(t.to)}"
                )
            if status == DepositStatus.CREDITED:
                report.counts["deposits credited"] += 1
            elif status == DepositStatus.DUST and t.amount < config.min_deposit[t.asset]:
                report.counts["deposits dust"] += 1
            elif status == DepositStatus.DETECTED or hit.block >= scanned_below:
                report.counts["deposits pending"] += 1  # the scanner credits it on its next run
            else:
                report.mismatches.append(
                    f"deposit {t.txid}:{t.event_index} of {_m(t.amount)} {t.asset} in final block {hit.block} "
                    f"is {status}, not credited"
                )
        elif hot_body is not None and t.sender == hot_body:
            on_chain_txids[t.txid] += 1
            w = by_txid.get(t.txid)
            if t.txid in gas_txids:
                report.counts["sweep gas transfers"] += 1
            elif w is not None:
                _check_withdrawal(w, t, to_address, report)
            elif to_address in destinations:
                report.mismatches.append(
                    f"hot wallet sent {_m(t.amount)} {t.asset} to withdrawal destination {to_address} in "
                    f"{t.txid} (block {hit.block}), which is no withdrawal's txid: a second send?"
                )
            else:
                report.notes.append(f"other hot wallet transfer {t.txid}: {_m(t.amount)} {t.asset} to {to_address}")

    for key, (status, _user, asset, amount, block_num) in deposits.items():
        if status == DepositStatus.CREDITED and key not in seen_deposits and block_num >= from_block:
            report.mismatches.append(
                f"deposit {key[0]}:{key[1]} of {_m(amount)} {asset} (block {block_num}) is credited but not on chain"
            )
    for w in withdrawals:
        if w.status == WithdrawalStatus.SENT and w.txid not in on_chain_txids:
            report.mismatches.append(
                f"withdrawal {w.id} is sent but its txid {w.txid} is not on chain from the hot wallet "
                f"(blocks {from_block}..{final})"
            )
        if on_chain_txids[w.txid or ""] > 1:
            report.mismatches.append(f"withdrawal {w.id}: txid {w.txid} is on chain {on_chain_txids[w.txid or '']} times")


def _check_withdrawal(w: Withdrawal, t: Transfer, to_address: str, report: Report) -> None:
    if w.status in (WithdrawalStatus.FAILED, WithdrawalStatus.REJECTED):
        report.mismatches.append(
            f"withdrawal {w.id} is {w.status} (its hold refunded) but {w.txid} sent {_m(t.amount)} {t.asset} on chain"
        )
        return
    if (w.asset, w.amount, w.to_address) != (str(t.asset), t.amount, to_address):
        report.mismatches.append(
            f"withdrawal {w.id} is {_m(w.amount)} {w.asset} to {w.to_address} but {w.txid} sent "
            f"{_m(t.amount)} {t.asset} to {to_address}"
        )
    report.counts["withdrawals on chain" if w.status == WithdrawalStatus.SENT else "withdrawals on chain, pending"] += 1


async def reconcile(
    session: AsyncSession,
    node: Node | None,
    config: WalletConfig,
    *,
    hot_address: str | None = None,
    from_block: int | None = None,
) -> Report:
    """Every check above; ``node`` None checks the database only. Use a REPEATABLE READ
    transaction so that every query sees one snapshot."""
    report = Report()
    await _ledger(session, report)
    by_status = await session.execute(text("SELECT status, count(*) FROM wallet_withdrawals GROUP BY status"))
    report.counts.update({f"withdrawals {status}": n for status, n in by_status.tuples()})
    if node is not None:
        await _chain(session, node, config, hot_address or config.hot_address, from_block, report)
    return report

