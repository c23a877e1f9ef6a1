"""The Mini App in Chromium, opened as the bot's menu button opens it (initData signed by the
stand-in with the bot's token): a whole trade where the buyer uses the app and the seller the bot;
the wallet's deposit address and a withdrawal; the market in Arabic on a 360-pixel phone
(docs/mini-app-market-ar.png, rewritten with KOXX_DOCS_SCREENSHOTS=1); a photo attached in the
trade's chat, in Arabic on a phone."""

from __future__ import annotations

import asyncio
import re
import uuid
from pathlib import Path
from typing import Any

from playwright.async_api import Page, expect
from sqlalchemy import select
from tronpy.keys import PrivateKey

from core.money import MICRO
from core.wallet.models import Withdrawal
from sandbox.telegram import SimUser
from sandbox.telegram.webapp import menu_app_url
from tests.api.conftest import Api, available, fund, open_trade, png, post_photo, sell_offer
from tests.browser.conftest import ARTIFACTS, needs_chromium
from tests.browser.test_docs_screenshots import docs_screenshots
from tests.e2e.harness import TRADERS_TOKEN, Market
from tests.market.conftest import market, market_db  # noqa: F401
from tests.market.flows import step

pytestmark = needs_chromium
DOCS = Path(__file__).resolve().parents[2] / "docs"
PHONE = {"width": 360, "height": 760}


async def open_app(page: Page, market: Market, user: SimUser) -> None:  # noqa: F811
    url = menu_app_url(market.tg.find_bot(TRADERS_TOKEN), user)
    assert url is not None and url.startswith(f"{market.runtime.web_url}/app/#tgWebAppData=")  # the bot set it
    await page.set_viewport_size(PHONE)
    await page.goto(url)
    await expect(page.locator("#live")).to_be_visible()  # signed in, live events connected


async def seller_with_offer(market: Market, name: str, lang: str = "en") -> tuple[SimUser, dict[str, Any]]:  # noqa: F811
    seller = await market.newcomer(name, lang=lang, username=f"s{uuid.uuid4().hex[:8]}")
    api = Api(market, seller)
    try:
        await api.login()
        await fund(market.session_factory, seller.id, 150)
        return seller, await sell_offer(api)
    finally:
        await api.close()


async def test_buyer_in_the_mini_app_seller_in_the_bot(market: Market, browser_page: Any) -> None:  # noqa: F811
    page: Page = browser_page
    seller, offer = await seller_with_offer(market, "Karim")
    buyer = market.user("Sami", lang="en", username=f"b{uuid.uuid4().hex[:8]}")
    await open_app(page, market, buyer)
    card = page.locator(f'[data-offer="{offer["id"]}"]')
    await expect(card).to_contain_text("1,310 IQD")
    await card.get_by_role("button", name="Buy").click()
    await page.locator("#take-amount").fill("131,000")
    await page.locator("#get-quote").click()
    await expect(page.locator("#receive")).to_have_text("99.8 \u2066USDT\u2069")
    await page.locator("#open-trade").click()
    await expect(page.locator("#status")).to_have_text("Waiting for payment")
    await expect(page.locator("#countdown")).to_have_text(re.compile(r"^(29|30):\d\d$"))
    trade_id = int((await page.locator("h2").first.inner_text()).split("#")[1])
    told = await seller.wait_for(TRADERS_TOKEN, contains=f"#{trade_id}")
    await page.locator("#message").fill("Paying now by ZainCash")
    await page.get_by_role("button", name="Send").click()
    await seller.wait_for(TRADERS_TOKEN, contains="Paying now by ZainCash")
    await page.locator("#paid").click()
    await expect(page.locator("#status")).to_have_text("Paid, waiting for release")
    told = await seller.wait_for(TRADERS_TOKEN, match=lambda m: f"#{trade_id}" in m.text and "paid" in m.text
                                 and "Release USDT" in str(m.buttons))  # fmt: skip
    await step(seller, "Release USDT", "Release 100 USDT to the buyer?", message=told)
    await step(seller, "Yes, I received 131,000 IQD", "You released 100 USDT")
    await expect(page.locator("#status")).to_have_text("Completed")  # live: nobody reloaded the page
    assert await available(market.session_factory, buyer.id) == 100 * MICRO - 200_000
    await page.screenshot(path=str(ARTIFACTS / "mini-app-trade-en.png"))

    # The wallet: the deposit address with its QR code, then a withdrawal. What was just bought is on
    # hold for a new account (core's risk hold); a deposit is not.
    await fund(market.session_factory, buyer.id, 60)
    await page.get_by_role("button", name="Wallet").click()
    address = page.locator("#address")
    await expect(address).to_have_text(re.compile(r"^T[1-9A-HJ-NP-Za-km-z]{33}$"))
    await expect(page.locator("#qr")).to_have_js_property("complete", True)
    assert await page.locator("#qr").evaluate("img => img.naturalWidth") > 100
    destination = PrivateKey.random().public_key.to_base58check_address()
    await page.locator("#w-address").fill(destination)
    await page.locator("#w-amount").fill("50")
    await page.locator("#withdraw").click()
    await expect(page.locator("#toast")).to_have_text("Withdrawal requested.")
    async with market.session_factory() as s:
        [withdrawal] = (await s.execute(select(Withdrawal).where(Withdrawal.user_id == buyer.id))).scalars().all()
    assert withdrawal.amount == 50 * MICRO and withdrawal.to_address == destination
    assert await available(market.session_factory, buyer.id) == 160 * MICRO - 200_000 - 52 * MICRO

    # The history screen's statement: this month's PDF, the same /export gives in the bot.
    async with page.expect_download() as download_info:
        await page.locator("#statement-pdf").click()
    download = await download_info.value
    assert download.suggested_filename == "koxx-statement-this_month.pdf"
    pdf = await asyncio.to_thread(Path(await download.path()).read_bytes)
    assert pdf.startswith(b"%PDF-")


