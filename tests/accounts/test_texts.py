"""Every accounts notification and the limit refusal read right in both languages: the facts
(amounts, names, dates, reasons) are there, in the language's digits, and nothing is left
untranslated."""

from __future__ import annotations

from typing import Any

import pytest

import bot.handlers.accounts  # noqa: F401  (registers the error texts)
from botkit.errors import error_text
from botkit.i18n import use_locale
from botkit.rendering import Recipient
from core.errors import DomainError
from core.money import MICRO
from tests.rendering import render_row

EVENTS: dict[str, tuple[dict[str, Any], dict[str, list[str]]]] = {
    "kyc.submitted": ({"request_id": 7, "user_id": 1, "name": "@amal"},
                      {"en": ["#7", "@amal", "/kyc"], "ar": ["7", "@amal", "/kyc"]}),
    "kyc.approved": ({"request_id": 7, "level": 2}, {"en": ["level 2"], "ar": ["المستوى ٢"]}),
    "kyc.rejected": ({"request_id": 7, "reason": "preset:blurry"},
                     {"en": ["blurry", "/verify"], "ar": ["غير واضحة", "/verify"]}),
    "transfer.received": ({"asset": "USDT", "amount": 1_500 * MICRO, "from_name": "@ali", "note": "<b>x</b>"},
                          {"en": ["1,500 USDT", "@ali", "&lt;b&gt;x&lt;/b&gt;"], "ar": ["١٬٥٠٠", "@ali"]}),
    "referral.joined": ({"user_id": 5, "name": "Zainab"}, {"en": ["Zainab"], "ar": ["Zainab", "انضم"]}),
    "referral.reward": ({"trade_id": 3, "asset": "USDT", "amount": 200_000, "referred_name": "Zainab"},
                        {"en": ["0.2 USDT", "Zainab"], "ar": ["٠٫٢", "Zainab"]}),
    "premium.expiring": ({"until": "2026-12-25T09:00:00+00:00"},
                         {"en": ["25 Dec 2026", "/premium"], "ar": ["٢٥", "/premium"]}),
    "premium.expired": ({}, {"en": ["/premium"], "ar": ["عضويتك المميزة"]}),
}


@pytest.mark.parametrize("kind", sorted(EVENTS))
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_notifications_read_in_both_languages(kind: str, lang: str) -> None:
    payload, expected = EVENTS[kind]
    to = Recipient("admin" if kind == "kyc.submitted" else "user", 1, lang)  # the moderators' queue: staff
    rendered = render_row(kind, payload, to)
    assert rendered is not None
    for fact in expected[lang]:
        assert fact in rendered.text, (fact, rendered.text)
    if lang == "ar":
        assert any("\u0600" <= ch <= "\u06ff" for ch in rendered.text), rendered.text


def test_free_text_reason_is_escaped() -> None:
    rendered = render_row("kyc.rejected", {"reason": "name <mismatch>"}, Recipient("user", 1, "en"))
    assert rendered is not None and "name &lt;mismatch&gt;" in rendered.text


def test_limit_refusal_says_the_limit_and_how_to_raise_it() -> None:
    error = DomainError("limit_exceeded", kind="daily_trade", level=0, asset="USDT", limit=500 * MICRO,
                        used=450 * MICRO, left=50 * MICRO, next_level=1, next_limit=5_000 * MICRO)
    with use_locale("en"):
        en = error_text(error)
    with use_locale("ar"):
        ar = error_text(error)
    assert "500 USDT" in en and "450 USDT" in en and "5,000 USDT" in en and "/verify" in en
    assert "Trading volume per 24 hours" in en and "Level 0" in en
    assert "٥٠٠" in ar and "٥٬٠٠٠" in ar and "/verify" in ar and "حجم التداول" in ar
    top = DomainError("limit_exceeded", kind="open_offers", level=2, asset=None, limit=20, used=20, left=0,
                      next_level=None, next_limit=None)
    with use_locale("en"):
        text = error_text(top)
    assert "highest level" in text and "20" in text


def test_history_lines_for_the_wallet() -> None:
    from datetime import UTC, datetime

    from bot.views.accounts import history_line
    from core.ledger import StatementLine
    from core.money import Asset

    now = datetime.now(UTC)
    memo = {"from_name": "@ali", "to_name": "@sara", "note": "rent", "from_id": 1, "to_id": 2}
    sent = StatementLine(1, "transfer", "transfer:x", Asset.USDT, -25 * MICRO, memo, now)
    got = StatementLine(1, "transfer", "transfer:x", Asset.USDT, 25 * MICRO, memo, now)
    reward = StatementLine(2, "referral_reward", "trade:9", Asset.USDT, 200_000, {"referred_name": "Zainab"}, now)
    other = StatementLine(3, "deposit", "tx:1", Asset.USDT, MICRO, None, now)
    with use_locale("en"):
        assert history_line(sent) == "Sent 25 USDT to \u2068@sara\u2069 · rent"
        assert history_line(got) == "Received 25 USDT from \u2068@ali\u2069 · rent"
        assert "0.2 USDT" in (history_line(reward) or "") and history_line(other) is None
    with use_locale("ar"):
        assert "٢٥" in (history_line(sent) or "") and "@sara" in (history_line(sent) or "")
