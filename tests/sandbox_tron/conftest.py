"""A fresh TRON sandbox node per test, served on a free loopback port, and a tronpy client on it."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from tronpy import AsyncTron
from tronpy.keys import PrivateKey
from tronpy.providers.async_http import AsyncHTTPProvider

from sandbox.tron import TronNode, TronNodeServer

WALLET_KEY = PrivateKey(bytes.fromhex("8d596057e510b14cbb9bf24f88803a6d6dbd138dd303a62b175b9e6cc0f3f941"))
WALLET = "TY72iA3SBtrds3QLYsS7LwYfkzXwAXCRWT"
TRX = 1_000_000


class Clock:
    """The node's clock: real time plus an offset a test can move forward."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def server(clock: Clock) -> AsyncIterator[TronNodeServer]:
    async with TronNodeServer(TronNode(clock=clock)) as running:
        yield running


@pytest.fixture
def node(server: TronNodeServer) -> TronNode:
    return server.node


@pytest.fixture
async def client(server: TronNodeServer) -> AsyncIterator[AsyncTron]:
    tron = AsyncTron(provider=AsyncHTTPProvider(server.url, api_key="sandbox-key"))
    yield tron
    await tron.close()


def new_address() -> str:
    return PrivateKey.random().public_key.to_base58check_address()
