"""The wallet's periodic jobs, built once from Settings for the scheduler.

    jobs = WalletJobs.from_settings(settings)        # None without TRON_API_URL
    scheduler.add_job(jobs.scan, "interval", seconds=3, args=[factory], max_instances=1)
    scheduler.add_job(jobs.send, "interval", seconds=5, args=[factory], max_instances=1)
    scheduler.add_job(jobs.sweep, "interval", minutes=10, args=[factory], max_instances=1)
    scheduler.add_job(jobs.report, "interval", hours=1, args=[factory], max_instances=1)
    scheduler.add_job(jobs.cold, "interval", minutes=5, args=[factory], max_instances=1)

``send`` needs HOT_WALLET_KEY and ``sweep`` WALLET_SEED (plus HOT_WALLET_KEY for the gas);
``cold`` needs HOT_WALLET_KEY and COLD_WALLET_ADDRESS;
without them those jobs do nothing, so a process without the secrets can still scan.
Several processes may run the same jobs: the scanner takes an advisory lock, the sender and
the sweeper change each row under a row lock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Settings
from core.db import transaction
from core.wallet.cold import ColdKeeper, ColdResult
from core.wallet.config import WalletConfig, dev_wallet_allowed, hot_key_hex, wallet_config
from core.wallet.hd import DEV_MNEMONIC, Seed
from core.wallet.node import Node, node_from_settings
from core.wallet.report import AssetReport, hot_wallet_report
from core.wallet.scanner import Scanner
from core.wallet.sender import SendResult, Signer, WithdrawalSender
from core.wallet.sweeper import Sweeper, SweepResult

log = logging.getLogger(__name__)


@dataclass
class WalletJobs:
    node: Node
    config: WalletConfig
    scanner: Scanner
    sender: WithdrawalSender | None = None
    sweeper: Sweeper | None = None
    keeper: ColdKeeper | None = None  # moves to and from cold storage

    @classmethod
    def from_settings(cls, settings: Settings) -> WalletJobs | None:
        node = node_from_settings(settings)
        if node is None:
            return None
        config = wallet_config(settings)
        key = hot_key_hex(settings)
        hot = Signer.from_hex(key) if key else None
        mnemonic = settings.wallet_seed.get_secret_value() if settings.wallet_seed else None
        if not mnemonic and dev_wallet_allowed(settings) and not settings.wallet_xpub:
            mnemonic = DEV_MNEMONIC
        sender = WithdrawalSender(node, config, hot) if hot else None
        sweeper = Sweeper(node, config, Seed(mnemonic), hot) if hot and mnemonic else None
        if hot and not settings.hot_wallet_key:
            log.warning("wallet: using the DEV hot wallet %s (sandbox only)", hot.address)
        keeper = ColdKeeper(node, config, hot) if hot and config.cold_address else None
        return cls(node, config, Scanner(node, config), sender, sweeper, keeper)

    async def scan(self, factory: async_sessionmaker[AsyncSession], max_batches: int = 100) -> int:
        """Scan until caught up (at most ``max_batches`` batches of 100 blocks); returns the number
        of deposit detections, credits, dust and drops (0: nothing new)."""
        return await self.scanner.run_until_caught_up(factory, max_runs=max_batches)

    async def send(self, factory: async_sessionmaker[AsyncSession]) -> SendResult | None:
        return await self.sender.run_once(factory) if self.sender else None

    async def sweep(self, factory: async_sessionmaker[AsyncSession]) -> SweepResult | None:
        return await self.sweeper.run_once(factory) if self.sweeper else None

    async def cold(self, factory: async_sessionmaker[AsyncSession]) -> ColdResult | None:
        return await self.keeper.run_once(factory) if self.keeper else None

    async def report(self, factory: async_sessionmaker[AsyncSession]) -> list[AssetReport]:
        if not self.config.hot_address:
            return []
        async with transaction(factory) as session:
            return await hot_wallet_report(session, self.node, self.config, self.config.hot_address)

    async def close(self) -> None:
        self.scanner.close()
        await self.node.close()
