"""One money step in a process of its own, as the worker runs it, for the fault suite to kill at
a crash point (KOXX_CRASH_AT) and run again:

    python -m tests.faults.step scan | send | sweep | expire
    python -m tests.faults.step cold COLD_ADDRESS      (the cold job, moving to that address)
    python -m tests.faults.step withdraw USER_ID ASSET AMOUNT ADDRESS CLIENT_KEY

Reads the app's environment (DATABASE_URL, TRON_API_URL, WALLET_SEED, HOT_WALLET_KEY, ...).
"""

from __future__ import annotations

import asyncio
import sys

from core import escrow
from core.config import load_settings
from core.db import make_engine, make_session_factory, transaction
from core.money import Asset
from core.wallet import request_withdrawal
from core.wallet.jobs import WalletJobs


async def main(argv: list[str]) -> None:
    settings = load_settings()
    assert settings.database_url
    engine = make_engine(settings.database_url.get_secret_value(), pool_size=2, max_overflow=2)
    factory = make_session_factory(engine)
    jobs = WalletJobs.from_settings(settings)
    assert jobs is not None
    try:
        command = argv[0]
        if command in ("scan", "send", "sweep"):
            await getattr(jobs, command)(factory)
        elif command == "cold":
            from dataclasses import replace

            from core.wallet.cold import ColdKeeper
            from core.wallet.sender import Signer

            config = replace(jobs.config, cold_address=argv[1])
            await ColdKeeper(jobs.node, config, Signer.hot_wallet(settings)).run_once(factory)
        elif command == "expire":
            async with transaction(factory) as s:
                await escrow.expire_due(s)
        elif command == "withdraw":
            user_id, asset, amount, address, key = argv[1:6]
            async with transaction(factory) as s:
                await request_withdrawal(
                    s, jobs.config, user_id=int(user_id), address=address, asset=Asset(asset),
                    amount=int(amount), client_key=key,
                )  # fmt: skip
        else:
            raise SystemExit(f"unknown step {command}")
    finally:
        await jobs.close()
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
