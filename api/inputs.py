"""Reading a request's fields. Amounts are text read by the bots' own forgiving parser
(botkit.numbers: Arabic-Indic digits, thousands commas, a currency word), so "١٢٫٥" is 12.5 here as
in the chat; a JSON number is refused (a float loses money, and clients must not learn to send
them). Every refusal names the field."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, TypeVar

from api.problems import BadAmount, Problem
from botkit.numbers import AmountError, parse_amount, parse_percent
from botkit.second_factor_texts import read_code
from core.money import Fiat, to_micro

MAX_CRYPTO = Decimal(100_000_000)  # no amount is larger; bigger input is a typo (as the bot)
MAX_FIAT = Decimal(10_000_000_000)
E = TypeVar("E", bound=enum.Enum)


def _raw(body: dict[str, Any], field: str, required: bool) -> Any:
    value = body.get(field)
    if value is None and required:
        raise Problem(422, "field_required", field=field)
    return value


def _text_number(value: Any, field: str) -> str:
    if isinstance(value, bool) or isinstance(value, int | float):
        raise Problem(422, "number_not_text", field=field)
    if not isinstance(value, str):
        raise Problem(422, "field_invalid", field=field)
    return value


def _amount(text: str, field: str, decimals: int, maximum: Decimal) -> Decimal:
    try:
        return parse_amount(text, decimals=decimals, maximum=maximum)
    except AmountError as error:
        raise BadAmount(field, error) from None


def crypto(body: dict[str, Any], field: str, *, required: bool = True) -> int | None:
    """A crypto amount ("12.5", "١٢٫٥") in micro units."""
    value = _raw(body, field, required)
    if value is None:
        return None
    return to_micro(_amount(_text_number(value, field), field, 6, MAX_CRYPTO))


def fiat(body: dict[str, Any], field: str, currency: Fiat, *, required: bool = True) -> Decimal | None:
    value = _raw(body, field, required)
    if value is None:
        return None
    return _amount(_text_number(value, field), field, currency.exponent, MAX_FIAT)


def price(body: dict[str, Any], field: str, currency: Fiat, *, required: bool = True) -> Decimal | None:
    """A price per coin, with up to the currency's decimals."""
    return fiat(body, field, currency, required=required)


def percent(body: dict[str, Any], field: str) -> Decimal | None:
    value = body.get(field)
    if value is None:
        return None
    try:
        return parse_percent(_text_number(value, field), minimum=Decimal(-50), maximum=Decimal(50))
    except AmountError as error:
        raise BadAmount(field, error) from None


def choice(body: dict[str, Any], field: str, kind: type[E], *, required: bool = True) -> E | None:
    value = _raw(body, field, required)
    if value is None:
        return None
    try:
        return kind(value)
    except ValueError:
        raise Problem(422, "field_invalid", field=field, allowed=[m.value for m in kind]) from None


def one_of(body: dict[str, Any], field: str, allowed: Sequence[str], *, required: bool = False) -> str | None:
    """A text that must be one of ``allowed`` (core's list of the choices)."""
    value = _raw(body, field, required)
    if value is None:
        return None
    if value not in allowed:
        raise Problem(422, "field_invalid", field=field, allowed=list(allowed))
    return str(value)


def code(body: dict[str, Any], field: str = "code") -> str:
    """A typed second-factor code as the bots read it (Arabic-Indic digits made Latin); core
    checks its form and the code."""
    typed = text(body, field, required=True, max_length=64)
    assert typed is not None
    return read_code(typed)


def text(body: dict[str, Any], field: str, *, required: bool = False, max_length: int = 4096) -> str | None:
    value = _raw(body, field, required)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > max_length:
        raise Problem(422, "field_invalid", field=field)
    return value


def integer(body: dict[str, Any], field: str, *, required: bool = False, low: int = 0, high: int = 10**12) -> int | None:
    value = _raw(body, field, required)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise Problem(422, "field_invalid", field=field)
    return value


def flag(body: dict[str, Any], field: str) -> bool:
    value = body.get(field, False)
    if not isinstance(value, bool):
        raise Problem(422, "field_invalid", field=field)
    return value


def strings(body: dict[str, Any], field: str, *, max_items: int = 10) -> tuple[str, ...]:
    value = body.get(field, [])
    if not isinstance(value, list) or len(value) > max_items or not all(isinstance(v, str) and len(v) <= 40
                                                                        for v in value):  # fmt: skip
        raise Problem(422, "field_invalid", field=field)
    return tuple(value)


def ids(body: dict[str, Any], field: str, *, max_items: int = 20) -> tuple[int, ...]:
    value = body.get(field, [])
    if not isinstance(value, list) or len(value) > max_items or not all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value):  # fmt: skip
        raise Problem(422, "field_invalid", field=field)
    return tuple(value)
