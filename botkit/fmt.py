"""How amounts, prices, times and user-supplied text look in a message, per language.

Numbers go through Babel: English uses Latin digits ("1,310,000"), Arabic uses the Iraqi locale
(ar_IQ) with Arabic-Indic digits ("١٬٣١٠٬٠٠٠"). Asset codes stay Latin ("USDT", never translated)
and are wrapped in a directional isolate in Arabic so they read correctly in right-to-left text.
Messages are sent with parse_mode HTML: anything a user typed goes through ``escape``.

    crypto(12_500_000, "USDT", "en") == "12.5 USDT"
    fiat(Decimal(1310000), "IQD", "ar") == "١٬٣١٠٬٠٠٠ د.ع"
"""

from __future__ import annotations

import datetime as dt
import html
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.lists import format_list
from babel.numbers import NumberPattern, get_plus_sign_symbol, parse_pattern

from botkit.i18n import ntranslate, pick_language, translate
from core.money import Asset, Fiat, from_micro

TIME_ZONE = ZoneInfo("Asia/Baghdad")
# Babel locale per language: ar_IQ gives Arabic-Indic digits and the Iraqi month names.
# Parsed once: Babel would otherwise look the locale up on disk on every number.
BABEL_LOCALES = {"ar": Locale.parse("ar_IQ"), "en": Locale.parse("en")}

# Directional isolates (Unicode bidi): FSI guesses the direction from the text, LRI forces
# left-to-right, PDI closes either. They keep Latin runs from reordering Arabic text.
FSI, LRI, PDI = "\u2068", "\u2066", "\u2069"

# Fiat units per language: (symbol, symbol goes before the number).
_FIAT_UNITS: dict[tuple[str, str], tuple[str, bool]] = {
    ("IQD", "en"): ("IQD", False),
    ("IQD", "ar"): ("د.ع", False),
    ("USD", "en"): ("$", True),
    ("USD", "ar"): ("$", False),
}
_LATIN_TO_ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")

# Telegram's limits, in UTF-16 code units of the text after entities parsing (what the reader sees).
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024


def _lang(lang: str | None) -> str:
    return lang if lang in BABEL_LOCALES else pick_language(lang)


def _locale(lang: str | None) -> Locale:
    return BABEL_LOCALES[_lang(lang)]


@cache
def _pattern(decimals: int | None) -> NumberPattern:
    """``decimals=None``: what the value has (up to micro units); else exactly that many."""
    if decimals is None:
        return parse_pattern("#,##0.######")
    return parse_pattern("#,##0" + ("." + "0" * decimals if decimals else ""))


def number(value: Decimal | int, lang: str | None, *, decimals: int | None = None) -> str:
    """A plain number in the language's digits with grouping: 1310000 -> "1,310,000" / "١٬٣١٠٬٠٠٠".

    ``decimals=None`` shows what the value has (no trailing zeros); an int shows exactly that many.
    """
    value = Decimal(value)
    if decimals is not None:
        value = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text: str = _pattern(decimals).apply(value, _locale(lang), numbering_system="default")
    # Babel gives ar_IQ its Arabic separators (٬ ٫) but writes the digits in Latin; Iraqi
    # Arabic text uses Arabic-Indic digits, so they are transliterated (the grouping is Babel's).
    return text.translate(_LATIN_TO_ARABIC_DIGITS) if _lang(lang) == "ar" else text


def isolate(text: str) -> str:
    """Wrap a run whose direction differs from the sentence (a Latin name, an @username, a
    payment method) so it cannot reorder the text around it. Does not escape HTML."""
    return f"{FSI}{text}{PDI}"


def code(text: str, lang: str | None) -> str:
    """An asset or currency code ("USDT", "IQD") inside a sentence: isolated in Arabic, so that it
    keeps its place in right-to-left text; as it is in English."""
    return isolate(text) if _lang(lang) == "ar" else text


def escape(text: str) -> str:
    """User-supplied text made safe for parse_mode HTML."""
    return html.escape(text, quote=False)


def utf16_len(text: str) -> int:
    """The length of ``text`` as Telegram counts it (UTF-16 code units: an emoji counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def split(text: str, first: int, rest: int) -> list[str]:
    """Cut plain text (before ``escape``) into pieces that fit Telegram's limit as it counts it:
    the first piece in ``first`` UTF-16 units, each other one in ``rest``. Joined, the pieces are
    ``text``. A cut goes before a run of spaces near the end of a piece when there is one (so the
    next piece starts with the space, which Telegram keeps), and never before a mark that
    combines with the character in front of it."""
    pieces = []
    room = first
    while utf16_len(text) > room:
        cut = _cut(text, room)
        pieces.append(text[:cut])
        text = text[cut:]
        room = rest
    pieces.append(text)
    return pieces


def _cut(text: str, room: int) -> int:
    units = 0
    end = len(text)
    for i, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > room:
            end = i
            break
    cut = end
    while cut > 1 and _joins(text[cut - 1], text[cut]):
        cut -= 1
    cut = cut if cut > 1 else end
    space = next((i for i in range(cut - 1, max(cut - 200, 0), -1) if text[i].isspace()), None)
    if space is not None:
        while space > 1 and text[space - 1].isspace():
            space -= 1
        cut = space
    return max(cut, 1)


def _joins(before: str, char: str) -> bool:
    """``char`` belongs with the character before it (a combining mark, a joiner, a selector)."""
    return bool(unicodedata.combining(char)) or char in "\u200c\u200d\ufe0e\ufe0f" or before == "\u200d"


def address(addr: str) -> str:
    """A TRON address: monospace (tap to copy) and left-to-right. The isolates sit outside
    <code> so that copying the address copies only the address."""
    return f"{LRI}<code>{escape(addr)}</code>{PDI}"


def crypto(micro: int, asset: Asset | str, lang: str | None) -> str:
    """A crypto amount from micro units, at the asset's precision without trailing zeros:
    "12.5 USDT" / "١٢٫٥ USDT" (the code isolated in Arabic)."""
    code = Asset(asset).value
    text = number(from_micro(micro).normalize(), lang)
    return f"{text} {isolate(code)}" if _lang(lang) == "ar" else f"{text} {code}"


def fiat(amount: Decimal | int, currency: Fiat | str, lang: str | None) -> str:
    """A fiat amount at the currency's exponent: "1,310,000 IQD" / "١٬٣١٠٬٠٠٠ د.ع", "$12.50" / "١٢٫٥٠ $"."""
    code = Fiat(currency)
    amount = Decimal(amount)
    sign = "-" if amount < 0 else ""
    text = number(abs(amount), lang, decimals=code.exponent)
    symbol, before = _FIAT_UNITS[(code.value, _lang(lang))]
    return f"{sign}{symbol}{text}" if before else f"{sign}{text} {symbol}"


