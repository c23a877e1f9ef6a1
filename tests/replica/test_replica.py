"""Browsing on a streaming replica (DATABASE_REPLICA_URL): a real primary and hot standby
(tests/replica/clusters.py) under the running marketplace. Replay paused on the standby, a
maker's new offer is seen by the maker at once (their write keeps them on the primary) and by
another trader only when replay resumes: the other trader's reads really are the replica's. A
stopped replica is read around, on the primary."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.api.conftest import Api, fund, sell_offer
from tests.e2e.harness import Market, eventually, running_market
from tests.market.conftest import prepare_market
from tests.replica import clusters

pytestmark = pytest.mark.skipif(not clusters.available(), reason=f"no PostgreSQL binaries in {clusters.BIN}")


@pytest.fixture
async def replicated(tmp_path: Path) -> AsyncIterator[tuple[Market, clusters.Cluster, clusters.Cluster]]:
    with clusters.primary_and_standby() as (primary, standby):
        await clusters.create_database(primary)
        await prepare_market(primary.url)
        await clusters.start_standby(primary, standby)
        # api_market_seconds=0: every page is read (from the replica); the market cache has its own tests
        async with running_market(primary.url, tmp_path, database_replica_url=standby.url,
                                  api_market_seconds=0) as market:
            yield market, primary, standby


async def _signed_in(market: Market, name: str) -> Api:
    api = Api(market, market.user(name, lang="en", username=f"{name.lower()}{uuid.uuid4().hex[:6]}"))
    assert (await api.login()).status == 200
    return api


async def _sees(api: Api, offer_id: int) -> bool:
    status, page = await api.call("GET", "/offers")
    assert status == 200, page
    listed = offer_id in [o["id"] for o in page["items"]]
    status, _ = await api.call("GET", f"/offers/{offer_id}")
    assert (status == 200) == listed
    return listed


async def test_browsing_reads_the_replica_and_a_writer_reads_their_write(
        replicated: tuple[Market, clusters.Cluster, clusters.Cluster], caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    market, primary, standby = replicated
    maker, trader = await _signed_in(market, "Maker"), await _signed_in(market, "Trader")
    try:
        await _browse(primary, standby, maker, trader)
    finally:
        for api in (maker, trader):
            await api.close()
    assert "replica unreachable" in caplog.text  # the stopped replica was read around


async def _browse(primary: clusters.Cluster, standby: clusters.Cluster, maker: Api, trader: Api) -> None:
    market = maker.market
    await fund(market.session_factory, maker.user.id, 250)  # two offers of 100
    await clusters.caught_up(primary, standby)
    await standby.query("SELECT pg_wal_replay_pause()", database=clusters.DATABASE)
    try:
        offer = await sell_offer(maker)
        status, mine = await maker.call("GET", f"/offers/{offer['id']}")  # just wrote: the primary
        assert status == 200 and mine["id"] == offer["id"] and mine["remaining"] == "100"
        assert not await _sees(trader, offer["id"])  # the paused replica has not got it
    finally:
        await standby.query("SELECT pg_wal_replay_resume()", database=clusters.DATABASE)

    async def trader_sees_it() -> bool:
        return await _sees(trader, offer["id"])

    await eventually(trader_sees_it)

    second = await sell_offer(maker, price="1300")
    await clusters.caught_up(primary, standby)
    standby.stop()  # the replica goes down: browsing carries on, on the primary
    assert await _sees(trader, second["id"])
