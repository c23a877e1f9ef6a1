"""What people type, in both digit systems, and what the bot makes of it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from botkit.i18n import use_locale
from botkit.numbers import AmountError, amount_error_text, parse_amount, parse_percent

D = Decimal
# (text, decimals, maximum, expected Decimal or error code)
AMOUNTS = [
    # plain Latin digits
    ("150", 0, None, D("150")),
    ("12.5", 6, None, D("12.5")),
    ("0.000001", 6, None, D("0.000001")),
    (".5", 6, None, D("0.5")),
    ("5.", 2, None, D("5")),
    ("  42  ", 0, None, D("42")),
    ("1000.00", 0, None, D("1000")),  # trailing zeros are not extra precision
    # grouping: commas, spaces, no-break and narrow no-break spaces
    ("1,500", 0, None, D("1500")),
    ("1,310,000", 0, None, D("1310000")),
    ("1,234.56", 2, None, D("1234.56")),
    ("1 310 000", 0, None, D("1310000")),
    ("1\u00a0310\u00a0000", 0, None, D("1310000")),
    ("1\u202f310\u202f000", 0, None, D("1310000")),
    # Arabic-Indic digits with Arabic separators
    ("١٥٠", 0, None, D("150")),
    ("١٢٫٥", 6, None, D("12.5")),
    ("١٬٣١٠٬٠٠٠", 0, None, D("1310000")),
    ("١٬٢٣٤٫٥٦", 2, None, D("1234.56")),
    ("٠٫٠٠٠٠٠١", 6, None, D("0.000001")),
    ("١٬٥٠٠ د.ع", 0, None, D("1500")),
    ("١،٥٠٠", 0, None, D("1500")),  # Arabic comma groups too
    # Eastern Arabic-Indic (Persian/Kurdish keyboards)
    ("۱۵۰", 0, None, D("150")),
    ("۱۲٫۵", 6, None, D("12.5")),
    ("۱٬۳۱۰٬۰۰۰", 0, None, D("1310000")),
    # mixed digit systems still read as one number
    ("1٬٥٠٠", 0, None, D("1500")),
    # currency words and codes before or after
    ("100 USDT", 6, None, D("100")),
    ("usdt 100", 6, None, D("100")),
    ("250000 IQD", 0, None, D("250000")),
    ("250,000 دينار", 0, None, D("250000")),
    ("١٠٠ دولار أمريكي", 2, None, D("100")),
    ("د.ع ٢٥٠٬٠٠٠", 0, None, D("250000")),
    ("$12.50", 2, None, D("12.50")),
    ("12.50$", 2, None, D("12.50")),
    ("\u200f١٥٠\u200f", 0, None, D("150")),  # bidi marks from copy-paste
    # at the maximum
    ("1000", 6, D("1000"), D("1000")),
    # refused
    ("", 6, None, "empty"),
    ("   ", 6, None, "empty"),
    ("abc", 6, None, "not_a_number"),
    ("12abc", 6, None, "not_a_number"),
    ("1e5", 6, None, "not_a_number"),
    (".", 6, None, "not_a_number"),
    ("1.5k", 6, None, "shorthand"),
    ("2m", 0, None, "shorthand"),
    ("2K", 0, None, "shorthand"),
    ("١٠ الف", 0, None, "shorthand"),
    ("٢ مليون دينار", 0, None, "shorthand"),
    ("1,5", 6, None, "ambiguous"),
    ("12,50", 2, None, "ambiguous"),
    ("1,5000", 0, None, "ambiguous"),
    ("1.500.000", 0, None, "ambiguous"),
    ("١٫٥٫٠", 6, None, "ambiguous"),
    ("1 31", 0, None, "ambiguous"),
    ("-5", 6, None, "negative"),
    ("−5", 6, None, "negative"),  # U+2212 MINUS SIGN
    ("0", 6, None, "zero"),
    ("٠٫٠٠", 2, None, "zero"),
    ("1.1234567", 6, None, "too_many_decimals"),
    ("1.5", 0, None, "too_many_decimals"),
    ("١٢٫٣٤٥", 2, None, "too_many_decimals"),
    ("1001", 6, D("1000"), "too_large"),
    ("١٬٠٠٠٬٠٠١", 0, D("1000000"), "too_large"),
    ("9" * 80, 0, None, "not_a_number"),
]


@pytest.mark.parametrize(("text", "decimals", "maximum", "expected"), AMOUNTS)
def test_parse_amount(text: str, decimals: int, maximum: Decimal | None, expected: Decimal | str) -> None:
    if isinstance(expected, Decimal):
        value = parse_amount(text, decimals=decimals, maximum=maximum)
        assert value == expected
        assert value.as_tuple().exponent == -decimals  # always at the asked precision
    else:
        with pytest.raises(AmountError) as caught:
            parse_amount(text, decimals=decimals, maximum=maximum)
        assert caught.value.code == expected


def test_the_table_is_big_enough_and_covers_both_digit_systems() -> None:
    assert len(AMOUNTS) >= 40
    assert sum(any("٠" <= c <= "٩" for c in row[0]) for row in AMOUNTS) >= 10
    assert sum(isinstance(row[3], str) for row in AMOUNTS) >= 15


def test_error_params() -> None:
    with pytest.raises(AmountError) as caught:
        parse_amount("1.1234567", decimals=6)
    assert caught.value.params == {"decimals": 6}
    with pytest.raises(AmountError) as caught:
        parse_amount("5000", decimals=0, maximum=D("1000"))
    assert caught.value.params == {"maximum": D("1000")}


PERCENTS = [
    ("2.5", D("2.5")),
    ("-2.5", D("-2.5")),
    ("٢٫٥", D("2.5")),
    ("-٢٫٥٪", D("-2.5")),
    ("+1 %", D("1")),
    ("− 3", D("-3")),
    ("0", D("0")),
    ("۱٫۲۵%", D("1.25")),
    ("2,5", "ambiguous"),
    ("1.234", "too_many_decimals"),
    ("", "empty"),
    ("5k", "shorthand"),
]


@pytest.mark.parametrize(("text", "expected"), PERCENTS)
def test_parse_percent(text: str, expected: Decimal | str) -> None:
    if isinstance(expected, Decimal):
        assert parse_percent(text) == expected
    else:
        with pytest.raises(AmountError) as caught:
            parse_percent(text)
        assert caught.value.code == expected


def test_percent_limits() -> None:
    assert parse_percent("-10", minimum=D(-10), maximum=D(10)) == D(-10)
    with pytest.raises(AmountError) as caught:
        parse_percent("-10.5", minimum=D(-10), maximum=D(10))
    assert (caught.value.code, caught.value.params) == ("too_small", {"minimum": D(-10)})
    with pytest.raises(AmountError) as caught:
        parse_percent("١١", minimum=D(-10), maximum=D(10))
    assert (caught.value.code, caught.value.params) == ("too_large", {"maximum": D(10)})


def test_error_texts_in_english() -> None:
    with use_locale("en"):
        assert amount_error_text(AmountError("ambiguous")) == (
            "That number can be read two ways. Use a dot for decimals and commas only for thousands: "
            "for example 1.5 or 1,500."
        )
        assert amount_error_text(AmountError("too_many_decimals", decimals=2)) == (
            "At most 2 digits after the decimal point, please (for example 12.5)."
        )
        assert amount_error_text(AmountError("too_large", maximum=D(1000000))) == (
            "The most you can enter here is 1,000,000."
        )


def test_error_texts_in_arabic() -> None:
    with use_locale("ar"):
        assert amount_error_text(AmountError("not_a_number")) == "أرسل رقمًا من فضلك، مثلًا ١٥٠ أو ١٬٥٠٠."
        # the plural form follows the number of decimals: two -> dual, six -> few
        assert amount_error_text(AmountError("too_many_decimals", decimals=2)) == (
            "يُسمح برقمين بعد الفاصلة العشرية كحد أقصى (مثلًا ١٢٫٥)."
        )
        assert amount_error_text(AmountError("too_many_decimals", decimals=6)) == (
            "يُسمح بـ٦ أرقام بعد الفاصلة العشرية كحد أقصى (مثلًا ١٢٫٥)."
        )
        assert amount_error_text(AmountError("too_large", maximum=D(1000000))) == (
            "أقصى قيمة يمكنك إدخالها هنا هي ١٬٠٠٠٬٠٠٠."
        )


def test_error_text_shows_limits_with_their_unit() -> None:
    from botkit import fmt

    with use_locale("ar"):
        text = amount_error_text(
            AmountError("too_large", maximum=D(500000)), show=lambda v: fmt.fiat(v, "IQD", "ar")
        )
    assert text == "أقصى قيمة يمكنك إدخالها هنا هي ٥٠٠٬٠٠٠ د.ع."


@pytest.mark.parametrize("code", ["empty", "not_a_number", "shorthand", "ambiguous", "negative", "zero"])
def test_every_code_has_a_translated_text(code: str) -> None:
    with use_locale("en"):
        english = amount_error_text(AmountError(code))
    with use_locale("ar"):
        arabic = amount_error_text(AmountError(code))
    assert english and arabic and english != arabic
    assert any("\u0600" <= c <= "\u06ff" for c in arabic)


@given(micro=st.integers(min_value=1, max_value=10**15), asset=st.sampled_from(["USDT", "TRX"]),
       lang=st.sampled_from(["ar", "en"]))  # fmt: skip
def test_what_the_bot_shows_reads_back_as_the_same_amount(micro: int, asset: str, lang: str) -> None:
    """A trader may copy an amount from a message (isolates and all) and send it back."""
    from botkit import fmt
    from core.money import from_micro

    assert parse_amount(fmt.crypto(micro, asset, lang), decimals=6) == from_micro(micro)


@given(units=st.integers(min_value=1, max_value=10**12), currency=st.sampled_from(["IQD", "USD"]),
       lang=st.sampled_from(["ar", "en"]))  # fmt: skip
def test_fiat_reads_back(units: int, currency: str, lang: str) -> None:
    from botkit import fmt
    from core.money import Fiat

    amount = Decimal(units).scaleb(-Fiat(currency).exponent)
    assert parse_amount(fmt.fiat(amount, currency, lang), decimals=Fiat(currency).exponent) == amount
