"""Arabic reads right to left without flipped commands or Latin digits (issue 21: "لكل 1 USDT",
"(30 يوماً)", `/offers` shown as `offers/`): every Arabic text of the catalog, and screens as
rendered."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

from botkit import fmt
from botkit.i18n import translate
from tests.i18n.arabic_text import catalog_problems, problems

AR = Path(__file__).resolve().parents[2] / "locales" / "ar" / "LC_MESSAGES" / "messages.po"


def test_the_arabic_catalog_isolates_commands_and_latin_runs_and_has_no_latin_digits() -> None:
    catalog = read_po(AR.open("rb"))
    found = {}
    for message in catalog:
        if not message.id:
            continue
        for text in message.string if isinstance(message.string, tuple) else (message.string,):
            if catalog_problems(text):
                found[text[:60]] = catalog_problems(text)
    assert found == {}


def test_the_checker_sees_what_the_issue_saw() -> None:
    assert problems("لكل 1 USDT") == ["Latin run USDT", "Latin digits 1"]
    assert problems("(30 يوماً)") == ["Latin digits 30"]
    assert problems("ابحث عبر /offers.") == ["command /offers"]
    assert problems("ابحث عبر \u2066/offers\u2069 لكل ١ \u2068USDT\u2069 في الصفقة #12") == []


def test_rendered_arabic_numbers_and_windows() -> None:
    assert problems(translate("ar", "{n} min", n=fmt.number(15, "ar"))) == []
    assert problems(fmt.duration(15, "ar")) == [] and problems(fmt.days(30, "ar")) == []
    assert problems(fmt.crypto(1_000_000, "USDT", "ar")) == []
    text = translate("ar", "Type your price in {fiat} for 1 {asset}, for example {example}.",
                     fiat=fmt.isolate("IQD"), asset=fmt.isolate("USDT"), example=fmt.number(1310, "ar"))  # fmt: skip
    assert problems(text) == [] and "١" in text
