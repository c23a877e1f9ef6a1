"""The offline demo as `make run` starts it (no tokens: the Telegram stand-in, the local TRON
node, a demo market seeded into an empty database), on a scratch database and free ports, and
a headless Chromium (Debian's package, driven by Playwright) to look at its page."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bootstrap import Runtime
from core.config import load_settings
from tests.conftest import Databases

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    """Debian's chromium (CI installs it when .ci/needs-chromium exists); CHROMIUM overrides."""
    for candidate in (os.environ.get("CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


needs_chromium = pytest.mark.skipif(
    chromium_path() is None,
    reason="chromium not found (install Debian's `chromium`; .ci/run does when .ci/needs-chromium exists)",
)


def demo_settings(database_url: str, data_dir: Path, **overrides: Any) -> Any:
    """What `make run` uses with no tokens and no TRON_API_URL, on free ports; blocks on demand."""
    values: dict[str, Any] = {
        "bot_token": None,
        "admin_bot_token": None,
        "tron_api_url": None,
        "wallet_xpub": None,
        "wallet_seed": None,
        "hot_wallet_key": None,
        "admin_ids": [],
        "offers_channel_id": None,
        "payments_channel_id": None,
        "database_url": database_url,
        "redis_url": None,
        "webhook_url": None,
        "web_port": 0,
        "sandbox_port": 0,
        "tron_node_port": 0,
        "tron_block_seconds": 0,
        "data_dir": data_dir,
    }
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture
async def demo_db(databases: Databases) -> str:
    return await databases.create("koxx_demo")


@pytest.fixture
async def demo(demo_db: str, tmp_path: Path) -> AsyncIterator[Runtime]:
    runtime = Runtime(demo_settings(demo_db, tmp_path))
    try:
        await runtime.start()
        yield runtime
    finally:
        await runtime.stop()


@pytest.fixture
async def browser_page(tmp_path: Path) -> AsyncIterator[Any]:
    """A page in a fresh headless Chromium profile."""
    from playwright.async_api import async_playwright

    executable = chromium_path()
    assert executable is not None
    async with async_playwright() as pw:
        context = await pw.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=executable,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 900},
        )
        try:
            page = context.pages[0] if context.pages else await context.new_page()
            page.set_default_timeout(30_000)
            yield page
        finally:
            await context.close()
