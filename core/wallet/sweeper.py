"""Sweeping: moving credited deposits from users' deposit addresses to the hot wallet.

A job, run only in the process that holds WALLET_SEED (the deposit addresses' keys). For each
user and asset whose credited, not yet swept deposits reach ``sweep_over``:
  USDT: the deposit address needs TRX to burn for energy, as a real sweep does: the hot wallet
        first sends ``sweep_gas_sun`` (less what is there) -> GAS_SENT; once that transfer is in
        a block the address sends its whole USDT balance to the hot wallet -> SENT;
  TRX:  the address sends its balance less ``trx_sweep_reserve_sun`` (bandwidth) -> SENT.
When the sweep transaction is final and succeeded -> DONE and the deposits it covers are marked
swept; a failure -> FAILED (an outbox note to the admins) and the next run tries again. The
ledger does not change: where the platform keeps the coins is custody, not ownership. The
on-chain balance is the truth for the amount, so a lost or repeated run moves nothing twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from tronpy.async_contract import AsyncContract
from tronpy.exceptions import AddressNotFound

from core import events, outbox
from core.faults import crash_point
from core.money import Asset
from core.wallet.config import WalletConfig
from core.wallet.hd import Seed
from core.wallet.models import Deposit, DepositAddress, DepositStatus, Sweep, SweepStatus
from core.wallet.node import Node, NodeUnavailable
from core.wallet.sender import (
    TRC20_TRANSFER_ABI,
    Signer,
    broadcast,
    broadcast_code,
    build_transfer,
    execution_failed,
)

log = logging.getLogger(__name__)

IN_FLIGHT = (SweepStatus.GAS_SENT, SweepStatus.SENT)
USDT_TRANSFER_ENERGY = 130_000  # to an address that holds no USDT yet (65,000 to one that does)
BANDWIDTH_MARGIN_SUN = 1_000_000  # about 345 bytes of bandwidth, burned when not staked
GIVE_UP_AFTER = timedelta(minutes=5)  # a sweep transaction the node never saw


@dataclass
class SweepResult:
    gas_sent: list[int] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)
    done: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    def __bool__(self) -> bool:
        """True when something happened (the scheduler then wakes the notifier)."""
        return any(vars(self).values())


async def trx_balance(node: Node, address: str) -> int:
    """TRX balance in sun (0 for an account that was never activated)."""
    try:
        account = await node.tron.get_account(address)
    except AddressNotFound:
        return 0
    return int(account.get("balance", 0))


async def usdt_balance(node: Node, config: WalletConfig, address: str) -> int:
    token = AsyncContract(addr=config.usdt_contract, abi=TRC20_TRANSFER_ABI, client=node.tron)
    return int(await token.functions.balanceOf(address))


class Sweeper:
    def __init__(
        self, node: Node, config: WalletConfig, seed: Seed, hot: Signer, *, lifetime_ms: int = 60_000
    ) -> None:
        self.node = node
        self.config = config
        self.seed = seed
        self.hot = hot
        self.lifetime_ms = lifetime_ms

    async def run_once(self, factory: async_sessionmaker[AsyncSession]) -> SweepResult:
        result = SweepResult()
        async with factory() as session:
            in_flight = list(
                await session.scalars(select(Sweep).where(Sweep.status.in_([str(s) for s in IN_FLIGHT])))
            )
        for sweep in in_flight:
            try:
                await self._follow(factory, sweep, result)
            except (httpx.HTTPError, NodeUnavailable) as exc:
                log.warning("sweep %s: %s; will retry", sweep.id, type(exc).__name__)
        for user_id, asset, upto in await self._candidates(factory):
            try:
                await self._start(factory, user_id, Asset(asset), upto, result)
            except (httpx.HTTPError, NodeUnavailable) as exc:
                log.warning("sweep of user %s %s: %s; will retry", user_id, asset, type(exc).__name__)
        return result

    async def _candidates(self, factory: async_sessionmaker[AsyncSession]) -> list[tuple[int, str, int]]:
        """(user, asset, last deposit id) to sweep: USDT first, and one sweep per address at a
        time (a TRX sweep would take the TRX a USDT sweep burns)."""
        async with factory() as session:
            rows = await session.execute(
                select(Deposit.user_id, Deposit.asset, func.sum(Deposit.amount), func.max(Deposit.id))
                .where(Deposit.status == DepositStatus.CREDITED, Deposit.swept.is_(False))
                .group_by(Deposit.user_id, Deposit.asset)
                .order_by(Deposit.asset.desc(), Deposit.user_id)  # USDT before TRX
            )
            busy = set(
                await session.scalars(
                    select(Sweep.user_id).where(Sweep.status.in_([str(s) for s in IN_FLIGHT]))
                )
            )
        out = []
        for user_id, asset, total, upto in rows.tuples():
            if user_id not in busy and total >= self.config.sweep_over[Asset(asset)]:
                busy.add(user_id)
                out.append((user_id, asset, upto))
        return out

    async def _start(
        self,
        factory: async_sessionmaker[AsyncSession],
        user_id: int,
        asset: Asset,
        upto: int,
        result: SweepResult,
    ) -> None:
        async with factory() as session:
            row = await session.get(DepositAddress, user_id)
        if row is None:
            return
        address, index = row.address, row.index
        trx = await trx_balance(self.node, address)
        if asset == Asset.USDT:
            amount = await usdt_balance(self.node, self.config, address)
            if amount <= 0:
                await self._mark_swept(factory, user_id, asset, upto)  # nothing there any more
                return
            needed = await self.gas_needed()
            if trx < needed:
                gas = await build_transfer(
                    self.node, self.config, self.hot, Asset.TRX, address, needed - trx, self.lifetime_ms
                )
                sweep_id = await self._record(
                    factory, user_id, asset, amount, upto, SweepStatus.GAS_SENT, gas_txid=gas.txid, gas_sun=needed - trx
                )
                crash_point("sweep.gas.before_send")
                await broadcast(self.node, gas.to_json())
                crash_point("sweep.gas.after_send")
                result.gas_sent.append(sweep_id)
                return
        else:
            amount = trx - self.config.trx_sweep_reserve_sun
            if amount <= 0:
                await self._mark_swept(factory, user_id, asset, upto)
                return
        sweep_id = await self._record(factory, user_id, asset, amount, upto, SweepStatus.SENT)
        await self._send(factory, sweep_id, index, address, asset, amount, result)

    async def gas_needed(self) -> int:
        """TRX (sun) a deposit address burns for one USDT transfer at today's energy price (a
        first transfer to the hot wallet may cost the higher, new-holder energy), at least the
        configured ``sweep_gas_sun``, never more than the fee limit the transfer carries."""
        params = await self.node.tron.get_chain_parameters()
        price = next((int(p.get("value", 0)) for p in params if p.get("key") == "getEnergyFee"), 0)
        estimate = price * USDT_TRANSFER_ENERGY + BANDWIDTH_MARGIN_SUN
        return min(max(self.config.sweep_gas_sun, estimate), self.config.usdt_fee_limit_sun)

    async def _send(
        self,
        factory: async_sessionmaker[AsyncSession],
        sweep_id: int,
        index: int,
        address: str,
        asset: Asset,
        amount: int,
        result: SweepResult,
    ) -> None:
        signer = Signer(self.seed.key_at(index))
        if signer.address != address:
            raise RuntimeError("WALLET_SEED does not match WALLET_XPUB")
        tx = await build_transfer(
            self.node, self.config, signer, asset, self.hot.address, amount, self.lifetime_ms
        )
        async with factory() as session, session.begin():
            sweep = await session.get(Sweep, sweep_id, with_for_update=True)
            assert sweep is not None
            sweep.txid, sweep.status, sweep.amount = tx.txid, SweepStatus.SENT, amount
        crash_point("sweep.usdt.before_send")
        code = broadcast_code(await broadcast(self.node, tx.to_json()))
        crash_point("sweep.usdt.after_send")
        if code not in ("OK", "DUP_TRANSACTION_ERROR"):
            await self._finish(factory, sweep_id, SweepStatus.FAILED, f"broadcast: {code}")
            result.failed.append(sweep_id)
            return
        result.sent.append(sweep_id)

    async def _follow(
        self, factory: async_sessionmaker[AsyncSession], sweep: Sweep, result: SweepResult
    ) -> None:
        stale = datetime.now(UTC) - sweep.created_at > GIVE_UP_AFTER
        if sweep.status == SweepStatus.GAS_SENT:
            assert sweep.gas_txid is not None
            info = await self.node.tx_info(sweep.gas_txid)
            if info.get("blockNumber") is None:
                if stale and not await self.node.tx(sweep.gas_txid):
                    await self._finish(factory, sweep.id, SweepStatus.FAILED, "gas transfer lost")
                    result.failed.append(sweep.id)
                return
            async with factory() as session:
                row = await session.get(DepositAddress, sweep.user_id)
            assert row is not None
            amount = await usdt_balance(self.node, self.config, row.address)
            await self._send(factory, sweep.id, row.index, row.address, Asset(sweep.asset), amount, result)
            return
        assert sweep.txid is not None
        info = await self.node.tx_info(sweep.txid)
        if info.get("blockNumber") is None:
            if stale and not await self.node.tx(sweep.txid):
                await self._finish(factory, sweep.id, SweepStatus.FAILED, "sweep transaction lost")
                result.failed.append(sweep.id)
            return
        heights = await self.node.heights()
        if int(info["blockNumber"]) > max(heights.solid, heights.head - self.config.confirmations + 1):
            return
        failure = execution_failed(info)
        if failure:
            await self._finish(factory, sweep.id, SweepStatus.FAILED, failure)
            result.failed.append(sweep.id)
            return
        crash_point("sweep.done.before_commit")
        await self._finish(factory, sweep.id, SweepStatus.DONE, None)
        await self._mark_swept(factory, sweep.user_id, Asset(sweep.asset), sweep.upto_deposit_id)
        result.done.append(sweep.id)

    @staticmethod
    async def _record(
        factory: async_sessionmaker[AsyncSession],
        user_id: int,
        asset: Asset,
        amount: int,
        upto: int,
        status: SweepStatus,
        gas_txid: str | None = None,
        gas_sun: int | None = None,
    ) -> int:
        async with factory() as session, session.begin():
            sweep = Sweep(
                user_id=user_id,
                asset=str(asset),
                amount=amount,
                upto_deposit_id=upto,
                status=status,
                gas_txid=gas_txid,
                gas_sun=gas_sun,
            )
            session.add(sweep)
            await session.flush()
            return sweep.id

    @staticmethod
    async def _finish(
        factory: async_sessionmaker[AsyncSession], sweep_id: int, status: SweepStatus, error: str | None
    ) -> None:
        async with factory() as session, session.begin():
            sweep = await session.get(Sweep, sweep_id, with_for_update=True)
            assert sweep is not None
            sweep.status, sweep.error = status, error
            if status == SweepStatus.FAILED:
                failed = events.SweepFailed(sweep_id=sweep.id, user_id=sweep.user_id, asset=sweep.asset, error=error)
                outbox.emit(session, failed, [outbox.ADMINS])

    @staticmethod
    async def _mark_swept(
        factory: async_sessionmaker[AsyncSession], user_id: int, asset: Asset, upto: int
    ) -> None:
        async with factory() as session, session.begin():
            await session.execute(
                update(Deposit)
                .where(
                    Deposit.user_id == user_id,
                    Deposit.asset == str(asset),
                    Deposit.status == DepositStatus.CREDITED,
                    Deposit.id <= upto,
                )
                .values(swept=True)
            )
