"""The offline demo's chain outlives a restart: the node continues the chain it saved under
data/ (blocks, balances), so the scanner's cursor still points into it."""

from __future__ import annotations

from pathlib import Path

from sandbox.tron import TronNodeServer
from sandbox.tron.node import outside_key

TRX = 1_000_000


async def test_a_restarted_node_continues_its_chain(tmp_path: Path) -> None:
    state = tmp_path / "tron-chain.pickle"
    first = await TronNodeServer(state_file=state).start()
    assert not first.restored
    receiver = first.node.outside_address("receiver")
    first.node.fund(first.node.outside_address("payer"), trx_sun=100 * TRX, usdt=50 * TRX)
    first.node.mine(12)
    first.node.send_usdt("payer", receiver, 7 * TRX)
    first.node.mine(3)
    head, block_id = first.node.head_number, first.node.chain.head.block_id
    await first.stop()

    second = await TronNodeServer(state_file=state).start()
    try:
        assert second.restored
        assert second.node.head_number == head and second.node.chain.head.block_id == block_id
        assert second.node.usdt_balance(receiver) == 7 * TRX
        second.node.mine(1)
        assert second.node.head_number == head + 1  # not block 1 or 2 of a new chain
        assert outside_key("payer").public_key.to_base58check_address() == second.node.outside_address(
            "payer"
        )
    finally:
        await second.stop()