async def test_the_market_in_arabic_on_a_phone(market: Market, browser_page: Any) -> None:  # noqa: F811
    page: Page = browser_page
    _, offer = await seller_with_offer(market, "كريم", lang="ar")
    buyer = market.user("سامي", lang="ar", username=f"b{uuid.uuid4().hex[:8]}")
    await open_app(page, market, buyer)
    assert await page.evaluate("document.documentElement.dir") == "rtl"
    card = page.locator(f'[data-offer="{offer["id"]}"]')
    await expect(card).to_contain_text("١٬٣١٠ د.ع")  # Arabic-Indic digits
    await expect(card.get_by_role("button", name="شراء")).to_be_visible()
    await expect(page.locator("#tabs")).to_contain_text("المحفظة")
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]  # nothing runs off a 360-pixel screen
    await page.screenshot(path=str(ARTIFACTS / "mini-app-market-ar.png"))
    if docs_screenshots():
        await page.screenshot(path=str(DOCS / "mini-app-market-ar.png"))


async def test_a_photo_attached_in_the_trade_chat(market: Market, browser_page: Any) -> None:  # noqa: F811
    """The buyer (in Arabic, on a phone) attaches a receipt that another buyer already sent in an
    earlier trade: it shows in the chat with the warning, and the seller gets it in the bot."""
    page: Page = browser_page
    seller, offer = await seller_with_offer(market, "Hadi")
    receipt = png()
    earlier = Api(market, await market.newcomer("Earlier", lang="en", username=f"e{uuid.uuid4().hex[:8]}"))
    buyer = await market.newcomer("زيد", lang="ar", username=f"b{uuid.uuid4().hex[:8]}")  # started the bot
    app = Api(market, buyer)
    try:
        await earlier.login()
        assert (await post_photo(earlier, await open_trade(earlier, offer["id"]), receipt))[0] == 201
        await app.login()
        trade_id = await open_trade(app, offer["id"])
    finally:
        await earlier.close()
        await app.close()
    await open_app(page, market, buyer)
    await page.locator('#tabs button[data-tab="trades"]').click()
    await page.locator(".card", has_text=f"#{trade_id}").click()
    await expect(page.locator("#status")).to_have_text("بانتظار الدفع")
    await page.locator("#message").fill("إيصال التحويل")
    await page.locator("#photo").set_input_files(files=[{"name": "receipt.png", "mimeType": "image/png",
                                                         "buffer": receipt}])  # fmt: skip
    bubble = page.locator("#chat .bubble.mine")
    await expect(bubble).to_contain_text("إيصال التحويل")
    await expect(bubble.locator(".warning")).to_have_text(
        "⚠️ أُرسلت هذه الصورة من قبل في صفقة أخرى. قد تكون إيصالاً قديماً.")  # fmt: skip
    photo = bubble.locator("img.photo")
    await expect(photo).to_have_attribute("src", re.compile(r"^blob:"))  # fetched with the token
    await expect(photo).to_have_js_property("complete", True)
    assert await photo.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [24, 16]  # the bytes sent
    assert await page.locator("#message").input_value() == ""  # the caption went with the photo
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await page.screenshot(path=str(ARTIFACTS / "mini-app-chat-photo-ar.png"))

    told = await seller.wait_for(TRADERS_TOKEN, match=lambda m: bool(m.photo) and f"Trade #{trade_id}" in m.text
                                 and "إيصال التحويل" in m.text)  # fmt: skip
    assert market.tg.files[told.photo[-1]["file_id"]].data == receipt
    await seller.wait_for(TRADERS_TOKEN, contains=f"#{trade_id}: the photo the other side just sent was already sent")
