"""Reading the numbers people type: amounts, prices and margins, in Latin or Arabic digits.

Accepted: Latin digits 0-9, Arabic-Indic ٠-٩, Eastern Arabic-Indic ۰-۹; the Arabic decimal
separator ٫ and thousands separator ٬; commas, spaces (also no-break and narrow no-break spaces)
and the Arabic comma ، as thousands grouping; a currency word or code before or after the number
(USDT, TRX, IQD, USD, $, دينار, د.ع, دولار, ...), which is ignored.

The rule for commas and dots (written so nobody loses money to a guess):
- a dot (or ٫) is always the decimal point, and there is at most one;
- a comma (or ٬, ، or a space) always groups thousands: the first group has 1-3 digits and every
  later group exactly 3, before the decimal point. So "1,500" is one thousand five hundred;
- anything else ("1,5", "12,50", "1.500.000", "1,50,000") is refused as ``ambiguous`` with a
  hint to write "1.5" or "1,500".
Shorthand such as "1.5k", "2m" or "١٠ الف" is refused (``shorthand``) with a hint to write
all the digits: a typo in a multiplier moves real money.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.i18n.context import get_i18n

MAX_LENGTH = 64  # longer input is not a number anyone means

_DIGITS = str.maketrans(
    "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٫٬،−–—﹣－＋",
    "01234567890123456789.,,---\u002d-+",
)
# Bidirectional marks that copy-paste from RTL text brings along; invisible, so dropped.
_BIDI = dict.fromkeys(map(ord, "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007\u200a]+")

# Currency words and codes, matched at either end (case-insensitive). Longest first.
_CURRENCIES = sorted(
    [
        "usdt", "trx", "iqd", "usd", "$", "دينار عراقي", "دينار", "دنانير", "د.ع", "د ع", "ع.د",
        "دولار أمريكي", "دولار امريكي", "دولار", "تيثر", "ترون",
    ],
    key=len,
    reverse=True,
)  # fmt: skip
_CURRENCY_WORDS = "|".join(map(re.escape, _CURRENCIES))
_CURRENCY_RE = re.compile(rf"^(?:{_CURRENCY_WORDS})\s*|\s*(?:{_CURRENCY_WORDS})$", re.IGNORECASE)
_PERCENT_RE = re.compile(r"^[%٪]\s*|\s*[%٪]$")
# Multipliers people use as shorthand: 1.5k, 2m, 3b, ١٠ الف, ٢ مليون, ...
_SHORTHAND_RE = re.compile(
    r"^[-+]?[\d.,\s]*\d[\d.,\s]*\s*(?:k|m|b|mn|bn|kk|ك|ألف|الف|آلاف|الاف|ألاف|مليون|ملايين|مليار|ملیون)\.?$",
    re.IGNORECASE,
)
_NUMBER_RE = re.compile(r"^(?P<sign>[-+]?)(?P<int>\d[\d, ]*)?(?:\.(?P<frac>\d*))?$")
_GROUPED_RE = re.compile(r"^\d{1,3}(?:[, ]\d{3})+$")


class AmountError(ValueError):
    """What someone typed is not an acceptable amount; ``code`` says why (see amount_error_text).

    Codes: empty, not_a_number, shorthand, ambiguous, negative, zero, too_many_decimals
    (decimals), too_large (maximum), too_small (minimum).
    """

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(f"{code} {params}" if params else code)


def normalize(text: str) -> str:
    """Latin digits, "." as decimal point, "," as grouping, one plain space, no bidi marks."""
    text = text.translate(_BIDI).translate(_DIGITS)
    return _SPACES.sub(" ", text).strip()


def _strip_affixes(text: str, pattern: re.Pattern[str]) -> str:
    previous = None
    while previous != text:
        previous = text
        text = pattern.sub("", text).strip()
    return text


def _to_decimal(text: str) -> Decimal:
    """A normalized number to Decimal by the rule in the module docstring (sign allowed)."""
    if not text:
        raise AmountError("empty")
    if _SHORTHAND_RE.match(text):
        raise AmountError("shorthand")
    compact = re.sub(r"\s*([-+])\s*", r"\1", text, count=1) if text[:1] in "-+" else text
    match = _NUMBER_RE.match(compact)
    if match is None or (match["int"] is None and not match["frac"]):
        if re.fullmatch(r"[-+]?[\d., ]+", compact) and re.search(r"\d", compact):
            raise AmountError("ambiguous")  # only digits and separators, but not a clear shape
        raise AmountError("not_a_number")
    integer = (match["int"] or "0").rstrip(" ")
    if ("," in integer or " " in integer) and not _GROUPED_RE.match(integer):
        raise AmountError("ambiguous")
    digits = integer.replace(",", "").replace(" ", "") + "." + (match["frac"] or "0")
    try:
        value = Decimal(digits)
    except InvalidOperation as exc:  # pragma: no cover - the regex only lets digits through
        raise AmountError("not_a_number") from exc
    return -value if match["sign"] == "-" else value


def _check_decimals(value: Decimal, decimals: int) -> Decimal:
    quantum = Decimal(1).scaleb(-decimals)
    if value != value.quantize(quantum):
        raise AmountError("too_many_decimals", decimals=decimals)
    return value.quantize(quantum)


def parse_amount(text: str | None, *, decimals: int, maximum: Decimal | None = None) -> Decimal:
    """A positive amount with at most ``decimals`` decimal places, e.g. parse_amount("١٬٥٠٠", decimals=0).

    Returns the Decimal with exactly ``decimals`` places; raises AmountError.
    """
    text = normalize(text or "")
    if len(text) > MAX_LENGTH:
        raise AmountError("not_a_number")
    value = _to_decimal(_strip_affixes(text, _CURRENCY_RE))
    if value < 0:
        raise AmountError("negative")
    if value == 0:
        raise AmountError("zero")
    value = _check_decimals(value, decimals)
    if maximum is not None and value > maximum:
        raise AmountError("too_large", maximum=maximum)
    return value


def parse_percent(
    text: str | None,
    *,
    decimals: int = 2,
    minimum: Decimal | None = None,
    maximum: Decimal | None = None,
) -> Decimal:
    """A percentage such as a margin over the reference rate: "-2.5", "٢٫٥٪", "+1 %". May be 0 or negative."""
    text = normalize(text or "")
    if len(text) > MAX_LENGTH:
        raise AmountError("not_a_number")
    value = _check_decimals(_to_decimal(_strip_affixes(text, _PERCENT_RE)), decimals)
    if minimum is not None and value < minimum:
        raise AmountError("too_small", minimum=minimum)
    if maximum is not None and value > maximum:
        raise AmountError("too_large", maximum=maximum)
    return value


def _number(value: Any) -> str:
    """A limit shown inside an error text, in the current language's digits."""
    from botkit.fmt import number  # here: botkit.fmt loads the catalogs, parsing needs none

    return number(Decimal(value), get_i18n().current_locale)


