"""A local TRON node speaking the TronGrid / java-tron HTTP API (the part tronpy and a deposit
scanner use), with an in-memory chain and a control API for tests.

    async with TronNodeServer() as server:          # 127.0.0.1, free port; server.url
        client = AsyncTron(provider=AsyncHTTPProvider(server.url))
        node = server.node
        node.fund(address, trx_sun=100_000_000, usdt=5_000_000)   # genesis-style credit
        txid = node.send_usdt("alice", deposit_address, 1_000_000)  # signed, from outside
        node.mine()                                                 # the next block includes it

Control API (`TronNode`; the same under POST /control/<name> with JSON bodies):
fund, stake, delegate_energy, outside_address, send_trx, send_usdt, send_usdt_failing (REVERT),
send_usdt_transfer_from (log-only transfer by another caller), send_usdt_via_contract (a payout
contract sends), mine(n), fork(depth, reinclude=False), set_solid_lag, set_energy_fee,
head_number / solid_number, trx_balance / usdt_balance / is_activated, transactions(address),
generate_blocks(n, txs_per_block=300, usdt_share=0.2, recipients=[...]), inject_errors(status).

Run standalone: `python -m sandbox.tron --port 8090` (a block every 3 s; --block-interval 0 for
on-demand blocks through /control/mine).
"""

from .api import make_app
from .chain import MAINNET_USDT, Params
from .node import BroadcastError, TronNode, outside_key
from .server import TronNodeServer

__all__ = ["MAINNET_USDT", "BroadcastError", "Params", "TronNode", "TronNodeServer", "make_app", "outside_key"]
