"""The Mini App's maker and security screens in Chromium, on a 360-pixel phone in Arabic: a new
offer (a refusal in the maker's language, the preview, publish) that a buyer then sees in the
app's market, paused and closed from "My offers"; and the second factor turned on from the profile
(the key read from the page, the code computed here), its recovery codes shown once, then a
request to turn it off and keeping it on."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pyotp
import pytest
from playwright.async_api import Page, expect
from sqlalchemy import func, select

from api.texts import catalog
from core.accounts import second_factor
from core.escrow.models import Offer
from core.money import MICRO
from tests import secrets_guard
from tests.api.conftest import available, fund
from tests.browser.conftest import ARTIFACTS, needs_chromium
from tests.browser.test_mini_app import PHONE, open_app
from tests.e2e.harness import Market
from tests.market.conftest import market, market_db  # noqa: F401
from tests.wallet_bot.test_second_factor import Clock, wrong

pytestmark = needs_chromium

def ar(key: str) -> str:
    """The app's text ``key`` in Arabic (api.texts)."""
    return catalog("ar")[key]

ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


async def _fits(page: Page) -> None:
    assert await page.evaluate("document.documentElement.dir") == "rtl"
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


async def _offers_of(market: Market, user_id: int) -> int:  # noqa: F811
    async with market.session_factory() as s:
        return int(await s.scalar(select(func.count()).select_from(Offer).where(Offer.maker_id == user_id)) or 0)


async def test_publish_an_offer_from_the_app_and_a_buyer_sees_it(market: Market, browser_page: Any) -> None:  # noqa: F811
    page: Page = browser_page
    maker = market.user("مها", lang="ar", username=f"m{uuid.uuid4().hex[:8]}")
    await open_app(page, market, maker)
    await fund(market.session_factory, maker.id, 300)
    await page.locator("#new-offer").click()
    await expect(page.locator("h2")).to_have_text(ar("new_offer"))
    await page.locator("#o-price").fill("١٬٣٢٠")  # typed in Arabic-Indic digits
    await page.locator("#o-amount").fill("-5")
    await page.locator("#o-method-zaincash").check()
    await page.locator("#o-preview").click()
    error = page.locator("#o-error")  # the server's refusal, in the maker's language
    await expect(error).to_be_visible()
    assert re.search("[\u0600-\u06ff]", await error.inner_text())
    await _fits(page)

    await page.locator("#o-amount").fill("200")
    await expect(error).to_be_hidden()  # a change clears the old answer
    await page.locator("#o-terms").fill("ادفع من حساب باسمك.")
    await page.locator("#o-preview").click()
    card = page.locator("#o-preview-card")
    await expect(page.locator("#o-preview-price")).to_have_text("١٬٣٢٠ د.ع")
    await expect(card).to_contain_text("١٠٬٠٠٠ د.ع – ٢٦٤٬٠٠٠ د.ع")  # the bot's default limits
    await expect(card).to_contain_text(ar("method_zaincash"))
    await expect(card).to_contain_text("ادفع من حساب باسمك.")
    await expect(page.locator("#o-reserve")).to_have_text("٢٠٠٫٤ \u2066USDT\u2069")
    await expect(card).to_contain_text("٠٫٢٪")  # the maker's fee
    await _fits(page)
    await page.screenshot(path=str(ARTIFACTS / "mini-app-new-offer-ar.png"), full_page=True)
    assert await _offers_of(market, maker.id) == 0  # a preview stores nothing
    assert await available(market.session_factory, maker.id) == 300 * MICRO

    await page.locator("#o-publish").click()
    await expect(page.locator("#toast")).to_have_text(ar("published"))
    mine = page.locator("[data-my-offer]")
    await expect(mine).to_have_count(1)
    await expect(mine).to_contain_text(ar("offer_active"))
    offer_id = int(await mine.get_attribute("data-my-offer") or 0)
    assert await available(market.session_factory, maker.id) == 300 * MICRO - 200 * MICRO - 400_000
    await page.screenshot(path=str(ARTIFACTS / "mini-app-my-offers-ar.png"))

    # A buyer's app lists it; paused, it leaves their market while they look (live).
    buyer_page = await page.context.new_page()
    buyer = market.user("Sami", lang="en", username=f"b{uuid.uuid4().hex[:8]}")
    await open_app(buyer_page, market, buyer)
    listed = buyer_page.locator(f'[data-offer="{offer_id}"]')
    await expect(listed).to_contain_text("1,320 IQD")
    await expect(listed).to_contain_text("10,000 IQD – 264,000 IQD")
    await page.locator(f"#pause-{offer_id}").click()
    await expect(mine).to_contain_text(ar("offer_paused"))
    await expect(listed).to_have_count(0)

    await page.locator(f"#close-{offer_id}").click()
    await expect(mine).to_contain_text(ar("close_offer_confirm"))
    await page.locator(f"#close-yes-{offer_id}").click()
    await expect(page.locator("main")).to_contain_text(ar("no_my_offers"))
    assert await available(market.session_factory, maker.id) == 300 * MICRO  # the amount and the fee part came back


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock(monkeypatch)
    clock.tick(-4)
    return clock


