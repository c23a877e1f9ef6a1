"""The node client's back-off: which answers are retried, and that it gives up."""

import httpx
import pytest

from core.wallet.node import Node, NodeUnavailable


async def test_busy_answers_are_retried_with_growing_waits(tron, node, sleeps):
    tron.node.inject_errors(429, 1)
    tron.node.inject_errors(503, 1)
    heights = await node.heights()
    assert heights.head == tron.node.head_number
    assert sleeps.calls == [0.5, 1.0]


async def test_an_overloaded_java_tron_answers_200_and_is_retried(tron, sleeps, monkeypatch):
    client = Node(tron.url, sleep=sleeps)
    real = client.provider.post
    answers = [b'{"Error":"lack of computing resources"}', b'{"code":"SERVER_BUSY","message":""}']

    async def post(method, params=None):
        return answers.pop(0) if answers else await real(method, params)

    monkeypatch.setattr(client.provider, "post", post)
    assert (await client.heights()).head == tron.node.head_number
    assert len(sleeps.calls) == 2
    await client.close()


async def test_gives_up_after_the_retries(tron, sleeps):
    client = Node(tron.url, sleep=sleeps, retries=2)
    tron.node.inject_errors(429, 5)
    with pytest.raises(httpx.HTTPStatusError):
        await client.heights()
    assert sleeps.calls == [0.5, 1.0]
    await client.close()


async def test_other_errors_are_not_retried(tron, sleeps):
    client = Node(tron.url, sleep=sleeps)
    tron.node.inject_errors(500, 1)
    with pytest.raises(httpx.HTTPStatusError):
        await client.heights()
    assert sleeps.calls == []
    await client.close()


async def test_overloaded_to_the_end_raises_node_unavailable(tron, sleeps, monkeypatch):
    client = Node(tron.url, sleep=sleeps, retries=1)

    async def post(method, params=None):
        return b'{"Error":"lack of computing resources"}'

    monkeypatch.setattr(client.provider, "post", post)
    with pytest.raises(NodeUnavailable):
        await client.heights()
    await client.close()


async def test_the_api_key_goes_in_its_header_for_any_url(tron):
    client = Node(tron.url, api_key="my-key")
    assert client.provider.client.headers["TRON-PRO-API-KEY"] == "my-key"
    assert "my-key" not in repr(client)
    await client.close()
