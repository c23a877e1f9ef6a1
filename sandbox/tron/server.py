"""`TronNodeServer`: runs the node's HTTP API inside the current event loop, with an optional
block timer (tests usually mine on demand instead)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from types import TracebackType

from aiohttp import web

from .api import make_app
from .node import TronNode

log = logging.getLogger(__name__)
SAVE_EVERY_BLOCKS = 10


class TronNodeServer:
    """`async with TronNodeServer() as server:` serves on 127.0.0.1 at a free port; `server.url`
    is the base URL for tronpy's AsyncHTTPProvider and `server.node` the control API.

    ``state_file``: the chain continues from it at start and is written back to it every few
    blocks and at stop (the offline demo keeps its chain under data/ across restarts)."""

    def __init__(
        self,
        node: TronNode | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        block_interval: float | None = None,
        state_file: Path | None = None,
    ):
        self.node = node or TronNode()
        self.state_file = state_file
        self.restored = state_file is not None and self.node.restore(state_file)
        if self.restored:
            log.info("TRON sandbox continues its chain at block %d (%s)", self.node.head_number, state_file)
        self.host = host
        self.port = port
        self.block_interval = block_interval
        self._runner: web.AppRunner | None = None
        self._timer: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    async def start(self) -> TronNodeServer:
        self._runner = web.AppRunner(make_app(self.node), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        if self.port == 0:
            self.port = int(self._runner.addresses[0][1])
        if self.block_interval:
            self._timer = asyncio.create_task(self._produce_blocks(self.block_interval))
        return self

    async def _produce_blocks(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            self.node.mine()
            if self.node.head_number % SAVE_EVERY_BLOCKS == 0:
                self.save()

    def save(self) -> None:
        if self.state_file is not None:
            self.node.save(self.state_file)

    async def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._timer
            self._timer = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self.save()

    async def __aenter__(self) -> TronNodeServer:
        return await self.start()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()
