"""History lines for every kind of entry the wallet lists, in both languages: a date, what
happened and the signed amount."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.views import wallet as views
from botkit.i18n import use_locale
from core.ledger import StatementLine
from core.money import MICRO, Asset

WHEN = datetime(2026, 11, 25, 8, 30, tzinfo=UTC)  # 11:30 in Baghdad


def line(kind: str, amount: int, ref: str | None = None, memo: dict[str, Any] | None = None,
         asset: Asset = Asset.USDT) -> StatementLine:  # fmt: skip
    return StatementLine(1, kind, ref, asset, amount, memo, WHEN)


@pytest.mark.parametrize(
    ("entry", "english"),
    [
        (line("deposit", 100 * MICRO, "deposit:3"), "Deposit · +100 USDT"),
        (line("withdrawal_hold", -42 * MICRO, "withdrawal:7"), "Withdrawal #7 · −42 USDT"),
        (line("withdrawal_failed", 42 * MICRO, "withdrawal:7"), "Withdrawal #7 failed: returned · +42 USDT"),
        (line("withdrawal_rejected", 42 * MICRO, "withdrawal:7"), "Withdrawal #7 rejected: returned · +42 USDT"),
        (line("trade_lock", -50 * MICRO, "trade:12"), "Trade #12: into escrow · −50 USDT"),
        (line("trade_release", 49_500_000, "trade:12"), "Trade #12: received (after the trading fee) · +49.5 USDT"),
        (line("trade_refund", 50 * MICRO, "trade:12"), "Trade #12: back from escrow · +50 USDT"),
        (line("offer_fund", -200 * MICRO, "offer:4"), "Offer #4: reserved for the offer · −200 USDT"),
        (line("offer_unfund", 200 * MICRO, "offer:4"), "Offer #4: released from the offer · +200 USDT"),
        (line("adjustment", 5 * MICRO, "user:1"), "Correction by support · +5 USDT"),
        (line("transfer", -10 * MICRO, "transfer:x", {"to_name": "Sara"}), "Sent 10 USDT to \u2068Sara\u2069 · −10 USDT"),
        (line("referral_reward", 300_000, "trade:12", {"referred_name": "Omar"}), "Referral reward 0.3 USDT"),
        (line("premium", -10 * MICRO, "premium:1", asset=Asset.USDT), "Premium membership 10 USDT · −10 USDT"),
    ],
)  # fmt: skip
def test_history_lines(entry: StatementLine, english: str) -> None:
    with use_locale("en"):
        text = views.history_line_text(entry)
    assert text.startswith("25 Nov 2026, 11:30\n")
    assert english in re.sub(r"</?b>", "", text)


def test_history_lines_in_arabic() -> None:
    with use_locale("ar"):
        deposit = views.history_line_text(line("deposit", 100 * MICRO, "deposit:3"))
        withdrawal = views.history_line_text(line("withdrawal_hold", -42 * MICRO, "withdrawal:7"))
    assert (
        deposit.startswith("٢٥ تشرين الثاني ٢٠٢٦، ١١:٣٠")
        and "إيداع · <b>+١٠٠ \u2068USDT\u2069</b>" in deposit
    )
    assert "سحب #7 · <b>−٤٢ \u2068USDT\u2069</b>" in withdrawal
