"""`make run` twice on the same data/: the local chain continues (not from block 2 again) and a
deposit sent after the restart is announced."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from core import migrate
from core.db import make_engine, transaction
from core.money import MICRO
from core.wallet.addressbook import deposit_address
from core.wallet.models import Deposit
from tests.conftest import Databases
from tests.e2e.harness import running_market
from tests.wallet_bot.conftest import DEV_XPUB

T = "7100000001:test-traders-token"


async def test_the_offline_chain_and_its_deposits_survive_a_restart(
    databases: Databases, tmp_path: Path
) -> None:
    url = await databases.create("koxx_restart")
    engine = make_engine(url)
    await migrate.upgrade(engine)
    await engine.dispose()
    async with running_market(url, tmp_path, wallet_xpub=DEV_XPUB) as first:
        user = await first.newcomer("Rami", lang="en")
        node = first.runtime.tron_node.node
        node.mine(30)
        async with transaction(first.session_factory) as s:
            address = await deposit_address(s, user.id)
        await first.runtime.wallet.scan(first.session_factory)
        node.mine(5)
        await first.runtime.wallet.scan(first.session_factory)
        head = node.head_number
    async with running_market(url, tmp_path, wallet_xpub=DEV_XPUB) as second:
        node = second.runtime.tron_node.node
        assert node.head_number >= head  # the same chain, continued
        again = second.tg.add_user("Rami", language_code="en", user_id=user.id)  # the same person, whose
        await again.send(T, "/start")  # app opens the bot again (this stand-in is new)
        await again.wait_for(T, contains="KOXX P2P")
        node.send_usdt("exchange", address, 9 * MICRO)
        node.mine(1)
        await second.runtime.wallet.scan(second.session_factory)
        async with second.session_factory() as s:
            assert (await s.scalars(select(Deposit.amount).where(Deposit.user_id == user.id))).all() == [
                9 * MICRO
            ]
        await again.wait_for(T, contains="Deposit of 9 USDT detected")
