"""`python -m sandbox.tron --port 8090`: a local TRON node (TronGrid / java-tron HTTP API)."""

from __future__ import annotations

import argparse
import asyncio
import logging
from pathlib import Path

from .chain import MAINNET_USDT
from .node import TronNode
from .server import TronNodeServer


def _fund(spec: str) -> tuple[str, int, int]:
    address, _, rest = spec.partition(":")
    trx, _, usdt = rest.partition(":")
    return address, int(trx or 0), int(usdt or 0)


async def _serve(args: argparse.Namespace) -> None:
    node = TronNode(usdt_address=args.usdt, solid_lag=args.solid_lag)
    for address, trx_sun, usdt in args.fund:
        node.fund(address, trx_sun=trx_sun, usdt=usdt)
    server = TronNodeServer(node, host=args.host, port=args.port, block_interval=args.block_interval or None,
                            state_file=args.state_file)  # fmt: skip
    await server.start()
    logging.info("TRON sandbox on %s (USDT %s, a block every %ss, solid lag %d)",
                 server.url, node.usdt_address, args.block_interval, args.solid_lag)
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.tron", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--block-interval", type=float, default=3.0, help="seconds between blocks; 0: on demand")
    parser.add_argument("--solid-lag", type=int, default=19)
    parser.add_argument("--usdt", default=MAINNET_USDT, help="USDT contract address")
    parser.add_argument("--fund", action="append", type=_fund, default=[], metavar="ADDRESS:TRX_SUN:USDT",
                        help="genesis credit, repeatable")
    parser.add_argument("--state-file", type=Path, default=None,
                        help="continue the chain saved in this file, and keep saving it there")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
