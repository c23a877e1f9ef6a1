"""Counts read as counts (issue 21: "1 trades"): the noun takes the number's form in English and
in Arabic (six forms), the number the language's digits; no text says "{n} <nouns>" without a
plural form."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.views.common import stats_text
from botkit import fmt
from botkit.i18n import use_locale
from core.escrow import UserStats

POT = Path(__file__).resolve().parents[2] / "locales" / "messages.pot"


@pytest.mark.parametrize(("n", "lang", "expected"), [
    (1, "en", "1 trade"), (2, "en", "2 trades"), (0, "en", "0 trades"),
    (1, "ar", "صفقة واحدة"), (2, "ar", "صفقتان"), (3, "ar", "٣ صفقات"), (11, "ar", "١١ صفقة"),
    (100, "ar", "١٠٠ صفقة"),
])  # fmt: skip
def test_trades(n: int, lang: str, expected: str) -> None:
    assert fmt.trades(n, lang) == expected


def test_every_counted_noun() -> None:
    assert fmt.completed_trades(1, "en") == "1 completed trade"
    assert fmt.open_trades(3, "ar") == "٣ صفقات مفتوحة"
    assert fmt.days(30, "ar") == "٣٠ يومًا" and fmt.days(1, "en") == "1 day"
    assert fmt.confirmations(19, "en") == "19 confirmations" and fmt.confirmations(19, "ar") == "١٩ تأكيداً"
    assert fmt.offers(1, "en") == "1 offer" and fmt.promoted_offers(2, "ar") == "عرضان مميّزان"
    assert fmt.times(1, "en") == "1 time" and fmt.characters(500, "en") == "500 characters"
    assert fmt.decimals(0, "en") == "0 decimals" and fmt.decimals(1, "en") == "1 decimal"
    assert fmt.admins(2, "en") == "2 admins" and fmt.admins(1, "en") == "1 admin"


def test_a_traders_line_says_1_trade() -> None:
    with use_locale("en"):
        assert stats_text(UserStats(user_id=1, completed_trades=1)).startswith("✅ 1 trade")
        assert "1 trades" not in stats_text(UserStats(user_id=1, completed_trades=1))


COUNTED = re.compile(r"\{(n|count|days|trades|max|decimals|admins)\} (?:[a-z]+ )?(?:trades|days|offers|times|"
                     r"characters|decimals|admins|confirmations|hours|minutes)\b")  # fmt: skip


def test_no_text_counts_without_a_plural_form() -> None:
    catalog = read_po(POT.open("rb"))
    singular_only = [m.id for m in catalog if isinstance(m.id, str) and COUNTED.search(m.id)]
    assert singular_only == []
