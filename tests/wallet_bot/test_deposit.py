"""A deposit end to end: /wallet → Deposit → the QR code and the address; USDT sent to it on the
local TRON node is announced at once and credited after 19 confirmations, once; the balance
screen and the history show it."""

from __future__ import annotations

from sqlalchemy import func, select

from core import events
from core.ledger import statement
from core.money import MICRO, Asset
from core.outbox import OutboxMessage
from core.wallet import qr_png
from tests.e2e.harness import Market, eventually
from tests.market.flows import press, send
from tests.wallet_bot.conftest import available, deposit_address_of


async def credited_events(market: Market, user_id: int) -> int:
    async with market.session_factory() as s:
        return int(await s.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.kind == events.kind_of(events.DepositCredited), OutboxMessage.recipient == f"user:{user_id}")) or 0)  # fmt: skip


async def test_deposit_qr_address_then_detected_credited_once_and_listed(market: Market) -> None:
    alice = await market.newcomer("Alice", lang="en")
    await send(alice, "/wallet")
    screen = await alice.wait_for(market.traders, contains="Your wallet")
    assert "Available: 0 USDT" in screen.text and "In escrow: 0 TRX" in screen.text
    assert ["📥 Deposit", "📤 Withdraw"] in screen.buttons

    await press(alice, "📥 Deposit")
    await alice.wait_for(market.traders, contains="Which coin", edited=True)
    await press(alice, "USDT")
    photo = await alice.wait_for(market.traders, match=lambda m: m.photo is not None)
    address = await deposit_address_of(market.session_factory, alice.id)
    assert address.startswith("T") and len(address) == 34
    assert f"<code>{address}</code>" in photo.html  # copies cleanly
    assert (
        "TRC20" in photo.text and "19 confirmations" in photo.text and "Minimum deposit: 1 USDT" in photo.text
    )
    assert market.tg.files[photo.photo[-1]["file_id"]].data == qr_png(address)

    # The same address the second time (one address per user).
    await press(alice, "💼 Wallet", message=photo)
    await alice.wait_for(market.traders, contains="Your wallet")
    await press(alice, "📥 Deposit")
    await press(alice, "USDT")
    again = await alice.wait_for(market.traders, match=lambda m: m.photo is not None)
    assert address in again.text

    node = market.runtime.tron_node.node

    await market.runtime.wallet.scan(market.session_factory)  # the scanner watches from the head it first saw
    txid = node.send_usdt("alice-binance", address, 250 * MICRO)
    node.mine(1)
    await market.runtime.wallet.scan(market.session_factory)
    detected = await alice.wait_for(market.traders, contains="detected")
    assert "250 USDT" in detected.text and "19 confirmations" in detected.text
    assert await available(market.session_factory, alice.id, Asset.USDT) == 0

    node.mine(17)  # 18 confirmations: not yet
    await market.runtime.wallet.scan(market.session_factory)
    assert await available(market.session_factory, alice.id, Asset.USDT) == 0
    node.mine(1)  # the 19th
    await market.runtime.wallet.scan(market.session_factory)
    credited = await alice.wait_for(market.traders, contains="credited")
    assert "250 USDT" in credited.text and f"<code>{txid}</code>" in credited.html
    assert await available(market.session_factory, alice.id, Asset.USDT) == 250 * MICRO

    # Scanning again (and the scheduler's own scans) credits nothing more.
    node.mine(3)
    await market.runtime.wallet.scan(market.session_factory)
    assert await available(market.session_factory, alice.id, Asset.USDT) == 250 * MICRO
    assert await credited_events(market, alice.id) == 1

    # The payments channel (in Arabic): the amount, nothing that points at Alice.
    post = await market.tg.wait_for_post(market.payments_channel, contains="٢٥٠")
    assert (
        "USDT" in post.text
        and address not in post.text
        and "Alice" not in post.text
        and txid not in post.text
    )

    await send(alice, "/wallet")
    screen = await alice.wait_for(market.traders, contains="Your wallet")
    assert "Available: 250 USDT" in screen.text
    await press(alice, "📜 History")
    history = await alice.wait_for(market.traders, contains="Wallet history", edited=True)
    assert "Deposit · +250 USDT" in history.text

    async def one_line() -> bool:
        async with market.session_factory() as s:
            return len(await statement(s, alice.id)) == 1

    await eventually(one_line)


async def test_a_deposit_below_the_minimum_is_announced_and_not_credited(market: Market) -> None:
    tom = await market.newcomer("Tom", lang="en")
    await send(tom, "/wallet")
    await tom.wait_for(market.traders, contains="Your wallet")
    await press(tom, "📥 Deposit")
    await tom.wait_for(market.traders, contains="Which coin", edited=True)
    await press(tom, "TRX")
    photo = await tom.wait_for(market.traders, match=lambda m: m.photo is not None)
    assert "Send only TRX" in photo.text and "Minimum deposit: 1 TRX" in photo.text
    address = await deposit_address_of(market.session_factory, tom.id)

    node = market.runtime.tron_node.node

    await market.runtime.wallet.scan(market.session_factory)  # the scanner watches from the head it first saw
    node.send_trx("tom-exchange", address, 500_000)  # 0.5 TRX
    node.mine(19)
    await market.runtime.wallet.scan(market.session_factory)
    dust = await tom.wait_for(market.traders, contains="below the minimum deposit")
    assert "0.5 TRX" in dust.text and "1 TRX" in dust.text
    assert await available(market.session_factory, tom.id, Asset.TRX) == 0
