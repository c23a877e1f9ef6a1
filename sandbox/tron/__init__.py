"""A local TRON node speaking the TronGrid / java-tron HTTP API (the part tronpy and a deposit
scanner use), with an in-memory chain and a control API for tests.

    async with TronNodeServer() as server:
        client = AsyncTron(provider=AsyncHTTPProvider(server.url))
        server.node.fund(address, trx_sun=100_000_000, usdt=5_000_000)
        txid = server.node.send_usdt("alice", deposit_address, 1_000_000)
        server.node.mine()
"""

from .api import make_app
from .chain import MAINNET_USDT, Params
from .node import BroadcastError, TronNode, outside_key
from .server import TronNodeServer

__all__ = ["MAINNET_USDT", "BroadcastError", "Params", "TronNode", "TronNodeServer", "make_app", "outside_key"]
