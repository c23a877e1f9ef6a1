"""Withdrawal destinations: each mistake gets its own code, and a pasted key is never echoed."""

import pytest

from core.wallet.addresses import InvalidAddress, body, from_body, hex41, parse_destination

GOOD = "TY72iA3SBtrds3QLYsS7LwYfkzXwAXCRWT"
KEY = "8d596057e510b14cbb9bf24f88803a6d6dbd138dd303a62b175b9e6cc0f3f941"


def _code(text):
    with pytest.raises(InvalidAddress) as info:
        parse_destination(text)
    return info.value


def test_good_address_is_returned_trimmed():
    assert parse_destination(f"  {GOOD}\n") == GOOD


@pytest.mark.parametrize("text", ["", "   ", None])
def test_empty(text):
    assert _code(text).code == "address_empty"


def test_bad_checksum():
    bad = GOOD[:-1] + ("X" if GOOD[-1] != "X" else "Y")
    assert _code(bad).code == "address_checksum"


def test_ethereum_address():
    assert _code("0x52908400098527886E0F7030069857D2E4169EE7").code == "address_ethereum"


@pytest.mark.parametrize("text", [KEY, "0x" + KEY, KEY.upper()])
def test_private_key_is_recognised_and_never_echoed(text):
    error = _code(text)
    assert error.code == "address_private_key"
    assert KEY not in str(error).lower() and KEY not in repr(error.params).lower()
    assert error.params == {}


@pytest.mark.parametrize("text", ["hello", "T123", "A" + GOOD[1:], GOOD + "1", "41" + "0" * 40])
def test_other_garbage(text):
    assert _code(text).code == "address_format"


def test_forms_round_trip():
    raw = body(GOOD)
    assert len(raw) == 20
    assert from_body(raw) == GOOD
    assert hex41(GOOD) == "41" + raw.hex()
