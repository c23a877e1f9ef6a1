"""Saved addresses: with «saved addresses only» on, a withdrawal to another address is refused;
a newly saved address waits out the cooling-off; switching the protection off takes effect only
after the cooling-off too. Internal transfers follow the same rule with saved recipients. And a
confirmation button works only for its owner, only once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from core.db import transaction
from core.money import MICRO, Asset
from core.wallet.models import WhitelistEntry, WhitelistRecipient
from tests.e2e.harness import Market
from tests.market.flows import pace, press, send
from tests.wallet_bot.conftest import available, fund, withdrawals
from tests.wallet_bot.test_withdraw import open_withdraw


async def test_saved_addresses_only_with_cooling_off(market: Market) -> None:
    sam = await market.newcomer("Sam", lang="en")
    f = market.session_factory
    node = market.runtime.tron_node.node
    saved, other = node.outside_address("sam-saved"), node.outside_address("sam-other")
    await fund(f, sam.id, Asset.TRX, 500 * MICRO)

    await send(sam, "/wallet")
    await sam.wait_for(market.traders, contains="Your wallet")
    await press(sam, "🔐 Saved addresses")
    screen = await sam.wait_for(market.traders, contains="No saved addresses yet", edited=True)
    assert "Withdrawals may go to any address" in screen.text
    await press(sam, "🔐 Saved addresses only")
    screen = await sam.wait_for(market.traders, contains="go only to the saved addresses below", edited=True)
    await press(sam, "➕ Add an address")
    await sam.wait_for(market.traders, contains="Send the TRON address to save", edited=True)
    await send(sam, saved)
    added = await sam.wait_for(market.traders, contains="Saved")
    assert saved in added.text and "You can withdraw to it from" in added.text
    listing = await sam.wait_for(market.traders, contains="usable from")
    assert saved in listing.text and "1 day" in listing.text

    await open_withdraw(market, sam, "TRX")
    await send(sam, other)
    await sam.wait_for(market.traders, contains="only to your saved addresses")
    await send(sam, saved)
    await sam.wait_for(market.traders, contains="waits before its first use")
    assert await withdrawals(f, sam.id) == []

    # A day later the saved address works.
    async with transaction(f) as s:
        await s.execute(
            update(WhitelistEntry)
            .where(WhitelistEntry.user_id == sam.id)
            .values(usable_after=datetime.now(UTC) - timedelta(minutes=1))
        )
    await open_withdraw(market, sam, "TRX")  # the saved address is offered as a button now
    await press(sam, f"🔐 {saved[:6]}…{saved[-4:]}")
    prompt = await sam.wait_for(market.traders, contains="How much TRX")
    assert saved in prompt.text
    await send(sam, "100")
    await sam.wait_for(market.traders, contains="Please check your withdrawal")
    await press(sam, "✅ Confirm")
    await sam.wait_for(market.traders, contains="requested")

    # Switching the protection off waits out the cooling-off as well.
    await send(sam, "/wallet")
    await sam.wait_for(market.traders, contains="Your wallet")
    await press(sam, "🔐 Saved addresses")
    await sam.wait_for(market.traders, contains="ready", edited=True)
    await press(sam, "🔓 Allow any address")
    pending = await sam.wait_for(market.traders, contains="until", edited=True)
    assert "after that to any address" in pending.text
    await open_withdraw(market, sam, "TRX")
    await send(sam, other)
    await sam.wait_for(market.traders, contains="only to your saved addresses")


async def test_confirmation_works_for_its_owner_once(market: Market) -> None:
    uma = await market.newcomer("Uma", lang="en")
    mallory = await market.newcomer("Mallory", lang="en")
    f = market.session_factory
    await fund(f, uma.id, Asset.USDT, 100 * MICRO)
    await open_withdraw(market, uma)
    await send(uma, market.runtime.tron_node.node.outside_address("uma-wallet"))
    await uma.wait_for(market.traders, contains="How much USDT")
    await send(uma, "10")
    confirm = await uma.wait_for(market.traders, contains="Please check your withdrawal")
    data = confirm.button("✅ Confirm")["callback_data"]

    # Somebody else sending the same button data: refused, nothing moves.
    await pace(mallory)
    pressed = await mallory.send_callback(market.traders, data)
    assert "no longer active" in (await pressed.answer()).text
    assert await withdrawals(f, uma.id) == []

    # Cancel, then the old button: nothing either.
    await press(uma, "Cancel")
    await uma.wait_for(market.traders, contains="Withdrawal cancelled", edited=True)
    await pace(uma)
    late = await uma.send_callback(market.traders, data, message=confirm)
    assert "no longer active" in (await late.answer()).text
    assert await withdrawals(f, uma.id) == []
    assert await available(f, uma.id, Asset.USDT) == 100 * MICRO


async def test_internal_transfers_go_only_to_saved_recipients(market: Market) -> None:
    bob_name = f"bob{uuid.uuid4().hex[:6]}"
    sam = await market.newcomer("Sam", lang="en")
    await market.newcomer("Bob", lang="en", username=bob_name)
    f = market.session_factory
    await fund(f, sam.id, Asset.USDT, 100 * MICRO)
    await send(sam, "/wallet")
    await sam.wait_for(market.traders, contains="Your wallet")
    await press(sam, "🔐 Saved addresses")
    await sam.wait_for(market.traders, contains="No saved addresses yet", edited=True)
    await press(sam, "🔐 Saved addresses only")
    await sam.wait_for(market.traders, contains="internal transfers only to the saved recipients", edited=True)

    await send(sam, f"/transfer @{bob_name}")
    refused = await sam.wait_for(market.traders, contains="is not one of them")
    assert bob_name in refused.text and "send their @username or Telegram ID" in refused.text
    assert "1 day after saving" in refused.text

    await send(sam, "/wallet")
    await sam.wait_for(market.traders, contains="Your wallet")
    await press(sam, "🔐 Saved addresses")
    await sam.wait_for(market.traders, contains="Saved addresses", edited=True)
    await press(sam, "➕ Add an address")
    await sam.wait_for(market.traders, contains="or the @username or Telegram ID", edited=True)
    await send(sam, f"@{bob_name}")
    added = await sam.wait_for(market.traders, contains="You can send internal transfers to them from")
    assert bob_name in added.text
    listing = await sam.wait_for(market.traders, contains="👤")
    [line] = [x for x in listing.text.splitlines() if x.startswith("👤")]
    assert bob_name in line and "usable from" in line

    await send(sam, f"/transfer @{bob_name}")
    await sam.wait_for(market.traders, contains="a newly saved recipient waits before the first transfer")
    async with transaction(f) as s:
        await s.execute(
            update(WhitelistRecipient)
            .where(WhitelistRecipient.user_id == sam.id)
            .values(usable_after=datetime.now(UTC) - timedelta(minutes=1))
        )
    await send(sam, f"/transfer @{bob_name}")
    await sam.wait_for(market.traders, contains="Which coin")
    assert await available(f, sam.id, Asset.USDT) == 100 * MICRO
