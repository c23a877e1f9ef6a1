"""The wallet through the API: the deposit address and its QR code, history, and withdrawals with
an Idempotency-Key and, with the second factor on, a step-up token that works once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
from sqlalchemy import func, select
from tronpy.keys import PrivateKey

from core.accounts import second_factor as sf
from core.db import transaction
from core.money import MICRO
from core.wallet.models import Withdrawal
from tests.api.conftest import available, fund
from tests.e2e.harness import Market

DEST = PrivateKey.random().public_key.to_base58check_address()  # nobody's here


async def _withdrawals(market: Market, user_id: int) -> int:
    async with market.session_factory() as s:
        return int(await s.scalar(select(func.count()).select_from(Withdrawal).where(Withdrawal.user_id == user_id)) or 0)


async def test_deposit_address_qr_and_history(market: Market, clients: Any) -> None:
    api = await clients("Wallet1")
    status, first = await api.call("GET", "/wallet/deposit-address")
    assert status == 200 and first["address"].startswith("T") and len(first["address"]) == 34
    assert (await api.call("GET", "/wallet/deposit-address"))[1]["address"] == first["address"]
    status, png = await api.call("GET", "/wallet/deposit-address/qr", raw=True)
    assert status == 200 and png.startswith(b"\x89PNG")
    await fund(market.session_factory, api.user.id, 40)
    status, history = await api.call("GET", "/wallet/transactions")
    assert [(line["kind"], line["amount"]) for line in history["items"]] == [("deposit", "40")]


async def test_withdraw_once_per_key_and_bad_amounts_move_nothing(market: Market, clients: Any) -> None:
    api = await clients("Wallet2")
    await fund(market.session_factory, api.user.id, 50)
    body = {"asset": "USDT", "address": DEST, "amount": "٢٠٫٥"}  # 20.5 in Arabic-Indic digits
    for bad, code in (({"amount": 20.5}, "number_not_text"), ({"amount": "-20"}, "amount_negative"),
                      ({"amount": "9" * 20}, "amount_too_large"), ({"amount": "1"}, "amount_too_small"),
                      ({"amount": "60"}, "insufficient_funds"), ({"address": "TNotAnAddress"}, "address_format")):
        status, problem = await api.call("POST", "/wallet/withdraw", json=body | bad, key=uuid.uuid4().hex)
        assert status in (409, 422) and problem["code"] == code, (bad, problem)
    assert await available(market.session_factory, api.user.id) == 50 * MICRO
    key = uuid.uuid4().hex
    status, first = await api.call("POST", "/wallet/withdraw", json=body, key=key)
    assert status == 200 and first["amount"] == "20.5" and first["fee"] == "2"
    assert await api.call("POST", "/wallet/withdraw", json=body, key=key) == (200, first)
    assert await _withdrawals(market, api.user.id) == 1
    assert await available(market.session_factory, api.user.id) == 50 * MICRO - 22_500_000


async def test_with_the_second_factor_on_a_withdrawal_needs_a_step_up_token_once(market: Market, clients: Any) -> None:
    api = await clients("Wallet3")
    await fund(market.session_factory, api.user.id, 100)
    key = sf.service_key(market.runtime.settings)
    earlier = datetime.now(UTC) - timedelta(minutes=2)
    async with transaction(market.session_factory) as s:
        enrolment = await sf.begin(s, key, api.user.id, "w3", now=earlier)
    async with transaction(market.session_factory) as s:
        await sf.confirm(s, key, api.user.id, pyotp.TOTP(enrolment.secret).at(earlier), now=earlier)
    body = {"asset": "USDT", "address": DEST, "amount": "10"}
    status, problem = await api.call("POST", "/wallet/withdraw", json=body, key=uuid.uuid4().hex)
    assert status == 403 and problem["code"] == "step_up_required"
    status, problem = await api.call("POST", "/auth/verify-otp", json={"code": "000000"})
    assert status in (403, 422) and problem["code"] == "second_factor_wrong"
    status, step = await api.call("POST", "/auth/verify-otp", json={"code": pyotp.TOTP(enrolment.secret).now()})
    assert status == 200 and step["expires_in"] == 300
    header = {"X-Step-Up": step["step_up_token"]}
    status, done = await api.call("POST", "/wallet/withdraw", json=body, key=uuid.uuid4().hex, headers=header)
    assert status == 200 and done["amount"] == "10"
    status, problem = await api.call("POST", "/wallet/withdraw", json=body, key=uuid.uuid4().hex, headers=header)
    assert status == 403 and problem["code"] == "step_up_required"  # a step-up token works once
    assert await _withdrawals(market, api.user.id) == 1
