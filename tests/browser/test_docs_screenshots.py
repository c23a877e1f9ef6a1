"""The screenshot in the docs (issue 21): the Arabic trade card on a phone (390 px wide), with the
seller's account, the countdown and the names. The test checks what the card shows every time; it
rewrites docs/trade-card-ar.png only when KOXX_DOCS_SCREENSHOTS=1 (so CI never changes the docs)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.async_api import expect
from sqlalchemy import update

from bootstrap import Runtime
from botkit import fmt
from botkit.i18n import translate
from core.escrow import my_offers
from core.users import User
from sandbox import demo as market
from tests.browser.conftest import ARTIFACTS, needs_chromium
from tests.browser.page import ChatPage, arabic

pytestmark = needs_chromium

DOCS = Path(__file__).resolve().parents[2] / "docs"
PHONE = {"width": 390, "height": 844}


def docs_screenshots() -> bool:
    return os.environ.get("KOXX_DOCS_SCREENSHOTS") == "1"


async def test_the_arabic_trade_card_on_a_phone(demo: Runtime, browser_page: object) -> None:
    assert demo.session_factory is not None
    async with demo.session_factory() as s:
        [offer] = [o for o in await my_offers(s, market.KARIM) if o.side == "sell"]
        # Karim's identity check read this name on his document: the buyer sees it inside the trade.
        await s.execute(update(User).where(User.id == market.KARIM).values(verified_name="كريم عبد الله"))
        await s.commit()
    page = ChatPage(browser_page, f"{demo.sandbox.url}/")  # type: ignore[arg-type]
    await page.open()
    await page.as_user("علي")
    await page.say(f"/start offer_{offer.id}", arabic("🤝 Trade"))
    await page.press(arabic("🤝 Trade"), arabic("How much do you want to buy?"))
    await page.say("131500", arabic("<b>Check before you confirm"))
    await page.press(arabic("✅ Confirm and open the trade"), arabic("✅ Trade opened."))
    await page.press(arabic("💳 Pay by") + " " + arabic("ZainCash"), arabic("<b>💳 Pay to the seller's"))

    await browser_page.set_viewport_size(PHONE)  # type: ignore[attr-defined]
    await expect(browser_page.locator("#tabs")).to_be_visible()  # type: ignore[attr-defined]
    await expect(browser_page.locator("#side")).to_be_hidden()  # type: ignore[attr-defined]
    card = page.messages.locator(".msg", has_text=arabic("<b>💳 Pay to the seller's")).last
    await card.scroll_into_view_if_needed()
    text = await card.inner_text()
    # The names: the seller's nickname with his verified name, the account's holder.
    seller = translate("ar", "{name} (verified: {verified})", name=fmt.isolate("KarimFX"),
                       verified=fmt.isolate("كريم عبد الله"))  # fmt: skip
    assert translate("ar", "Seller: {who}", who=seller) in text
    assert translate("ar", "Holder: {name}", name=fmt.isolate("كريم عبد الله")) in text
    # The countdown, in Arabic-Indic digits and Baghdad time.
    assert re.search(r"⏳ [^\n]*[٠-٩]+[^\n]*[٠-٩]{2}:[٠-٩]{2} بتوقيت بغداد", text), text
    # The seller's account: the number to copy, its holder, the exact amount.
    assert "07701234567" in text and "131500" in text
    box = await card.bounding_box()
    assert box is not None and box["width"] <= PHONE["width"]

    await expect(browser_page.locator("#toast")).to_be_hidden()  # type: ignore[attr-defined]
    ARTIFACTS.mkdir(exist_ok=True)
    await browser_page.screenshot(path=str(ARTIFACTS / "trade-card-ar-phone.png"))  # type: ignore[attr-defined]
    if docs_screenshots():
        await browser_page.screenshot(path=str(DOCS / "trade-card-ar.png"))  # type: ignore[attr-defined]
