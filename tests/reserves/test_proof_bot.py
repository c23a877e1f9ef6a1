"""/proof through the Telegram stand-in, in English and Arabic: before any snapshot a clear
answer; then the trader's amounts in words, the published root, how to check, and the proof as a
JSON file the standalone verifier accepts against the root posted in the payments channel; a
trader owed nothing is told so, with no file."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core import migrate
from core.db import make_engine
from core.money import MICRO, Asset
from core.reserves import snapshot as reserves
from core.reserves.verify_reserves import verify
from tests.conftest import Databases
from tests.e2e.harness import Market, running_market
from tests.i18n.arabic_text import problems
from tests.market.flows import send
from tests.money import deposit
from tests.reserves.conftest import SECRET


@pytest.fixture
async def market(databases: Databases, tmp_path: Path) -> AsyncIterator[Market]:
    url = await databases.create("koxx_proofbot")
    engine = make_engine(url)
    await migrate.upgrade(engine)
    await engine.dispose()
    async with running_market(url, tmp_path) as running:
        yield running


async def test_proof_in_english_and_arabic(market: Market, tmp_path: Path) -> None:
    bob = await market.newcomer("Bob", lang="en")
    ali = await market.newcomer("علي", lang="ar")
    carol = await market.newcomer("Carol", lang="en")
    f = market.session_factory

    await send(bob, "/proof")
    await bob.wait_for(market.traders, contains="No proof of reserves has been published yet")

    await deposit(f, bob.id, 250 * MICRO)
    await deposit(f, bob.id, 40 * MICRO, Asset.TRX)
    await deposit(f, ali.id, 1_500 * MICRO)
    published = await reserves.make_snapshot(f, SECRET)
    assert published is not None
    root = published.root.hex()
    post = await market.tg.wait_for_post(market.payments_channel, contains=root)  # the channel reads Arabic
    assert "١٬٧٥٠" in post.text and problems(post.text) == []

    await send(bob, "/proof")
    words = await bob.wait_for(market.traders, contains="Your proof of reserves")
    assert "250 USDT, 40 TRX" in words.text and root in words.text and "verify_reserves.py" in words.text
    file = await bob.wait_for(market.traders, match=lambda m: m.document is not None)
    assert file.document is not None and file.document["file_name"] == f"proof-{published.snapshot_id}.json"
    proof = json.loads(market.tg.files[file.document["file_id"]].data)
    assert verify(proof, bytes.fromhex(root))["amounts"] == [250 * MICRO, 40 * MICRO]
    # the button hands out the verifier; run as downloaded, it checks the downloaded proof
    await bob.press(market.traders, "📄 The verifier (Python)", message=words)
    program = await bob.wait_for(market.traders, match=lambda m: m.document is not None and m is not file)
    assert program.document is not None and program.document["file_name"] == "verify_reserves.py"
    (tmp_path / "verify_reserves.py").write_bytes(market.tg.files[program.document["file_id"]].data)
    (tmp_path / "proof.json").write_bytes(market.tg.files[file.document["file_id"]].data)
    command = [sys.executable, "-I", "verify_reserves.py", "proof.json", root]
    checked = await asyncio.to_thread(subprocess.run, command, cwd=tmp_path, capture_output=True, text=True)
    assert checked.returncode == 0 and "USDT: yours 250.000000" in checked.stdout, checked.stdout + checked.stderr

    await send(ali, "/proof")
    words = await ali.wait_for(market.traders, contains="إثبات الاحتياطيات الخاص بك")
    assert "١٬٥٠٠" in words.text and root in words.text and problems(words.text) == []
    file = await ali.wait_for(market.traders, match=lambda m: m.document is not None)
    assert file.document is not None
    proof = json.loads(market.tg.files[file.document["file_id"]].data)
    assert verify(proof, bytes.fromhex(root))["amounts"] == [1_500 * MICRO, 0]

    await send(carol, "/proof")
    nothing = await carol.wait_for(market.traders, contains="owes you nothing")
    assert f"#{published.snapshot_id}" in nothing.text
    await send(bob, "/help")
    await bob.wait_for(market.traders, contains="/proof: check that your coins are covered")
