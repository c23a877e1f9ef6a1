"""Exact strings: what a trader sees for amounts, prices, times, in English and in Arabic."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from botkit import fmt

D = Decimal
FSI, LRI, PDI = "\u2068", "\u2066", "\u2069"


@pytest.mark.parametrize(
    ("micro", "asset", "lang", "expected"),
    [
        (12_500_000, "USDT", "en", "12.5 USDT"),
        (12_500_000, "USDT", "ar", f"١٢٫٥ {FSI}USDT{PDI}"),
        (1, "TRX", "en", "0.000001 TRX"),
        (1, "TRX", "ar", f"٠٫٠٠٠٠٠١ {FSI}TRX{PDI}"),
        (1_234_567_000_000, "USDT", "en", "1,234,567 USDT"),
        (1_234_567_000_000, "USDT", "ar", f"١٬٢٣٤٬٥٦٧ {FSI}USDT{PDI}"),
        (100_000_000, "USDT", "en", "100 USDT"),  # no trailing zeros, no exponent
        (0, "USDT", "en", "0 USDT"),
    ],
)
def test_crypto(micro: int, asset: str, lang: str, expected: str) -> None:
    assert fmt.crypto(micro, asset, lang) == expected


@pytest.mark.parametrize(
    ("amount", "currency", "lang", "expected"),
    [
        (D(1310000), "IQD", "en", "1,310,000 IQD"),
        (D(1310000), "IQD", "ar", "١٬٣١٠٬٠٠٠ د.ع"),
        (D("12.5"), "USD", "en", "$12.50"),
        (D("12.5"), "USD", "ar", "١٢٫٥٠ $"),
        (D("1234.5"), "USD", "en", "$1,234.50"),
        (D(500), "IQD", "ar", "٥٠٠ د.ع"),
    ],
)
def test_fiat(amount: Decimal, currency: str, lang: str, expected: str) -> None:
    assert fmt.fiat(amount, currency, lang) == expected


def test_price() -> None:
    assert fmt.price(D(1310), "IQD", "USDT", "en") == "1,310 IQD per 1 USDT"
    assert fmt.price(D(1310), "IQD", "USDT", "ar") == f"١٬٣١٠ د.ع لكل ١ {FSI}USDT{PDI}"
    assert fmt.price(D("0.25"), "USD", "TRX", "en") == "$0.25 per 1 TRX"


def test_percent() -> None:
    assert fmt.percent(D("2.5"), "en") == "2.5%"
    assert fmt.percent(D("2.5"), "en", signed=True) == "+2.5%"
    assert fmt.percent(D("-2.5"), "en", signed=True) == "-2.5%"
    assert fmt.percent(D("0"), "en", signed=True) == "0%"
    assert fmt.percent(D("2.5"), "ar") == "٢٫٥٪"
    assert fmt.percent(D("-1.25"), "ar") == "-١٫٢٥٪"


@pytest.mark.parametrize(
    ("minutes", "en", "ar"),
    [
        (1, "1 minute", "دقيقة واحدة"),
        (2, "2 minutes", "دقيقتان"),
        (3, "3 minutes", "٣ دقائق"),
        (11, "11 minutes", "١١ دقيقة"),
        (30, "30 minutes", "٣٠ دقيقة"),
        (60, "1 hour", "ساعة واحدة"),
        (90, "1 hour and 30 minutes", "ساعة واحدة و٣٠ دقيقة"),
        (120, "2 hours", "ساعتان"),
        (24 * 60, "1 day", "يوم واحد"),
        (3 * 24 * 60 + 2 * 60, "3 days and 2 hours", "٣ أيام وساعتان"),
    ],
)
def test_duration(minutes: int, en: str, ar: str) -> None:
    assert fmt.duration(minutes, "en") == en
    assert fmt.duration(minutes, "ar") == ar


def test_datetime_is_baghdad_time() -> None:
    moment = datetime(2026, 11, 25, 8, 30, tzinfo=UTC)  # 11:30 in Baghdad (UTC+3)
    assert fmt.datetime(moment, "en") == "25 Nov 2026, 11:30"
    assert fmt.datetime(moment, "ar") == "٢٥ تشرين الثاني ٢٠٢٦، ١١:٣٠"
    assert fmt.datetime(moment.replace(tzinfo=None), "en") == "25 Nov 2026, 11:30"  # naive = UTC


def test_number_and_unknown_language_falls_back_to_arabic() -> None:
    assert fmt.number(D("1310000"), "en") == "1,310,000"
    assert fmt.number(D("1310000"), "ku") == "١٬٣١٠٬٠٠٠"
    assert fmt.number(D("2.5"), "en", decimals=2) == "2.50"


def test_escape_isolate_address() -> None:
    assert fmt.escape("<b>Ali & co</b>") == "&lt;b&gt;Ali &amp; co&lt;/b&gt;"
    assert fmt.isolate("@ali_iq") == f"{FSI}@ali_iq{PDI}"
    addr = "TQn9Y2khEsLJW1ChVWFMSMeRDow5KcbLSE"
    # isolates outside <code>: tapping the code copies the address and nothing else
    assert fmt.address(addr) == f"{LRI}<code>{addr}</code>{PDI}"


@pytest.mark.parametrize(
    "text",
    [
        "&<" * 2048,  # no space: cut at the limit
        ("مرحبا بك يا أخي، " * 300).strip(),  # cut before a space
        "😀" * 2048,  # 2 UTF-16 units each
        "بِسْمِ" * 1000,  # combining marks (harakat)
    ],
)
def test_split_fits_telegram_limits_and_loses_nothing(text: str) -> None:
    pieces = fmt.split(text, 1000, 4000)
    assert "".join(pieces) == text
    assert fmt.utf16_len(pieces[0]) <= 1000 and all(fmt.utf16_len(p) <= 4000 for p in pieces[1:])
    assert all(p and not fmt._joins(p[-1], n[0]) for p, n in itertools.pairwise(pieces))
    assert all(not p[-1].isspace() for p in pieces[:-1])  # Telegram trims the end of a message


def test_split_keeps_what_fits_whole() -> None:
    assert fmt.split("a & b", 5, 10) == ["a & b"]
    assert fmt.utf16_len("😀a") == 3