def amount_error_text(err: AmountError, *, show: Callable[[Decimal], str] | None = None) -> str:
    """What was expected, with an example, in the current language.

    ``show`` formats the limits with their unit, e.g. ``lambda v: fmt.fiat(v, "IQD", lang)``;
    without it they are shown as plain numbers.
    """
    code, params = err.code, err.params
    show = show or _number
    if code == "shorthand":
        return _(
            "Please write the whole number without k, m or «thousand»: for example 1,500 instead of 1.5k."
        )
    if code == "ambiguous":
        return _(
            "That number can be read two ways. Use a dot for decimals and commas only for thousands: "
            "for example 1.5 or 1,500."
        )
    if code in ("negative", "zero"):
        return _("The amount must be more than zero, for example 150.")
    if code == "too_many_decimals":
        decimals = int(params.get("decimals", 0))
        if decimals == 0:
            return _("Please send a whole number without decimals, for example 250000.")
        return ngettext(
            "At most {n} digit after the decimal point, please (for example 12.5).",
            "At most {n} digits after the decimal point, please (for example 12.5).",
            decimals,
        ).format(n=_number(decimals))
    if code == "too_large":
        return _("The most you can enter here is {maximum}.").format(maximum=show(Decimal(params["maximum"])))
    if code == "too_small":
        return _("The least you can enter here is {minimum}.").format(minimum=show(Decimal(params["minimum"])))
    return _("Please send a number, for example 150 or 1,500.")  # empty, not_a_number
