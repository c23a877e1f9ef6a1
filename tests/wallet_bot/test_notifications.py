"""How the wallet's outbox events read for each recipient, in both languages (rendered the way
the notifier does: the recipient's locale, no database). The payloads are rows in the shapes the
release before typed events wrote: they still parse and read the same."""

from __future__ import annotations

from typing import Any

import pytest

from botkit.i18n import use_locale
from botkit.rendering import Recipient, Rendered
from core import events
from core.money import MICRO
from tests.rendering import RENDERERS, render_row

ADDRESS = "TRr858FGRmQgrfpUx4wamMPt8AXpJNSZ3Q"
TXID = "ab" * 32
WITHDRAWAL = {"withdrawal_id": 7, "user_id": 42, "asset": "USDT", "amount": 40 * MICRO, "fee": 2 * MICRO,
              "to_address": ADDRESS, "status": "sent", "approvals_needed": 0, "txid": TXID}  # fmt: skip
USER_EN = Recipient("user", 42, "en")
USER_AR = Recipient("user", 42, "ar")
CHANNEL = Recipient("channel", -100, "ar")


def render(kind: str, payload: dict[str, Any], to: Recipient) -> Rendered | None:
    return render_row(kind, payload, to)


def text(kind: str, payload: dict[str, Any], to: Recipient) -> str:
    rendered = render(kind, payload, to)
    assert rendered is not None
    return rendered.text


@pytest.mark.parametrize(
    "kind",
    ["deposit_detected", "deposit_credited", "deposit_dust", "deposit_dropped", "withdrawal_requested",
     "withdrawal_approved", "withdrawal_broadcast", "withdrawal_sent", "withdrawal_failed", "withdrawal_rejected",
     "hot_wallet_alert"],
)  # fmt: skip
def test_every_wallet_event_user_or_channel_has_a_renderer(kind: str) -> None:
    cls = events.LEGACY[kind][0]
    assert all(RENDERERS.get(cls, to) is not None for to in cls.audience)


def test_sent_carries_the_txid_in_code_and_the_channel_gets_the_amount_only() -> None:
    user = text("withdrawal_sent", WITHDRAWAL, USER_EN)
    assert "Withdrawal #7 completed: 40 USDT" in user and f"<code>{TXID}</code>" in user and ADDRESS in user
    channel = text("withdrawal_sent", WITHDRAWAL, CHANNEL)
    assert "٤٠" in channel and ADDRESS not in channel and TXID not in channel and "42" not in channel


def test_failed_and_rejected_say_the_hold_came_back_with_the_fee() -> None:
    failed = text("withdrawal_failed", {**WITHDRAWAL, "status": "failed"}, USER_EN)
    assert "could not be sent" in failed and "42 USDT (with the network fee) is back" in failed
    rejected = text("withdrawal_rejected", {**WITHDRAWAL, "reason": "<b>not</b> yours"}, USER_AR)
    assert "لم تتم الموافقة" in rejected and "٤٢" in rejected
    assert "&lt;b&gt;not&lt;/b&gt; yours" in rejected  # an admin's words are escaped


def test_the_requester_is_not_told_twice() -> None:
    assert render("withdrawal_requested", WITHDRAWAL, USER_EN) is None


def test_deposit_notices_in_both_languages_and_the_channel_has_no_personal_data() -> None:
    detected = {
        "deposit_id": 1,
        "asset": "USDT",
        "amount": 250 * MICRO,
        "txid": TXID,
        "confirmations_needed": 19,
    }
    assert "Waiting for 19 confirmations" in text("deposit_detected", detected, USER_EN)
    assert "بانتظار ١٩ تأكيداً" in text("deposit_detected", detected, USER_AR)
    credited = {"deposit_id": 1, "asset": "TRX", "amount": 1_500_000, "txid": TXID, "user_id": 42}
    assert "1.5 TRX credited" in text("deposit_credited", credited, USER_EN)
    channel = text("deposit_credited", credited, CHANNEL)
    assert "١٫٥" in channel and TXID not in channel and "42" not in channel
    dust = {"deposit_id": 2, "asset": "USDT", "amount": 500_000, "txid": TXID, "minimum": MICRO}
    assert "0.5 USDT arrived, below the minimum deposit of 1 USDT" in text("deposit_dust", dust, USER_EN)
    dropped = {"deposit_id": 3, "asset": "USDT", "amount": 9 * MICRO, "txid": TXID}
    assert "left the blockchain" in text("deposit_dropped", dropped, USER_EN)


def test_hot_wallet_alerts_and_a_failed_sweep_for_staff() -> None:
    low = {"asset": "USDT", "hot": 10 * MICRO, "liabilities": 5_000 * MICRO, "pending_withdrawals": 300 * MICRO,
           "max_share_pct": 20, "reason": "too_little"}  # fmt: skip
    assert "low on USDT: it holds 10 USDT, withdrawals waiting need 300 USDT" in text(
        "hot_wallet_alert", low, Recipient("channel", -100, "en")
    )
    high = {**low, "hot": 2_000 * MICRO, "reason": "too_much"}
    assert "2,000 USDT of 5,000 USDT owed to users (more than 20%)" in text(
        "hot_wallet_alert", high, Recipient("channel", -100, "en")
    )
    sweep = render("sweep_failed", {"sweep_id": 1, "user_id": 42, "asset": "USDT", "error": "<timeout>"},
                   Recipient("admin", 1, "en"))
    assert sweep is not None and "&lt;timeout&gt;" in sweep.text


def test_wallet_error_texts_leave_the_marketplace_codes_alone() -> None:
    """The registry of error texts is shared: the wallet does not take over amount_too_small,
    which the marketplace raises with other facts (fiat_amount, price)."""
    from bot.handlers import routers
    from botkit.errors import error_text
    from core.errors import DomainError
    from core.wallet import InvalidAddress

    routers()  # imports every feature, as the bot does
    with use_locale("en"):
        trade_text = error_text(DomainError("amount_too_small", fiat_amount="10", price="1310"))
        key_text = error_text(InvalidAddress("address_private_key"))
    assert "withdrawal" not in trade_text
    assert "PRIVATE KEY" in key_text