async def test_enrol_the_second_factor_from_the_profile(market: Market, browser_page: Any, clock: Clock) -> None:  # noqa: F811
    page: Page = browser_page
    user = market.user("نور", lang="ar", username=f"n{uuid.uuid4().hex[:8]}")
    await open_app(page, market, user)
    await page.locator('#tabs button[data-tab="profile"]').click()
    await expect(page.locator("#sf-state")).to_have_text(ar("off"))
    await page.locator("#sf-on").click()
    await expect(page.locator("#sf-qr")).to_have_js_property("complete", True)
    assert await page.locator("#sf-qr").evaluate("img => img.naturalWidth") > 100
    secret = (await page.locator("#sf-secret").inner_text()).strip()
    secrets_guard.register("the browser test's TOTP secret", secret)
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    await _fits(page)
    await page.screenshot(path=str(ARTIFACTS / "mini-app-enrol-ar.png"))

    await page.locator("#sf-code").fill(wrong(secret, clock))
    await page.locator("#sf-confirm").click()
    await expect(page.locator("#sf-error")).to_be_visible()
    assert re.search("[\u0600-\u06ff]", await page.locator("#sf-error").inner_text())
    clock.tick()
    await page.locator("#sf-code").fill(pyotp.TOTP(secret).at(clock.now()).translate(ARABIC_DIGITS))
    await page.locator("#sf-confirm").click()
    codes = page.locator("#sf-codes li")
    await expect(codes).to_have_count(10)
    shown = [c.strip() for c in await codes.all_inner_texts()]
    secrets_guard.register("the browser test's recovery codes", *shown)
    assert all(re.fullmatch(r"[a-z2-7]{4}-[a-z2-7]{4}", c) for c in shown)
    await _fits(page)
    await page.screenshot(path=str(ARTIFACTS / "mini-app-recovery-codes-ar.png"))
    async with market.session_factory() as s:
        assert await second_factor.is_on(s, user.id)
    await page.locator("#sf-saved").click()
    await expect(page.locator("#sf-state")).to_have_text(ar("on"))
    await expect(page.locator("#sf-codes")).to_have_count(0)  # shown once

    # Turning it off: a code, then the cooling-off, shown with its time; kept on instead.
    await page.locator("#sf-off").click()
    clock.tick()
    await page.locator("#sf-off-code").fill(pyotp.TOTP(secret).at(clock.now()))
    await page.locator("#sf-off-confirm").click()
    await expect(page.locator("#sf-off-at")).to_contain_text(ar("sf_off_at").split("{time}")[0].strip())
    async with market.session_factory() as s:
        status = await second_factor.status(s, user.id)
    assert status.enabled and status.off_at is not None
    await page.screenshot(path=str(ARTIFACTS / "mini-app-second-factor-ar.png"))
    await page.locator("#sf-keep").click()
    await expect(page.locator("#sf-off")).to_be_visible()
    async with market.session_factory() as s:
        assert (await second_factor.status(s, user.id)).off_at is None
