"""The second factor and the anti-phishing code through the traders' bot: enrolment (a QR code,
a wrong first code refused, a right one turns it on, the recovery codes shown once); with it
on, a withdrawal, an internal transfer, a new saved address and allowing any address ask for a
code and move nothing without the right one; five wrong codes lock it (even a right one is
refused until the lock ends); a code works once, a recovery code too; turning it off takes a
code and the cooling-off. The anti-phishing phrase heads deposit and trade notices.

The bot runs in this process: the factor's clock (core.accounts.second_factor._now) is moved
forward a minute before each code, so that each code is of a new time step (a code works once)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pyotp
import pytest
from sqlalchemy import select

from core import outbox
from core.accounts import second_factor
from core.accounts.models import RecoveryCode, SecondFactor
from core.db import transaction
from core.escrow import market as escrow_market
from core.escrow import offers, trades
from core.escrow.models import Side
from core.events import DepositCredited
from core.money import MICRO, Asset, Fiat
from core.wallet.models import WalletPrefs, WhitelistEntry
from sandbox.telegram import SimUser
from tests.e2e.harness import Market
from tests.market.flows import press, send
from tests.wallet_bot.conftest import available, fund, withdrawals
from tests.wallet_bot.test_withdraw import open_withdraw

ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


class Clock:
    """The second factor's clock, a minute further at each ``tick``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.offset = timedelta(0)
        monkeypatch.setattr(second_factor, "_now", self.now)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def tick(self, minutes: int = 1) -> None:
        self.offset += timedelta(minutes=minutes)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def wrong(secret: str, clock: Clock) -> str:
    right = {pyotp.TOTP(secret).at(clock.now() + timedelta(seconds=30 * s)) for s in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in right)


async def enrol(market: Market, user: SimUser, clock: Clock) -> tuple[str, list[str]]:
    """/security → turn on → the QR code → a wrong code, then the right one. The secret and the
    recovery codes."""
    await send(user, "/security")
    await user.wait_for(market.traders, contains="Second factor: off")
    await press(user, "🔐 Turn on the second factor")
    qr = await user.wait_for(market.traders, match=lambda m: m.photo is not None)
    [secret] = re.findall(r"<code>([A-Z2-7]{32})</code>", qr.html)
    assert "Scan this QR code" in qr.text
    await send(user, wrong(secret, clock))
    await user.wait_for(market.traders, contains="That code is not right")
    async with market.session_factory() as s:
        assert not await second_factor.is_on(s, user.id)
    clock.tick()
    await send(user, pyotp.TOTP(secret).at(clock.now()))
    shown = await user.wait_for(market.traders, contains="The second factor is on")
    recovery = re.findall(r"\b[a-z2-7]{4}-[a-z2-7]{4}\b", shown.text)
    assert len(recovery) == 10 and "only time they are shown" in shown.text
    return secret, recovery


def code(secret: str, clock: Clock) -> str:
    clock.tick()
    return pyotp.TOTP(secret).at(clock.now())


async def to_confirmation(market: Market, user: SimUser, dest: str, amount: str) -> None:
    await open_withdraw(market, user)
    await send(user, dest)
    await user.wait_for(market.traders, contains="How much USDT")
    await send(user, amount)
    await user.wait_for(market.traders, contains="Please check your withdrawal")
    await press(user, "✅ Confirm")
    await user.wait_for(market.traders, contains="Send the 6-digit code", edited=True)


