"""A backend that lags behind the head: what a load-balanced TronGrid shows when the request
lands on a node a few blocks behind. `TronNode.set_view_lag(n)` makes the /wallet and
/walletsolidity reads see the chain as it was ``n`` blocks ago (heights, blocks, transactions
and their infos); broadcasts still reach the real pool, and account state is today's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .chain import Block, Chain, Receipt, Tx

if TYPE_CHECKING:
    from .node import TronNode


class LaggedChain:
    def __init__(self, chain: Chain, lag: int) -> None:
        self._chain = chain
        self.head_number = max(0, chain.head_number - lag)
        self.solid_number = max(0, self.head_number - chain.solid_lag)  # its solid block lags too

    def __getattr__(self, name: str) -> Any:
        return getattr(self._chain, name)

    @property
    def head(self) -> Block:
        return self._chain.blocks[self.head_number]

    @property
    def solid_block(self) -> Block:
        return self._chain.blocks[self.solid_number]

    def block(self, number: int, *, solid: bool = False) -> Block | None:
        limit = self.solid_number if solid else self.head_number
        return self._chain.blocks[number] if 0 <= number <= limit else None

    def block_by_id(self, block_id: str) -> Block | None:
        found = self._chain.block_by_id(block_id)
        return found if found is not None and found.number <= self.head_number else None

    def find_tx(self, txid: str, *, solid: bool = False) -> tuple[Block, Tx, Receipt] | None:
        hit = self._chain.find_tx(txid, solid=solid)
        limit = self.solid_number if solid else self.head_number
        return hit if hit is not None and hit[0].number <= limit else None


class LaggedNode:
    """The node as a lagging backend serves it (see the module's docstring)."""

    def __init__(self, node: TronNode, lag: int) -> None:
        self._node = node
        self.chain = LaggedChain(node.chain, lag)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._node, name)

    @property
    def head_number(self) -> int:
        return self.chain.head_number

    @property
    def solid_number(self) -> int:
        return self.chain.solid_number
