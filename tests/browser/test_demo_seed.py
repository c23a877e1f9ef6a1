"""The run command's offline demo without a browser: the seeded market, a restart, the chain
panel's HTTP side."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import aiohttp
from sqlalchemy import select

from bootstrap import Runtime
from core.escrow import my_offers, reference_rates
from core.ledger import AccountRef, balance
from core.money import MICRO, Asset, Fiat
from core.wallet.models import Deposit
from sandbox import demo as market
from tests.browser.conftest import demo_settings

TRADERS = "koxx_p2p_bot"
ADMIN = "koxx_admin_bot"


async def _channel_posts(runtime: Runtime, chat_id: int, count: int) -> list[str]:
    chat = runtime.sandbox.chats[chat_id]
    for _ in range(600):  # the notifier paces channel posts as Telegram asks (~20 a minute)
        posts = runtime.sandbox.channel_posts(chat)
        if len(posts) >= count:
            return [p.text for p in posts]
        await asyncio.sleep(0.05)
    raise AssertionError(f"{len(posts)} posts in {chat.title}, expected {count}")


async def test_an_empty_database_gets_a_market_funded_by_deposits_on_the_local_node(demo: Runtime) -> None:
    factory = demo.session_factory
    assert factory is not None
    assert market.DEMO_ADMIN_ID in demo.settings.admin_ids
    assert {u.id for u in demo.sandbox.users.values()} == {d.id for d in market.DEMO_USERS}
    makers = [d for d in market.DEMO_USERS if d.deposit_usdt]
    async with factory() as s:
        rates = await reference_rates(s)
        deposits = (await s.execute(select(Deposit))).scalars().all()
        offers = {d.id: await my_offers(s, d.id) for d in makers}
        left = {d.id: await balance(s, AccountRef.user(d.id), Asset.USDT) for d in makers}
    assert rates == {(Asset.USDT, Fiat.IQD): Decimal("1310"), (Asset.USDT, Fiat.USD): Decimal("1.00")}
    # One real deposit per maker, credited by the wallet's scanner, and on the node's chain.
    assert sorted((d.user_id, d.amount, d.status) for d in deposits) == sorted(
        (m.id, m.deposit_usdt * MICRO, "credited") for m in makers
    )
    node = demo.tron_node.node
    for dep in deposits:
        [tx] = node.transactions(dep.address)
        assert (tx["asset"], tx["amount"], tx["to"], tx["result"]) == ("USDT", dep.amount, dep.address, "SUCCESS")
    # Sell and buy offers in both languages' makers; sell offers hold their reserve.
    assert sum(len(o) for o in offers.values()) == len(market.OFFERS)
    assert {(o.side, o.fiat) for found in offers.values() for o in found} == {
        ("sell", "IQD"), ("buy", "IQD"), ("sell", "USD"), ("buy", "USD")
    }
    for maker in makers:
        reserved = sum(o.remaining + o.fee_reserve for o in offers[maker.id] if o.side == "sell")
        assert left[maker.id] == maker.deposit_usdt * MICRO - reserved
    posts = await _channel_posts(demo, demo.settings.offers_channel_id, len(market.OFFERS))
    assert all("USDT" in p for p in posts)


async def test_the_demo_admin_is_staff_in_the_admin_bot(demo: Runtime) -> None:
    admin = demo.sandbox.users[market.DEMO_ADMIN_ID]
    await admin.send(ADMIN, "/start")
    # (the demo's admin may first be told of the seeded reference rates: wait for the answer itself)
    answer = await admin.wait_for(ADMIN, "/disputes", timeout=15)
    assert "/withdrawals" in answer.text and "/cold" in answer.text  # the staff menu, not a refusal


async def test_a_second_start_keeps_the_data_and_the_demo_users_chats(demo_db: str, tmp_path: Path) -> None:
    first = Runtime(demo_settings(demo_db, tmp_path))
    await first.start()
    await first.stop()
    second = Runtime(demo_settings(demo_db, tmp_path))
    await second.start()
    try:
        async with second.session_factory() as s:  # type: ignore[misc]
            assert len(await my_offers(s, market.KARIM)) == 2  # not seeded twice
        # The new (in-memory) offers channel shows the active offers again.
        posts = await _channel_posts(second, second.settings.offers_channel_id, len(market.OFFERS))
        assert len(posts) == len(market.OFFERS)
        karim = second.sandbox.users[market.KARIM]
        assert (karim.first_name, karim.language_code) == ("كريم", "ar")
        await karim.send(TRADERS, "/start")
        answer = await karim.wait_for(TRADERS, timeout=15)
        assert any("\u0600" <= ch <= "\u06ff" for ch in answer.text)  # answered, in Arabic
    finally:
        await second.stop()


async def test_the_chain_panel_reaches_the_local_node_through_the_page_app(demo: Runtime) -> None:
    node = demo.tron_node.node
    target = node.outside_address("panel-test")
    hot = demo.wallet.config.hot_address
    async with aiohttp.ClientSession(base_url=demo.sandbox.url) as http:
        async with http.get("/chain/info") as resp:
            info = await resp.json()
        assert info["linked"] is True and info["head"] == node.head_number and info["hot_wallet"] == hot
        async with http.post("/chain/send_usdt", json={"to": target, "amount": 12_500_000}) as resp:
            assert resp.status == 200 and len((await resp.json())["txid"]) == 64
        async with http.post("/chain/mine", json={"n": 2}) as resp:
            mined = await resp.json()
        assert mined["head"] == info["head"] + 2 and node.usdt_balance(target) == 12_500_000
        async with http.post("/chain/fork", json={"depth": 1}) as resp:  # not the page's business
            assert resp.status == 404
        assert node.head_number == mined["head"]
        # What the hot wallet sends shows as a withdrawal; other transfers do not.
        from core.wallet.config import hot_key_hex

        node.send_usdt(hot_key_hex(demo.settings), target, 7 * MICRO)
        node.mine(1)
        async with http.get("/chain/withdrawals") as resp:
            sent = (await resp.json())["transactions"]
    to_target = [(t["asset"], t["amount"], t["from"]) for t in sent if t["to"] == target]
    assert to_target == [("USDT", 7 * MICRO, hot)]  # the 12.5 USDT from outside is not a withdrawal


async def test_the_seeded_sell_offers_accept_their_makers_saved_accounts(demo: Runtime) -> None:
    factory = demo.session_factory
    assert factory is not None
    async with factory() as s:
        found = [o for d in market.DEMO_USERS for o in await my_offers(s, d.id)]
    sells = [o for o in found if o.side == "sell"]
    assert sells and all(o.payment_account_ids for o in sells)
    assert {o.city for o in sells if "cash" in o.payment_methods} == {"Erbil"}