async def test_enrolment_then_withdrawals_need_a_right_unused_code(market: Market, clock: Clock) -> None:
    bob = await market.newcomer("Bob", lang="en")
    f = market.session_factory
    await fund(f, bob.id, Asset.USDT, 100 * MICRO)
    secret, recovery = await enrol(market, bob, clock)

    # Shown once: the screen does not list them again, and only their hashes are stored.
    await send(bob, "/security")
    screen = await bob.wait_for(market.traders, contains="Second factor: on")
    assert "Recovery codes left: 10" in screen.text and not any(c in screen.text for c in recovery)
    async with f() as s:
        hashes = list(await s.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == bob.id)))
        row = await s.get(SecondFactor, bob.id)
    assert len(hashes) == 10 and not set(recovery) & set(hashes) and row is not None and secret not in row.secret

    dest = market.runtime.tron_node.node.outside_address("bob-ledger")
    await to_confirmation(market, bob, dest, "40")
    await send(bob, "abc123")
    await bob.wait_for(market.traders, contains="That is not a code")
    await send(bob, "1" * 50)
    await bob.wait_for(market.traders, contains="That is not a code")
    for left in (4, 3, 2, 1):
        await send(bob, wrong(secret, clock))
        await bob.wait_for(market.traders, contains=f"Attempts left before a 15-minute lock: {left}")
    await send(bob, wrong(secret, clock))
    locked = await bob.wait_for(market.traders, contains="codes are locked until")
    assert "Nothing was done" in locked.text
    await send(bob, pyotp.TOTP(secret).at(clock.now()))  # right, but locked
    await bob.wait_for(market.traders, match=lambda m: "codes are locked until" in m.text and m is not locked)
    assert await withdrawals(f, bob.id) == []
    assert await available(f, bob.id, Asset.USDT) == 100 * MICRO

    # The lock ends; a right code (in Arabic-Indic digits) sends the withdrawal.
    clock.tick(16)
    used = code(secret, clock)
    await send(bob, used.translate(ARABIC_DIGITS))
    done = await bob.wait_for(market.traders, contains="requested")
    assert "40 USDT" in done.text
    await market.tg.settle(market.traders)
    [w] = await withdrawals(f, bob.id)
    assert (w.amount, w.to_address) == (40 * MICRO, dest)
    assert await available(f, bob.id, Asset.USDT) == 58 * MICRO

    # The same code again: refused; a recovery code instead: sent; that recovery code again: refused.
    await to_confirmation(market, bob, dest, "10")
    await send(bob, used)
    await bob.wait_for(market.traders, contains="That code was used already")
    assert len(await withdrawals(f, bob.id)) == 1 and await available(f, bob.id, Asset.USDT) == 58 * MICRO
    await send(bob, recovery[0])
    await bob.wait_for(market.traders, contains="requested")
    await market.tg.settle(market.traders)
    assert len(await withdrawals(f, bob.id)) == 2 and await available(f, bob.id, Asset.USDT) == 46 * MICRO
    await to_confirmation(market, bob, dest, "10")
    await send(bob, recovery[0])
    await bob.wait_for(market.traders, contains="That code is not right")
    assert len(await withdrawals(f, bob.id)) == 2 and await available(f, bob.id, Asset.USDT) == 46 * MICRO


async def test_transfers_saved_addresses_and_switching_off_ask_for_a_code(market: Market, clock: Clock) -> None:
    sam = await market.newcomer("Sam", lang="en")
    dora_name = f"dora{uuid.uuid4().hex[:6]}"
    dora = await market.newcomer("Dora", lang="en", username=dora_name)
    f = market.session_factory
    await fund(f, sam.id, Asset.USDT, 100 * MICRO)
    secret, _ = await enrol(market, sam, clock)

    # An internal transfer: the code after the confirmation.
    await send(sam, f"/transfer @{dora_name}")
    await sam.wait_for(market.traders, contains="Which coin")
    await press(sam, "USDT")
    await sam.wait_for(market.traders, contains="How much USDT", edited=True)
    await send(sam, "15")
    await sam.wait_for(market.traders, contains="Add a note")
    await press(sam, "Skip")
    await sam.wait_for(market.traders, contains="Please check your transfer", edited=True)
    await press(sam, "✅ Confirm")
    await sam.wait_for(market.traders, contains="Send the 6-digit code", edited=True)
    await send(sam, wrong(secret, clock))
    await sam.wait_for(market.traders, contains="That code is not right")
    assert await available(f, sam.id, Asset.USDT) == 100 * MICRO
    assert await available(f, dora.id, Asset.USDT) == 0
    await send(sam, code(secret, clock))
    await sam.wait_for(market.traders, contains="Sent 15 USDT")
    await dora.wait_for(market.traders, contains="You received 15 USDT")
    assert await available(f, sam.id, Asset.USDT) == 85 * MICRO

    # A new saved address.
    address = market.runtime.tron_node.node.outside_address("sam-saved")
    await send(sam, "/wallet")
    await sam.wait_for(market.traders, contains="Your wallet")
    await press(sam, "🔐 Saved addresses")
    await sam.wait_for(market.traders, contains="No saved addresses yet", edited=True)
    await press(sam, "🔐 Saved addresses only")
    await sam.wait_for(market.traders, contains="go only to the saved addresses", edited=True)
    await press(sam, "➕ Add an address")
    await sam.wait_for(market.traders, contains="Send the TRON address to save", edited=True)
    await send(sam, address)
    await sam.wait_for(market.traders, contains="Send the 6-digit code")
    await send(sam, wrong(secret, clock))
    await sam.wait_for(market.traders, contains="That code is not right")
    async with f() as s:
        assert await s.get(WhitelistEntry, (sam.id, address)) is None
    await send(sam, code(secret, clock))
    await sam.wait_for(market.traders, contains="You can withdraw to it from")
    async with f() as s:
        assert await s.get(WhitelistEntry, (sam.id, address)) is not None

    # Allowing any address again.
    await press(sam, "🔓 Allow any address")
    await sam.wait_for(market.traders, contains="Send the 6-digit code", edited=True)
    await send(sam, wrong(secret, clock))
    await sam.wait_for(market.traders, contains="That code is not right")
    async with f() as s:
        prefs = await s.get(WalletPrefs, sam.id)
        assert prefs is not None and prefs.whitelist_only
    await send(sam, code(secret, clock))
    await sam.wait_for(market.traders, contains="after that to any address")

    # Turning the factor off: a code, then it waits out the cooling-off (cancellable).
    await send(sam, "/security")
    await sam.wait_for(market.traders, contains="Second factor: on")
    await press(sam, "🔓 Turn off the second factor")
    await sam.wait_for(market.traders, contains="takes effect after 24 hours")
    await send(sam, wrong(secret, clock))
    await sam.wait_for(market.traders, contains="That code is not right")
    await send(sam, code(secret, clock))
    await sam.wait_for(market.traders, contains="Your second factor turns off on")
    async with f() as s:
        assert await second_factor.is_on(s, sam.id)  # still asked meanwhile
        assert not await second_factor.is_on(s, sam.id, now=clock.now() + timedelta(hours=25))
    await send(sam, "/security")
    await sam.wait_for(market.traders, contains="It turns off on")
    await press(sam, "✅ Keep the second factor on")
    await sam.wait_for(market.traders, match=lambda m: "Second factor: on" in m.text and "It turns off" not in m.text,
                       edited=True)  # fmt: skip
    async with f() as s:
        assert await second_factor.is_on(s, sam.id, now=clock.now() + timedelta(hours=25))


