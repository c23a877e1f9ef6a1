"""`python -m core.wallet reconcile [--from-block N] [--no-chain]`: reconcile the ledger, the
wallet's records and the chain (core.wallet.reconcile). Reads DATABASE_URL, TRON_API_URL,
TRON_API_KEY, WALLET_XPUB, HOT_WALLET_KEY (only for its address; or --hot-address) and
CONFIRMATIONS as the app does. Reads only.

Prints a per-asset table and every mismatch; exits 0 when everything reconciles, 1 on any
mismatch, 2 on a usage or configuration error.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from core.config import ConfigError, Settings, get_settings
from core.db import make_engine, make_session_factory
from core.wallet.config import wallet_config
from core.wallet.node import node_from_settings
from core.wallet.reconcile import reconcile


async def _run(settings: Settings, args: argparse.Namespace) -> int:
    assert settings.database_url
    config = wallet_config(settings)
    engine = make_engine(settings.database_url.get_secret_value(), pool_size=1, max_overflow=0)
    node = None if args.no_chain else node_from_settings(settings)
    try:
        factory = make_session_factory(engine)
        async with factory() as session:  # one snapshot; closing the session rolls back
            await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            report = await reconcile(session, node, config, hot_address=args.hot_address, from_block=args.from_block)
    finally:
        if node is not None:
            await node.close()
        await engine.dispose()
    for line in report.lines():
        print(line)
    return 0 if report.ok else 1


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.wallet", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["reconcile"])
    parser.add_argument("--from-block", type=int, help="first block to read (default: the first deposit address's)")
    parser.add_argument("--hot-address", help="the hot wallet's address (default: from HOT_WALLET_KEY)")
    parser.add_argument("--no-chain", action="store_true", help="check the database only")
    args = parser.parse_args(argv)
    try:
        settings = get_settings()
        if not settings.database_url:
            raise ConfigError("DATABASE_URL: required")
        return asyncio.run(_run(settings, args))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
