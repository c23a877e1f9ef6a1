"""Driving the chat page as a person would: pick a user, type, press buttons, upload a photo,
use the chain panel. Every step waits for what the person waits for (a text on screen)."""

from __future__ import annotations

import asyncio
import io
import re
import time
from pathlib import Path
from typing import Any

from playwright.async_api import Locator, Page, expect

TRADERS_BOT = "@koxx_p2p_bot"


def receipt_png(lines: list[str]) -> bytes:
    """A small picture of a payment receipt (Pillow ships with qrcode)."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (360, 220), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 359, 44), fill=(233, 30, 99))
    font = ImageFont.load_default(size=22)
    draw.text((16, 10), lines[0], fill="white", font=font)
    for i, line in enumerate(lines[1:]):
        draw.text((16, 64 + 34 * i), line, fill="black", font=font)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


class ChatPage:
    def __init__(self, page: Page, url: str) -> None:
        self.page = page
        self.url = url
        self.user: str | None = None
        self._acts: dict[str, list[float]] = {}

    @property
    def messages(self) -> Locator:
        return self.page.locator("#messages")

    async def open(self) -> None:
        await self.page.goto(self.url)
        await expect(self.page.locator("#chain")).to_be_visible()  # the local TRON node is linked

    async def _pace(self) -> None:
        """The bot drops a user's 6th update within a second (botkit.middlewares.Admission); people are
        slower than a script, so act at most 3 times in any 1.1 seconds per user."""
        assert self.user is not None
        now = time.monotonic()
        recent = [t for t in self._acts.get(self.user, []) if now - t < 1.1]
        if len(recent) >= 3:
            await asyncio.sleep(1.1 - (now - recent[0]))
            recent = recent[1:]
        self._acts[self.user] = [*recent, time.monotonic()]

    async def add_user(self, name: str, username: str, lang: str) -> None:
        form = self.page.locator("#new-user")
        await form.locator("input[name=name]").fill(name)
        await form.locator("input[name=username]").fill(username)
        await form.locator("select[name=lang]").select_option(lang)
        await form.locator("button").click()
        await expect(self.page.locator("#users li", has_text=name)).to_be_visible()

    async def as_user(self, name: str) -> None:
        """Show ``name``'s chat with the traders' bot."""
        await self.page.locator("#users li", has_text=name).click()
        await self.page.locator("#chats li", has_text=TRADERS_BOT).click()
        await expect(self.page.locator("#title")).to_contain_text(f"{name} ↔ {TRADERS_BOT}")
        self.user = name

    async def open_chat(self, title: str) -> None:
        await self.page.locator("#chats li", has_text=title).click()
        await expect(self.page.locator("#title")).to_have_text(title)

    async def sees(self, text: str, timeout: float = 30_000) -> None:
        await expect(self.messages).to_contain_text(text, timeout=timeout)

    async def say(self, text: str, expect_text: str) -> None:
        await self._pace()
        await self.page.locator("#text").fill(text)
        await self.page.locator("#text").press("Enter")
        await self.sees(expect_text)

    def button(self, label: str, *, exact: bool = False) -> Locator:
        """The button on the newest message that has one with this label."""
        name: Any = re.compile(rf"^\s*{re.escape(label)}\s*$") if exact else label
        with_it = self.messages.locator(".msg").filter(has=self.page.locator("button", has_text=name))
        return with_it.last.locator("button", has_text=name).first

    async def press(self, label: str, expect_text: str, *, exact: bool = False) -> None:
        await self._pace()
        await self.button(label, exact=exact).click()
        await self.sees(expect_text)

    async def upload(self, path: Path, expect_text: str) -> None:
        await self._pace()
        await self.page.locator("#file").set_input_files(str(path))
        await self.sees(expect_text)

    async def last_message(self) -> str:
        return await self.messages.locator(".msg").last.inner_text()

    # ---- the chain panel

    async def pick_address_from_last_message(self) -> str:
        await self.messages.locator(".msg").last.locator("code").first.click()
        to = self.page.locator("#chain-to")
        await expect(to).to_have_value(re.compile(r"^T[1-9A-HJ-NP-Za-km-z]{33}$"))
        return await to.input_value()

    async def chain_send(self, amount: str, asset: str) -> None:
        await self.page.locator("#chain-amount").fill(amount)
        await self.page.locator("#chain-asset").select_option(asset)
        await self.page.locator("#chain-send-button").click()
        await expect(self.page.locator("#chain-result")).to_contain_text(f"Sent {amount} {asset}")

    async def chain_mine(self, blocks: int) -> None:
        before = int((await self.page.locator("#chain-head").inner_text()).lstrip("#") or 0)
        if blocks == 20:
            await self.page.locator("#chain-confirm").click()
        else:
            await self.page.locator("#chain-blocks").fill(str(blocks))
            await self.page.locator("#chain-mine-button").click()
        await expect(self.page.locator("#chain-result")).to_contain_text(f"Mined {blocks} block(s)")
        await expect(self.page.locator("#chain-head")).to_have_text(f"#{before + blocks}")


def arabic(english_start: str) -> str:
    """The Arabic of the catalog entry whose English starts with ``english_start``, without HTML
    tags and cut before its first placeholder: a piece of text to look for on the page."""
    from babel.messages.pofile import read_po

    path = Path(__file__).resolve().parents[2] / "locales" / "ar" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        catalog = read_po(po)
    found = [m for m in catalog if isinstance(m.id, str) and m.id.startswith(english_start) and m.string]
    assert len(found) == 1, f"{len(found)} catalog entries start with {english_start!r}"
    text = re.sub(r"<[^>]+>", "", str(found[0].string))
    return text.split("{")[0].split("\n")[0].strip()
