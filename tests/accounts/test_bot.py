"""The accounts features through the Telegram stand-in, with the whole process running:
/limits and the told-how-to-raise text, /verify (someone else's contact refused, own contact:
level 1; document and selfie downloaded and stored; a moderator approves in the admin bot:
level 2), /transfer with its confirmation (a stale press changes nothing), premium bought from
the balance, the referral link."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import select

from core.accounts import documents, kyc
from core.accounts.models import KycRequest
from core.db import transaction
from core.ledger import AccountRef, statement
from core.money import MICRO
from core.users import User
from tests.e2e.harness import Market, running_market
from tests.money import balance_of, deposit

T = TypeVar("T")
DOC, SELFIE = b"\xff\xd8\xff\xe0 national id card", b"\xff\xd8\xff\xe0 selfie with card"


@pytest.fixture
async def market(database_url: str, tmp_path: Path) -> AsyncIterator[Market]:
    async with running_market(database_url, tmp_path) as running:
        yield running


async def pause() -> None:
    """The bot drops a user's updates beyond five a second (botkit.middlewares.Admission); a person
    types slower than this test, so it waits for the next second now and then."""
    await asyncio.sleep(1.05)


async def eventually(read: Callable[[], Awaitable[T]], expected: T) -> T:
    """What ``read`` returns once the update's transaction committed (the bot replies inside the
    transaction, so the reply can arrive a moment before the commit)."""
    value = await read()
    for _ in range(100):
        if value == expected:
            break
        await asyncio.sleep(0.05)
        value = await read()
    return value


async def fund(market: Market, user_id: int, amount: int) -> None:
    await deposit(market.session_factory, user_id, amount)


async def available(market: Market, user_id: int) -> int:
    return await balance_of(market.session_factory, AccountRef.user(user_id))


async def level(market: Market, user_id: int) -> int:
    async with market.session_factory() as s:
        user = await s.get(User, user_id)
        assert user is not None
        return user.kyc_level


async def test_limits_verify_phone_documents_and_moderator_approval(market: Market, tmp_path: Path) -> None:
    bot = market.traders
    await market.admin.send(market.admin_bot, "/start")  # a bot can write only to who started it
    await market.admin.wait_for(market.admin_bot, contains="KOXX P2P admin")
    amal = await market.newcomer("Amal", lang="en", username=f"amal{uuid.uuid4().hex[:6]}")
    await amal.send(bot, "/limits")
    limits = await amal.wait_for(bot, contains="Your limits")
    assert "Level 0 (new account)" in limits.text and "500 USDT" in limits.text
    assert "Share your phone number with /verify" in limits.text

    await amal.send(bot, "/verify")
    await amal.wait_for(bot, contains="step 1 of 2")
    assert amal.keyboard(bot) == [["📱 Share my phone number"]]
    stranger = market.user("Stranger", lang="en")
    await amal.send_contact(bot, phone="+9647701111111", first_name="Stranger", user_id=stranger.id)
    await amal.wait_for(bot, contains="not your own contact")
    await pause()
    await amal.send_contact(bot, phone="+9647700000000", user_id=None)  # a typed number: no user id
    await amal.wait_for(bot, contains="not your own contact")
    assert await level(market, amal.id) == 0
    await amal.send_contact(bot, phone="+964 770 123 4567")
    await amal.wait_for(bot, contains="your phone number is verified")
    assert await eventually(lambda: level(market, amal.id), 1) == 1

    await pause()
    await amal.press(bot, "Verify my identity")
    await amal.wait_for(bot, contains="step 2 of 2")
    await amal.send(bot, "here is my card")
    await amal.wait_for(bot, contains="Please send a photo")
    await amal.send_photo(bot, DOC)
    await amal.wait_for(bot, contains="Now send a selfie")
    await amal.send_photo(bot, SELFIE)
    await amal.wait_for(bot, contains="sent to our moderators")
    async def requests() -> list[KycRequest]:
        async with market.session_factory() as s:
            return list(await s.scalars(select(KycRequest).where(KycRequest.user_id == amal.id)))

    async def request_count() -> int:
        return len(await requests())

    assert await eventually(request_count, 1) == 1
    request = (await requests())[0]
    async with market.session_factory() as s:  # sealed in the database, nothing on this host's disk
        photos = await documents.load(s, documents.documents_key(market.runtime.settings), request.id)
    assert photos == {"document": DOC, "selfie": SELFIE} and not (tmp_path / "kyc").exists()

    await pause()
    admin = market.admin
    # The notifier writes to staff in their stored language (Arabic until they choose).
    await admin.wait_for(market.admin_bot, contains="🪪", match=lambda m: "/kyc" in m.text and amal.username in m.text)
    await admin.send(market.admin_bot, "/kyc")
    await admin.wait_for(market.admin_bot, contains="Identity verifications waiting")
    await admin.press(market.admin_bot, f"Review #{request.id}")
    doc_msg = await admin.wait_for(market.admin_bot, contains=f"#{request.id}: document")
    assert doc_msg.photo
    assert market.tg.files[doc_msg.photo[-1]["file_id"]].data == DOC  # read back from private storage
    await admin.wait_for(market.admin_bot, contains=f"#{request.id}: selfie")
    await admin.wait_for(market.admin_bot, contains="+9647701234567")
    await admin.press(market.admin_bot, "✅ Approve")
    await admin.wait_for(market.admin_bot, contains="approved", edited=True)
    await amal.wait_for(bot, contains="Your identity is verified")
    assert await eventually(lambda: level(market, amal.id), 2) == 2
    await pause()
    await amal.send(bot, "/limits")
    raised = await amal.wait_for(bot, contains="Your limits")
    assert "Level 2 (identity verified)" in raised.text and "100,000 USDT" in raised.text
    await amal.send_contact(bot, phone="+964 770 765 4321")  # a new number later: level stays
    await amal.wait_for(bot, contains="your phone number is updated")
    assert await level(market, amal.id) == 2


async def test_transfer_with_confirmation_and_limit_told_how_to_raise(market: Market) -> None:
    bot = market.traders
    bob_name = f"bob{uuid.uuid4().hex[:6]}"
    alice = await market.newcomer("Alice", lang="en", username=f"alice{uuid.uuid4().hex[:6]}")
    bob = await market.newcomer("Bob", lang="en", username=bob_name)
    await fund(market, alice.id, 300 * MICRO)

    await alice.send(bot, f"/transfer @{bob_name}")
    await alice.wait_for(bot, contains="Which coin")
    await alice.press(bot, "USDT")
    await alice.wait_for(bot, contains="You have 300 USDT available", edited=True)
    await alice.send(bot, "250")  # above level 0's 200 USDT a day
    refused = await alice.wait_for(bot, contains="above your limit")
    assert "Share your phone number with /verify" in refused.text and "2,000 USDT" in refused.text
    await pause()
    await alice.send(bot, "٢٥")  # Arabic-Indic digits are input too
    await alice.wait_for(bot, contains="Add a note")
    await alice.send(bot, "rent <for> March")
    confirm = await alice.wait_for(bot, contains="Please check your transfer")
    assert "Amount: 25 USDT" in confirm.text and "rent <for> March" in confirm.text
    assert await available(market, alice.id) == 300 * MICRO
    # A double tap: two presses of the same confirmation before the message changes.
    first = await alice.press(bot, "✅ Confirm")
    second = await alice.press(bot, "✅ Confirm", message=confirm)
    await alice.wait_for(bot, contains="Sent 25 USDT", edited=True)
    received = await bob.wait_for(bot, contains="You received 25 USDT")
    assert "Note: rent <for> March" in received.text
    await first.answer()
    await second.answer()
    assert await eventually(lambda: available(market, alice.id), 275 * MICRO) == 275 * MICRO
    assert await available(market, bob.id) == 25 * MICRO
    async with market.session_factory() as s:
        lines = [x for x in await statement(s, bob.id) if x.kind == "transfer"]
    assert len(lines) == 1 and lines[0].memo is not None and lines[0].memo["note"] == "rent <for> March"


async def test_premium_purchase_and_referral_link(market: Market) -> None:
    bot = market.traders
    omar = await market.newcomer("Omar", lang="en")
    await omar.send(bot, "/premium")
    await omar.wait_for(bot, contains="Premium membership")
    await omar.press(bot, "Buy")
    await omar.wait_for(bot, contains="Pay 10 USDT", edited=True)
    press = await omar.press(bot, "✅ Confirm")
    assert "not enough" in (await press.answer()).text
    await fund(market, omar.id, 15 * MICRO)
    await pause()
    await omar.send(bot, "/premium")
    await omar.wait_for(bot, contains="Premium membership")
    await omar.press(bot, "Buy")
    await omar.wait_for(bot, contains="Pay 10 USDT", edited=True)
    await omar.press(bot, "✅ Confirm")
    await omar.wait_for(bot, contains="Welcome to premium", edited=True)
    assert await eventually(lambda: available(market, omar.id), 5 * MICRO) == 5 * MICRO

    await pause()
    await omar.send(bot, "/referrals")
    invite = await omar.wait_for(bot, contains="Invite friends")
    async with market.session_factory() as s:
        user = await s.get(User, omar.id)
        assert user is not None
    assert f"https://t.me/koxx_p2p_bot?start=ref_{user.referral_code}" in invite.text
    assert "People who joined through you: 0" in invite.text


async def test_moderator_rejects_with_a_written_reason_in_arabic(market: Market) -> None:
    bot, admin = market.traders, market.admin
    await admin.send(market.admin_bot, "/start")
    await admin.wait_for(market.admin_bot, contains="KOXX P2P admin")
    huda = await market.newcomer("هدى", lang="ar", username=f"huda{uuid.uuid4().hex[:6]}")
    async with transaction(market.session_factory) as s:
        await kyc.verify_phone(s, user_id=huda.id, contact_user_id=huda.id, phone="+9647801234567")
    await huda.send(bot, "/verify")
    await huda.wait_for(bot, contains="الخطوة ٢ من ٢")
    await huda.send_photo(bot, DOC)
    await huda.wait_for(bot, contains="صورة شخصية")
    await huda.send_photo(bot, SELFIE)
    await huda.wait_for(bot, contains="أُرسلت وثائقك")
    await pause()

    async def pending_id() -> int | None:
        async with market.session_factory() as s:
            found = await kyc.latest_request(s, huda.id)
            return found.id if found is not None else None

    request_id = await pending_id()
    for _ in range(100):
        if request_id is not None:
            break
        await asyncio.sleep(0.05)
        request_id = await pending_id()
    assert request_id is not None

    await admin.send(market.admin_bot, "/kyc")
    await admin.wait_for(market.admin_bot, contains="Identity verifications waiting")
    await admin.press(market.admin_bot, f"Review #{request_id}")
    card = await admin.wait_for(market.admin_bot, contains=f"Identity verification #{request_id}")
    assert "+9647801234567" in card.text
    await admin.press(market.admin_bot, "❌ Reject")
    reasons = await admin.wait_for(market.admin_bot, contains="Why is verification", edited=True)
    await admin.press(market.admin_bot, "Write another reason")
    await admin.wait_for(market.admin_bot, contains="Write the reason")
    await admin.send(market.admin_bot, "The name on the card is not the name on <this> account")
    await admin.wait_for(market.admin_bot, contains="rejected")
    told = await huda.wait_for(bot, contains="لم يُقبل")
    assert "The name on the card is not the name on <this> account" in told.text
    assert not any(m.photo for m in huda.chat(bot) if m.from_bot)  # the photos never go back to a trader

    # A second decision on the same request (a moderator with the old screen open) changes nothing.
    await pause()
    late = await admin.press(market.admin_bot, "blurry", message=reasons)
    assert "already decided" in (await late.answer()).text
    assert await level(market, huda.id) == 1