async def test_the_anti_phishing_phrase_heads_money_notices(market: Market) -> None:
    sara = await market.newcomer("Sara", lang="en")
    buyer = await market.newcomer("Omar", lang="en")
    f = market.session_factory
    await send(sara, "/settings")
    await sara.wait_for(market.traders, contains="Choose your language")
    await press(sara, "🛡 Security")
    screen = await sara.wait_for(market.traders, contains="Anti-phishing code: not set", edited=True)
    assert "staff never ask for your codes or your anti-phishing code" in screen.text
    await press(sara, "🔒 Set an anti-phishing code")
    await sara.wait_for(market.traders, contains="Send your anti-phishing code")
    await send(sara, "see https://koxx.example")
    await sara.wait_for(market.traders, contains="cannot contain a link")
    await send(sara, "x" * 33)
    await sara.wait_for(market.traders, contains="must be 1 to 32 characters long")
    await send(sara, "blue falcon 7")
    await sara.wait_for(market.traders, contains="Your anti-phishing code is")

    async with transaction(f) as s:  # a deposit credited (as the scanner announces it)
        event = DepositCredited(deposit_id=1, user_id=sara.id, asset="USDT", amount=25 * MICRO, txid="ab" * 32)
        outbox.emit(s, event, [outbox.user(sara.id)])
    notice = await sara.wait_for(market.traders, contains="Deposit of 25 USDT credited")
    assert notice.text.startswith("🔒 Your anti-phishing code: \u2068blue falcon 7\u2069\n\n")

    # A trade on her offer: the trade notice starts with it too; Omar, who set none, sees none.
    await fund(f, sara.id, Asset.USDT, 200 * MICRO)
    async with transaction(f) as s:
        await escrow_market.set_reference_rate(s, asset=Asset.USDT, fiat=Fiat.IQD, rate=Decimal(1310), actor_id=None)
        offer = await offers.publish_offer(s, maker_id=sara.id, draft=offers.OfferDraft(
            side=Side.SELL, asset=Asset.USDT, fiat=Fiat.IQD, amount=100 * MICRO, price=Decimal(1310),
            min_fiat=Decimal(50000), max_fiat=Decimal(131000), payment_methods=("zaincash",)))  # fmt: skip
    async with transaction(f) as s:
        trade = await trades.take(s, offer_id=offer.id, taker_id=buyer.id, fiat_amount=Decimal(131000),
                                  payment_method="zaincash")  # fmt: skip
    opened = await sara.wait_for(market.traders, contains=f"#{trade.id}")
    assert opened.text.startswith("🔒 Your anti-phishing code: \u2068blue falcon 7\u2069\n\n")
    assert all("anti-phishing" not in m.text for m in buyer.chat(market.traders))
