"""An Arabic trader's whole trade reads in Arabic; switching to English mid-trade switches the
next messages. The check: no message to the Arabic user contains a piece of an English msgid
whose Arabic translation differs (so untranslated or hard-coded English would show)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from babel.messages.pofile import read_po

from botkit import fmt
from botkit.i18n import LOCALES_PATH, translate
from core.money import MICRO
from sandbox.telegram import SimMessage, SimUser
from tests.e2e.harness import Market
from tests.i18n.arabic_text import problems
from tests.market.conftest import fund
from tests.market.flows import T, press, send, send_photo


def english_pieces() -> set[str]:
    """Fragments (between placeholders) of every msgid the Arabic catalog translates differently."""
    with Path(LOCALES_PATH, "ar", "LC_MESSAGES", "messages.po").open("rb") as f:
        catalog = read_po(f, locale="ar")
    pieces = set()
    for message in catalog:
        if not message.id or isinstance(message.id, tuple) or not message.string or message.string == message.id:
            continue
        for piece in re.split(r"\{[^}]*\}|<[^>]+>|\n", message.id):
            piece = piece.strip(" .,:;!?()\"«»-–")
            if len(piece) >= 8 and re.search(r"[A-Za-z]{3}", piece) and piece not in ("KOXX P2P",):
                pieces.add(piece)
    return pieces


def ar(msgid: str, **params: object) -> str:
    """The Arabic text of ``msgid`` as the user sees it (no HTML tags); without params, the part
    before its first placeholder."""
    text = translate("ar", msgid, **params) if params else translate("ar", msgid).split("{")[0].strip()
    return re.sub(r"<[^>]+>", "", text)


async def act(user: SimUser, label: str, expect: str, **kwargs: object) -> SimMessage:
    await press(user, label, **kwargs)
    return await user.wait_for(T, contains=expect)


async def type_(user: SimUser, text: str, expect: str) -> SimMessage:
    await send(user, text)
    return await user.wait_for(T, contains=expect)


def rtl_problems(user: SimUser, upto: int | None = None) -> list[str]:
    """Commands and Latin runs not isolated, numbers in Latin digits, in the Arabic screens a user
    got (up to message ``upto``): texts and buttons."""
    found = []
    for message in user.chat(T):
        if not message.from_bot or (upto is not None and message.message_id > upto):
            continue
        for shown in [message.text, *(label for row in message.buttons for label in row)]:
            found += [f"{p} in #{message.message_id}: {shown[:60]!r}" for p in problems(shown)]
    return found


def leaks(user: SimUser, pieces: set[str]) -> list[str]:
    found = []
    for message in user.chat(T):
        if not message.from_bot:
            continue
        shown = message.text + " " + " ".join(label for row in message.buttons for label in row)
        found += [f"{piece!r} in #{message.message_id}" for piece in pieces if piece in shown]
    return found


async def test_arabic_trade_is_all_arabic_and_english_switch_applies_next(market: Market) -> None:
    pieces = english_pieces()
    assert "Did you really transfer the money" in pieces  # the check can see a leak
    seller = await market.newcomer("سمير", lang="ar")
    buyer = await market.newcomer("علي", lang="ar")
    await fund(market.session_factory, seller.id, 500)

    # The seller publishes in Arabic, typing Arabic-Indic digits.
    await type_(seller, "/newoffer", ar("<b>New offer</b>\nDo you want to sell crypto or buy it?")[:20])
    await act(seller, ar("🔴 Sell crypto"), ar("Which asset, for which currency?"))
    await act(seller, fmt.code("USDT", "ar") + " · " + fmt.code("IQD", "ar"), ar("Reference rate now: {price}"))
    await type_(seller, "١٣١٠", ar("How much {asset} do you want to sell in total? Available: {available}."))
    await type_(seller, "٢٠٠", ar("Which payment methods do you accept? Tap to choose one or more, then Done."))
    await press(seller, translate("ar", "ZainCash"))
    await seller.wait_for(T, match=lambda m: "✅ " + translate("ar", "ZainCash") in str(m.buttons))
    await act(seller, ar("Done ➡️"), ar("<b>Your new offer</b>"))
    await act(seller, ar("⚙️ More options"), ar("More options: change what you need; the rest keeps the values shown."))
    await act(seller, ar("↔️ Limits per trade"), ar("The minimum of one trade, in {fiat} (for example {example}):"))
    await type_(seller, "٥٠٬٠٠٠", ar("The maximum of one trade, in {fiat}:"))
    await type_(seller, "٢٦٢٬٠٠٠", ar("<b>Your new offer</b>"))
    published = await act(seller, ar("✅ Publish"), ar("✅ Your offer is published."))
    offer_id = int(published.text.split("#")[1].split(" ")[0])

    # The buyer browses and takes in Arabic.
    await type_(buyer, "/offers", ar("Do you want to buy or to sell?"))
    listing = await act(buyer, ar("🟢 I want to buy"), ar("Buy {asset} with {fiat}", asset=fmt.code("USDT", "ar"), fiat=fmt.code("IQD", "ar")))
    assert fmt.price(Decimal(1310), "IQD", "USDT", "ar") in listing.text
    await act(buyer, f"#{offer_id} ·", ar("<b>Offer #{id}</b> · {title}", id=offer_id, title="")[:10])
    await act(buyer, ar("🤝 Trade"), ar("How much do you want to buy?"))
    quote = await type_(buyer, "١٣١٬٠٠٠", ar("<b>Check before you confirm</b>"))
    assert ar("You pay: {fiat}", fiat=fmt.fiat(Decimal(131000), "IQD", "ar")) in quote.text
    opened = await act(buyer, ar("✅ Confirm and open the trade"), ar("✅ Trade opened. The coins are locked in escrow."))
    await seller.wait_for(T, contains=ar("🆕 New trade on your offer #{offer}.", offer=offer_id))
    await send(buyer, "السلام عليكم، سأحوّل الآن")
    relayed = await seller.wait_for(T, contains="سأحوّل الآن")
    assert ar("💬 Trade #{id} · the buyer writes:") in relayed.text
    assert leaks(buyer, pieces) == [] and leaks(seller, pieces) == []
    assert rtl_problems(buyer) == [] and rtl_problems(seller) == []

    # The buyer switches to English mid-trade: the next messages are English.
    await type_(buyer, "/language", ar("Choose your language:"))
    await act(buyer, "English", "Language: English")
    await press(buyer, ar("✅ I have paid"), message=opened)
    await buyer.wait_for(T, contains="Send a photo of your payment receipt")
    await send_photo(buyer, b"\xff\xd8 receipt")
    await buyer.wait_for(T, contains="Did you really transfer the money?")
    await press(buyer, "Yes, I have paid")
    await buyer.wait_for(T, contains="Marked as paid")

    # The seller is still Arabic: the notification and the release confirmation.
    paid = await seller.wait_for(T, contains=ar("💰 The buyer says the payment was sent. Check your account before releasing."))
    await press(seller, ar("🔓 Release {asset}", asset=fmt.code("USDT", "ar")), message=paid)
    question = await seller.wait_for(T, contains=ar(
        "<b>Release {crypto} to the buyer?</b>\nDo this only if {fiat} has arrived in your account. Check your "
        "balance in the app itself, not a screenshot. Release cannot be undone.",
        crypto=fmt.crypto(100 * MICRO, "USDT", "ar"), fiat=fmt.fiat(Decimal(131000), "IQD", "ar")))
    assert fmt.fiat(Decimal(131000), "IQD", "ar") in question.text
    await act(seller, ar("🔓 Yes, I received {fiat}: release", fiat=fmt.fiat(Decimal(131000), "IQD", "ar")),
              ar("🔓 You released {crypto} to the buyer.", crypto=fmt.crypto(100 * MICRO, "USDT", "ar")))
    done = await buyer.wait_for(T, contains="The seller released the coins")
    assert "99.8 USDT" in done.text
    assert leaks(seller, pieces) == []
    assert rtl_problems(seller) == []
