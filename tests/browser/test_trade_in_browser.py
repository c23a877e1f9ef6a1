"""The offline demo in headless Chromium: two new users, a USDT deposit through the chain panel,
a whole trade with a receipt photo, and the completed trade in the payments channel."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from playwright.async_api import expect
from sqlalchemy import select

from bootstrap import Runtime
from core.escrow import Trade, my_offers
from core.ledger import AccountRef, balance
from core.money import MICRO, Asset
from core.users import User
from core.wallet.models import Deposit, DepositAddress
from sandbox import demo as market
from tests.browser.conftest import ARTIFACTS, needs_chromium
from tests.browser.page import ChatPage, arabic, receipt_png

pytestmark = needs_chromium


async def _user_id(runtime: Runtime, username: str) -> int:
    assert runtime.session_factory is not None
    async with runtime.session_factory() as s:
        return int(await s.scalar(select(User.id).where(User.username == username)))


async def test_a_whole_trade_in_the_browser(demo: Runtime, browser_page: object, tmp_path: Path) -> None:
    page = ChatPage(browser_page, f"{demo.sandbox.url}/")  # type: ignore[arg-type]
    await page.open()
    await page.add_user("Samir", "samir_seller", "en")
    await page.add_user("Bilal", "bilal_buyer", "en")

    # The seller gets a deposit address and pays 500 USDT into it from the chain panel.
    await page.as_user("Samir")
    await page.say("/start", "Please choose your language")
    await page.press("English", "Welcome to KOXX P2P, Samir!")
    await expect(page.messages.locator(".msg")).to_have_count(2)  # the picker was edited in place
    await page.say("/wallet", "Your wallet")
    await page.press("📥 Deposit", "Which coin do you want to deposit?")
    await page.press("USDT", "Your deposit address:", exact=True)
    address = await page.pick_address_from_last_message()
    await page.chain_send("500", "USDT")
    await page.chain_mine(20)
    await page.sees("Deposit of 500 USDT credited")
    seller_id = await _user_id(demo, "samir_seller")

    # A sell offer: 200 USDT at 1,310 IQD, ZainCash.
    await page.say("/newoffer", "Do you want to sell crypto or buy it?")
    await page.press("Sell crypto", "Which asset, for which currency?")
    await page.press("USDT · IQD", "Reference rate now", exact=True)
    await page.press("= 1,310 IQD", "How much USDT do you want to sell")
    await page.say("200", "Which payment methods")
    await page.press("ZainCash", "✅ ZainCash")
    await page.press("Done", "Your new offer")
    await page.press("More options", "More options:")
    await page.press("Limits per trade", "The minimum of one trade")
    await page.say("50,000", "The maximum of one trade")
    await page.say("262000", "Your new offer")
    await page.press("More options", "More options:")
    await page.press("Terms", "Type your terms")
    await page.say("Pay from an account in your own name.", "Your new offer")
    await page.press("Publish", "Your offer is published")
    published = await page.last_message()
    offer_id = int(published.split("Offer #")[1].split(" ")[0])

    # The buyer takes it for 131,000 IQD and pays with a receipt photo.
    await page.as_user("Bilal")
    await page.say(f"/start offer_{offer_id}", f"Offer #{offer_id}")
    await page.press("🤝 Trade", "How much do you want to buy?")
    await page.say("131000", "Check before you confirm")
    await page.press("Confirm and open the trade", "Trade opened")
    await page.press("I have paid", "Send a photo of your payment receipt")
    receipt = tmp_path / "receipt.png"
    receipt.write_bytes(receipt_png(["ZainCash", "Transfer: 131,000 IQD", "To: 0770 000 0000", "Status: done"]))
    await page.upload(receipt, "Did you really transfer the money?")
    await expect(page.messages.locator(".msg.mine img")).to_have_count(1)  # the photo shows in the chat
    await page.press("Yes, I have paid", "Marked as paid")

    # The seller sees the receipt and releases.
    await page.as_user("Samir")
    await page.sees("says the payment was sent")
    await expect(page.messages.locator(".msg:not(.mine) img").last).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    await browser_page.screenshot(path=str(ARTIFACTS / "demo-en.png"))  # type: ignore[attr-defined]
    await page.press("Release USDT", "Release 100 USDT to the buyer?")
    await page.press("Yes, I received 131,000 IQD", "You released 100 USDT")

    await page.as_user("Bilal")
    await page.sees("The seller released the coins")
    await browser_page.screenshot(path=str(ARTIFACTS / "browser-trade-buyer.png"))  # type: ignore[attr-defined]

    # Coins a new account bought in a trade are held (issue 17): they can be sold, not withdrawn yet.
    await page.say("/wallet", "Your wallet")
    await page.sees("Of it on hold until")

    # The seller withdraws 50 USDT to an outside wallet; the chain panel shows it once in a block.
    await page.as_user("Samir")
    outside = demo.tron_node.node.outside_address("samir-own-wallet")
    await page.say("/wallet", "Your wallet")
    await page.press("📤 Withdraw", "Which coin do you want to withdraw?")
    await page.press("USDT", "Send the TRON address to withdraw to", exact=True)
    await page.say(outside, "should arrive?")
    await page.say("50", "Please check your withdrawal")
    await page.press("✅ Confirm", "requested")
    # (the sweeper may add gas transfers of its own to the pool and to the list: look for this one)
    await expect(browser_page.locator("#chain-pool")).to_have_text(re.compile(r"^[1-9]"))  # type: ignore[attr-defined]
    await page.chain_mine(1)
    sent = browser_page.locator("#chain-withdrawals li", has_text=outside)  # type: ignore[attr-defined]
    await expect(sent).to_have_count(1)
    await expect(sent).to_contain_text(f"50 USDT → {outside}")
    await page.sees("is on its way to")
    await browser_page.screenshot(path=str(ARTIFACTS / "browser-withdrawal.png"))  # type: ignore[attr-defined]

    # The payments channel, read-only, shows the completed trade.
    await page.open_chat("KOXX P2P Payments")
    await page.sees("✅")
    assert "This channel is read-only" in await browser_page.evaluate(  # type: ignore[attr-defined]
        "getComputedStyle(document.querySelector('#composer'), '::after').content"
    )
    await browser_page.screenshot(path=str(ARTIFACTS / "browser-trade-payments.png"))  # type: ignore[attr-defined]

    # Behind the page: the deposit reached the chain and the ledger, the trade completed.
    buyer_id = await _user_id(demo, "bilal_buyer")
    assert demo.session_factory is not None
    async with demo.session_factory() as s:
        assert (await s.get(DepositAddress, seller_id)).address == address  # type: ignore[union-attr]
        deposits = (await s.execute(select(Deposit).where(Deposit.user_id == seller_id))).scalars().all()
        trades = (await s.execute(select(Trade).where(Trade.buyer_id == buyer_id))).scalars().all()
        buyer_usdt = await balance(s, AccountRef.user(buyer_id), Asset.USDT)
        seller_usdt = await balance(s, AccountRef.user(seller_id), Asset.USDT)
    assert [(d.amount, d.status) for d in deposits] == [(500 * MICRO, "credited")]
    assert [tx["amount"] for tx in demo.tron_node.node.transactions(address) if tx["to"] == address] == [500 * MICRO]
    assert [(t.status, t.seller_id, t.fiat_amount) for t in trades] == [("completed", seller_id, Decimal(131000))]
    assert buyer_usdt == 99_800_000  # 100 USDT less the 0.2% taker fee
    # 500 deposited, 200 + 0.4 (fee) in the offer's reserve, 50 + 2 (fee) withdrawn
    assert seller_usdt == 500 * MICRO - 200_400_000 - 52 * MICRO
    assert demo.tron_node.node.usdt_balance(outside) == 50 * MICRO


async def test_an_arabic_trade_between_demo_users(demo: Runtime, browser_page: object, tmp_path: Path) -> None:
    """The seeded market in Arabic: Ali takes Karim's sell offer, pays with a receipt, Karim
    releases. The page turns right-to-left for Arabic users."""
    assert demo.session_factory is not None
    async with demo.session_factory() as s:
        [offer] = [o for o in await my_offers(s, market.KARIM) if o.side == "sell"]
    page = ChatPage(browser_page, f"{demo.sandbox.url}/")  # type: ignore[arg-type]
    await page.open()
    await page.as_user("علي")
    assert await browser_page.evaluate("document.documentElement.dir") == "rtl"  # type: ignore[attr-defined]
    # From the offers channel: the offer's button opens the bot's chat on the offer.
    await page.open_chat("KOXX P2P Offers")
    post = page.messages.locator(".msg", has_text=f"#{offer.id}")
    await post.locator("button").first.click()
    await expect(browser_page.locator("#title")).to_contain_text("علي ↔ @koxx_p2p_bot")  # type: ignore[attr-defined]
    await page.sees(arabic("🤝 Trade"))
    await page.press(arabic("🤝 Trade"), arabic("How much do you want to buy?"))
    await page.say("131500", arabic("<b>Check before you confirm"))
    await page.press(arabic("✅ Confirm and open the trade"), arabic("✅ Trade opened."))
    # Karim's offer takes ZainCash and FastPay: Ali chooses, and the card shows Karim's account.
    await page.press(arabic("💳 Pay by") + " " + arabic("ZainCash"), arabic("<b>💳 Pay to the seller's"))
    await page.sees("07701234567")
    await page.sees("كريم عبد الله")
    ARTIFACTS.mkdir(exist_ok=True)
    await browser_page.screenshot(path=str(ARTIFACTS / "trade-card-ar.png"))  # type: ignore[attr-defined]
    await page.press(arabic("✅ I have paid"), arabic("Send a photo of your payment receipt"))
    receipt = tmp_path / "receipt.png"
    receipt.write_bytes(receipt_png(["ZainCash", "Transfer: 131,500 IQD", "To: 0770 111 2222", "Status: done"]))
    await page.upload(receipt, arabic("<b>Did you really transfer"))
    await page.press(arabic("✅ Yes, I have paid"), arabic("✅ Marked as paid"))

    await page.as_user("كريم")
    await page.sees(arabic("💰 The buyer says"))
    await expect(page.messages.locator(".msg:not(.mine) img").last).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    await browser_page.screenshot(path=str(ARTIFACTS / "demo-ar.png"))  # type: ignore[attr-defined]
    await page.press(arabic("🔓 Release {asset}"), arabic("🔓 Yes, I received"))
    await page.press(arabic("🔓 Yes, I received"), arabic("🔓 You released"))

    await page.as_user("علي")
    await page.sees(arabic("🎉 The seller released"))
    async with demo.session_factory() as s:
        [trade] = (await s.execute(select(Trade).where(Trade.offer_id == offer.id))).scalars().all()
        ali_usdt = await balance(s, AccountRef.user(market.ALI), Asset.USDT)
    assert (trade.status, trade.buyer_id, trade.fiat_amount) == ("completed", market.ALI, Decimal(131500))
    assert ali_usdt == trade.crypto_amount - trade.buyer_fee > 0


async def test_a_reply_keyboard_button_shares_the_phone_number(demo: Runtime, browser_page: object) -> None:
    """/verify shows a reply keyboard whose button shares the user's contact (not its label)."""
    page = ChatPage(browser_page, f"{demo.sandbox.url}/")  # type: ignore[arg-type]
    await page.open()
    await page.as_user("Emma")
    await page.say("/verify", "step 1 of 2: your phone number")
    share = browser_page.locator("#keyboard button", has_text="Share my phone number")  # type: ignore[attr-defined]
    browser_page.once("dialog", lambda dialog: dialog.accept("+9647701234567"))  # type: ignore[attr-defined]
    await share.click()
    await page.sees("You are now at level 1")
    await expect(page.messages.locator(".msg.mine").last).to_contain_text("+9647701234567")
    await expect(share).to_have_count(0)  # the bot removed the keyboard
    assert demo.session_factory is not None
    async with demo.session_factory() as s:
        emma = await s.get(User, market.EMMA)
    assert emma is not None and emma.kyc_level == 1