def price(value: Decimal, currency: Fiat | str, asset: Asset | str, lang: str | None) -> str:
    """A price per one unit of crypto: "1,310 IQD per 1 USDT" / "١٬٣١٠ د.ع لكل ١ USDT"."""
    code = Asset(asset).value
    return translate(
        _lang(lang),
        "{price} per 1 {asset}",
        price=fiat(value, currency, lang),
        asset=isolate(code) if _lang(lang) == "ar" else code,
    )


def percent(value: Decimal | int, lang: str | None, *, signed: bool = False) -> str:
    """A percentage given in percent units (2.5 means 2.5%): "2.5%" / "٢٫٥٪"; ``signed`` shows "+"
    for positive values (margins over the reference rate)."""
    value = Decimal(value)
    text = number(abs(value), lang) + ("٪" if _lang(lang) == "ar" else "%")
    if value < 0:
        return "-" + text
    if signed and value > 0:
        return get_plus_sign_symbol(_locale(lang)).strip("\u200e\u200f\u061c") + text
    return text


def duration(minutes: int, lang: str | None) -> str:
    """A whole number of minutes in words: "1 hour and 30 minutes" / "ساعة واحدة و٣٠ دقيقة"."""
    lang = _lang(lang)
    days, rest = divmod(int(minutes), 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(ntranslate(lang, "{n} day", "{n} days", days, n=number(days, lang)))
    if hours:
        parts.append(ntranslate(lang, "{n} hour", "{n} hours", hours, n=number(hours, lang)))
    if mins or not parts:
        parts.append(ntranslate(lang, "{n} minute", "{n} minutes", mins, n=number(mins, lang)))
    return format_list(parts, locale=_locale(lang))


# Counted nouns: the number in the language's digits, the noun in the form the number takes
# ("1 trade", "2 trades"; Arabic has six forms). Sentences place the whole phrase: "✅ {trades}".


def days(n: int, lang: str | None) -> str:
    return ntranslate(lang, "{n} day", "{n} days", n, n=number(n, lang))


def trades(n: int, lang: str | None) -> str:
    return ntranslate(lang, "{n} trade", "{n} trades", n, n=number(n, lang))


def completed_trades(n: int, lang: str | None) -> str:
    return ntranslate(lang, "{n} completed trade", "{n} completed trades", n, n=number(n, lang))


def open_trades(n: int, lang: str | None) -> str:
    return ntranslate(lang, "{n} open trade", "{n} open trades", n, n=number(n, lang))


def confirmations(n: int, lang: str | None) -> str:
    return ntranslate(lang, "{n} confirmation", "{n} confirmations", n, n=number(n, lang))


def offers(n: int, lang: str | None) -> str:
    return ntranslate(lang, "{n} offer", "{n} offers", n, n=number(n, lang))


def promoted_offers(n: int, lang: str | None) -> str:
    return ntranslate(lang, "{n} promoted offer", "{n} promoted offers", n, n=number(n, lang))


def characters(n: int, lang: str | None) -> str:
    return ntranslate(lang, "{n} character", "{n} characters", n, n=number(n, lang))


def decimals(n: int, lang: str | None) -> str:
    return ntranslate(lang, "{n} decimal", "{n} decimals", n, n=number(n, lang))


def admins(n: int, lang: str | None) -> str:
    return ntranslate(lang, "{n} admin", "{n} admins", n, n=number(n, lang))


def times(n: int, lang: str | None) -> str:
    return ntranslate(lang, "{n} time", "{n} times", n, n=number(n, lang))


def datetime(moment: dt.datetime, lang: str | None) -> str:
    """A moment in Baghdad time: "25 Nov 2026, 11:30" / "٢٥ تشرين الثاني ٢٠٢٦، ١١:٣٠".

    A naive datetime is taken as UTC (the database stores UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    if _lang(lang) == "ar":
        # As in number(): Babel writes Latin digits, the Iraqi locale uses Arabic-Indic ones.
        text = format_datetime(moment, "d MMMM y، HH:mm", tzinfo=TIME_ZONE, locale=_locale(lang))
        return text.translate(_LATIN_TO_ARABIC_DIGITS)
    return format_datetime(moment, "d MMM y, HH:mm", tzinfo=TIME_ZONE, locale="en")


def month(year_month: str, lang: str | None) -> str:
    """A month given as "YYYY-MM": "November 2026" / "تشرين الثاني ٢٠٢٦"."""
    first = dt.date.fromisoformat(year_month + "-01")
    text = format_date(first, "LLLL y", locale=_locale(lang))
    return text.translate(_LATIN_TO_ARABIC_DIGITS) if _lang(lang) == "ar" else text
