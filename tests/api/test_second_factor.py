"""Turning the second factor on and off through the API, as the bot's /security does: a secret
(QR code and text, shown only to its owner and never stored by a cache), a wrong first code
refused, the recovery codes answered once; then a withdrawal needs the step-up token, and turning
it off needs a code and waits out the cooling-off (cancellable).

The factor's clock starts four minutes back and moves a minute before each code, so that each
code is of a new time step (a code works once) and the step-up token is still fresh."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime, timedelta
from typing import Any

import pyotp
import pytest
from tronpy.keys import PrivateKey

from core.accounts import second_factor
from core.money import MICRO
from tests import secrets_guard
from tests.api.conftest import available, fund
from tests.e2e.harness import Market
from tests.wallet_bot.test_second_factor import Clock, wrong

ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock(monkeypatch)
    clock.tick(-4)
    return clock


async def test_enrol_then_withdraw_with_step_up_then_turn_off(market: Market, clients: Any, clock: Clock) -> None:
    api = await clients("Guarded")
    await fund(market.session_factory, api.user.id, 100)
    status, begun = await api.call("POST", "/users/second-factor")
    assert status == 200, begun
    secret = begun["secret"]
    secrets_guard.register("the API test's TOTP secret", secret)
    assert api.headers["Cache-Control"] == "no-store"
    assert begun["uri"].startswith("otpauth://totp/KOXX%20P2P:") and f"secret={secret}" in begun["uri"]
    assert base64.b64decode(begun["qr"].removeprefix("data:image/png;base64,")).startswith(b"\x89PNG")

    status, problem = await api.call("POST", "/users/second-factor/confirm", json={"code": wrong(secret, clock)})
    assert status == 422 and problem["code"] == "second_factor_wrong"
    status, problem = await api.call("POST", "/users/second-factor/confirm", json={})
    assert status == 422 and problem["code"] == "field_required"
    assert (await api.call("GET", "/users/profile"))[1]["second_factor"] is False

    clock.tick()
    code = pyotp.TOTP(secret).at(clock.now()).translate(ARABIC_DIGITS)  # typed in Arabic-Indic digits
    status, on = await api.call("POST", "/users/second-factor/confirm", json={"code": code})
    assert status == 200, on
    codes = on["recovery_codes"]
    secrets_guard.register("the API test's recovery codes", *codes)
    assert len(set(codes)) == 10 and api.headers["Cache-Control"] == "no-store"
    # Shown once: neither a second confirmation nor a new enrolment answers a secret or codes.
    status, again = await api.call("POST", "/users/second-factor/confirm", json={"code": code})
    assert status == 409 and again["code"] == "second_factor_already_on" and "recovery_codes" not in again
    status, again = await api.call("POST", "/users/second-factor")
    assert status == 409 and again["code"] == "second_factor_already_on" and "secret" not in again
    status, profile = await api.call("GET", "/users/profile")
    assert profile["second_factor"] is True and profile["second_factor_off_at"] is None

    # A withdrawal now needs the step-up token.
    body = {"asset": "USDT", "address": PrivateKey.random().public_key.to_base58check_address(), "amount": "10"}
    status, problem = await api.call("POST", "/wallet/withdraw", json=body, key=uuid.uuid4().hex)
    assert status == 403 and problem["code"] == "step_up_required"
    assert await available(market.session_factory, api.user.id) == 100 * MICRO
    clock.tick()
    status, step = await api.call("POST", "/auth/verify-otp", json={"code": pyotp.TOTP(secret).at(clock.now())})
    assert status == 200, step
    status, done = await api.call("POST", "/wallet/withdraw", json=body, key=uuid.uuid4().hex,
                                  headers={"X-Step-Up": step["step_up_token"]})  # fmt: skip
    assert status == 200 and done["amount"] == "10"

    # Turning it off takes a code, then the cooling-off; until then codes are still asked.
    status, problem = await api.call("DELETE", "/users/second-factor", json={"code": wrong(secret, clock)})
    assert status == 422 and problem["code"] == "second_factor_wrong"
    clock.tick()
    status, off = await api.call("DELETE", "/users/second-factor", json={"code": pyotp.TOTP(secret).at(clock.now())})
    assert status == 200 and off["second_factor"] is True, off
    off_at = datetime.fromisoformat(off["off_at"])
    assert abs(off_at - (clock.now() + second_factor.OFF_COOLING)) < timedelta(minutes=1)
    status, profile = await api.call("GET", "/users/profile")
    assert profile["second_factor"] is True and profile["second_factor_off_at"] == off["off_at"]
    status, problem = await api.call("POST", "/wallet/withdraw", json=body, key=uuid.uuid4().hex)
    assert status == 403 and problem["code"] == "step_up_required"
    status, kept = await api.call("POST", "/users/second-factor/keep")
    assert status == 200 and kept == {"second_factor": True, "off_at": None}
    assert (await api.call("GET", "/users/profile"))[1]["second_factor_off_at"] is None
    # Past the cooling-off of a new request it is off, and a withdrawal needs nothing more.
    clock.tick()
    status, off = await api.call("DELETE", "/users/second-factor", json={"code": codes[0]})  # a recovery code
    assert status == 200, off
    clock.offset += second_factor.OFF_COOLING
    assert (await api.call("GET", "/users/profile"))[1]["second_factor"] is False
    status, done = await api.call("POST", "/wallet/withdraw", json=body, key=uuid.uuid4().hex)
    assert status == 200 and done["amount"] == "10"