async def test_the_chain_panel_sends_decimal_amounts_and_refuses_bad_ones(demo: Runtime, browser_page: object) -> None:
    page = ChatPage(browser_page, f"{demo.sandbox.url}/")  # type: ignore[arg-type]
    await page.open()
    node = demo.tron_node.node
    target = node.outside_address("panel-decimals")
    await browser_page.locator("#chain-to").fill(target)  # type: ignore[attr-defined]
    await browser_page.locator("#chain-amount").fill("1.2345678")  # type: ignore[attr-defined]
    await browser_page.locator("#chain-send-button").click()  # type: ignore[attr-defined]
    await expect(browser_page.locator("#chain-result")).to_contain_text("at most 6 decimals")  # type: ignore[attr-defined]
    await page.chain_send("12.5", "TRX")
    await page.chain_send("0.000001", "USDT")
    await page.chain_mine(1)
    assert node.trx_balance(target) == 12_500_000 and node.usdt_balance(target) == 1
    await browser_page.locator("#chain-to").fill("not-an-address")  # type: ignore[attr-defined]
    await browser_page.locator("#chain-amount").fill("1")  # type: ignore[attr-defined]
    await browser_page.locator("#chain-send-button").click()  # type: ignore[attr-defined]
    await expect(browser_page.locator("#chain-result")).to_have_class(re.compile("bad"))  # type: ignore[attr-defined]
