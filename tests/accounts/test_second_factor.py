"""The second factor in core, on PostgreSQL: enrolment, single use, drift, the lock-out (which
survives the caller's rollback), recovery codes, switching off with a cooling-off, and the rule
applied by every service that sends coins away (nothing moves on a refusal)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.accounts import second_factor as sf
from core.accounts.models import SecondFactor
from core.config import load_settings
from core.crypto import derive_key, unseal
from core.errors import DomainError
from core.money import MICRO, Asset
from core.wallet import transfers, whitelist, withdrawals
from core.wallet.config import WalletConfig
from core.wallet.hd import DEV_MNEMONIC, xpub_from_mnemonic
from tests.accounts.conftest import Bench

KEY = derive_key("test", "totp")
DEST = "TY72iA3SBtrds3QLYsS7LwYfkzXwAXCRWT"


def code(secret: str, at: datetime, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(at + timedelta(seconds=30 * steps))


async def enrolled(bench: Bench, user_id: int, at: datetime) -> tuple[str, list[str]]:
    """The factor switched on for ``user_id`` a minute before ``at``; its secret and recovery codes."""
    earlier = at - timedelta(minutes=1)
    async with bench.tx() as s:
        enrolment = await sf.begin(s, KEY, user_id, f"u{user_id}", now=earlier)
    async with bench.tx() as s:
        recovery = await sf.confirm(s, KEY, user_id, code(enrolment.secret, earlier), now=earlier)
    return enrolment.secret, recovery


async def refused(factory: async_sessionmaker[AsyncSession], user_id: int, text: str | None,
                  at: datetime) -> DomainError:  # fmt: skip
    with pytest.raises(DomainError) as caught:
        async with factory() as s, s.begin():
            await sf.require(s, user_id, sf.Proof(text, KEY), now=at)
    return caught.value


async def accepted(factory: async_sessionmaker[AsyncSession], user_id: int, text: str, at: datetime) -> None:
    async with factory() as s, s.begin():
        await sf.require(s, user_id, sf.Proof(text, KEY), now=at)


async def test_enrolment_needs_a_right_first_code_and_seals_the_secret(bench: Bench) -> None:
    uid = await bench.user()
    now = datetime.now(UTC)
    async with bench.tx() as s:
        enrolment = await sf.begin(s, KEY, uid, "Layla", now=now)
    assert enrolment.uri.startswith("otpauth://totp/KOXX%20P2P:Layla?secret=") and "issuer=KOXX%20P2P" in enrolment.uri
    async with bench.factory() as s:
        row = await s.get(SecondFactor, uid)
        assert row is not None and enrolment.secret not in row.secret
        assert unseal(KEY, row.secret, aad=str(uid).encode()).decode() == enrolment.secret
        assert not await sf.is_on(s, uid)
    wrong = "000000" if code(enrolment.secret, now) != "000000" else "111111"
    with pytest.raises(DomainError) as err:
        async with bench.tx() as s:
            await sf.confirm(s, KEY, uid, wrong, now=now)
    assert err.value.code == "second_factor_wrong"
    async with bench.tx() as s:
        recovery = await sf.confirm(s, KEY, uid, code(enrolment.secret, now), now=now)
    assert len(recovery) == 10 and len(set(recovery)) == 10
    async with bench.factory() as s:
        assert await sf.is_on(s, uid)
        assert (await sf.status(s, uid)).recovery_left == 10


async def test_single_use_drift_and_lock_out_that_survives_the_rollback(bench: Bench) -> None:
    uid = await bench.user()
    now = datetime.now(UTC)
    secret, _ = await enrolled(bench, uid, now)
    f = bench.factory
    assert (await refused(f, uid, None, now)).code == "second_factor_required"
    assert (await refused(f, uid, "12ab56", now)).code == "second_factor_format"
    await accepted(f, uid, code(secret, now, -1), now)  # one step late: accepted
    assert (await refused(f, uid, code(secret, now, -1), now)).code == "second_factor_used"
    await accepted(f, uid, code(secret, now), now)
    assert (await refused(f, uid, code(secret, now), now)).code == "second_factor_used"
    assert (await refused(f, uid, code(secret, now, -3), now)).code == "second_factor_wrong"  # too old

    # Five wrong in a row (the one above counts): locked, and a right code is refused too.
    for left in (3, 2, 1):
        err = await refused(f, uid, "000000" if code(secret, now, 1) != "000000" else "111111", now)
        assert (err.code, err.params["left"]) == ("second_factor_wrong", left)
    locked = await refused(f, uid, "999999" if code(secret, now, 1) != "999999" else "888888", now)
    assert locked.code == "second_factor_locked"
    until = datetime.fromisoformat(str(locked.params["until"]))
    assert timedelta(minutes=14) < until - now <= timedelta(minutes=15)
    assert (await refused(f, uid, code(secret, now, 1), now)).code == "second_factor_locked"
    later = now + timedelta(minutes=16)
    await accepted(f, uid, code(secret, later), later)


async def test_recovery_codes_work_once(bench: Bench) -> None:
    uid = await bench.user()
    now = datetime.now(UTC)
    _, recovery = await enrolled(bench, uid, now)
    await accepted(bench.factory, uid, recovery[0].upper(), now)
    assert (await refused(bench.factory, uid, recovery[0], now)).code == "second_factor_wrong"
    await accepted(bench.factory, uid, recovery[1].replace("-", ""), now)
    async with bench.factory() as s:
        assert (await sf.status(s, uid, now=now)).recovery_left == 8


async def test_switching_off_takes_a_code_and_the_cooling_off(bench: Bench) -> None:
    uid = await bench.user()
    now = datetime.now(UTC)
    secret, _ = await enrolled(bench, uid, now)
    with pytest.raises(DomainError) as err:
        async with bench.tx() as s:
            await sf.request_off(s, uid, sf.Proof(None, KEY), now=now)
    assert err.value.code == "second_factor_required"
    async with bench.tx() as s:
        off_at = await sf.request_off(s, uid, sf.Proof(code(secret, now), KEY), now=now)
    assert off_at == now + timedelta(hours=24)
    async with bench.factory() as s:
        assert await sf.is_on(s, uid, now=now + timedelta(hours=23))  # still asked meanwhile
        assert not await sf.is_on(s, uid, now=now + timedelta(hours=25))
    async with bench.tx() as s:
        await sf.cancel_off(s, uid, now=now)
    async with bench.factory() as s:
        assert await sf.is_on(s, uid, now=now + timedelta(hours=25))


def _config() -> WalletConfig:
    return WalletConfig(xpub=xpub_from_mnemonic(DEV_MNEMONIC), usdt_contract="TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t")


async def test_every_way_out_asks_for_the_code_and_moves_nothing_without_it(bench: Bench) -> None:
    uid, other = await bench.user(level=1), await bench.user()
    await bench.fund(uid, 100 * MICRO)
    now = datetime.now(UTC)
    secret, recovery = await enrolled(bench, uid, now)
    config = _config()
    calls: dict[str, Any] = {
        "withdrawal": lambda s, p: withdrawals.request_withdrawal(
            s, config, user_id=uid, address=DEST, asset=Asset.USDT, amount=10 * MICRO, proof=p),
        "transfer": lambda s, p: transfers.send(
            s, sender_id=uid, recipient_id=other, asset=Asset.USDT, amount=5 * MICRO, token="tok12345", proof=p),
        "address": lambda s, p: withdrawals.add_to_whitelist(s, config, uid, DEST, proof=p),
        "recipient": lambda s, p: whitelist.add_recipient(s, config, uid, other, proof=p),
    }  # fmt: skip
    for name, call in calls.items():
        for proof in (None, sf.Proof(None, KEY), sf.Proof("000000" if code(secret, now) != "000000" else "1" * 6, KEY)):
            with pytest.raises(DomainError) as err:
                async with bench.tx() as s:
                    await call(s, proof)
            assert err.value.code in ("second_factor_required", "second_factor_wrong"), name
        assert await bench.available(uid) == 100 * MICRO, name
    async with bench.tx() as s:  # a recovery code resets the count of wrong ones
        await calls["withdrawal"](s, sf.Proof(recovery[0], KEY))
    assert await bench.available(uid) == 88 * MICRO
    async with bench.tx() as s:
        await calls["transfer"](s, sf.Proof(code(secret, datetime.now(UTC)), KEY))
    assert await bench.available(uid) == 83 * MICRO
    async with bench.tx() as s:
        await calls["address"](s, sf.Proof(recovery[1], KEY))
        await calls["recipient"](s, sf.Proof(recovery[2], KEY))

    # «Saved addresses only» on is free; off needs a code.
    async with bench.tx() as s:
        await withdrawals.set_whitelist_only(s, config, uid, True)
    with pytest.raises(DomainError):
        async with bench.tx() as s:
            await withdrawals.set_whitelist_only(s, config, uid, False)
    async with bench.tx() as s:
        prefs = await withdrawals.set_whitelist_only(s, config, uid, False, proof=sf.Proof(recovery[3], KEY))
        assert prefs.whitelist_off_at is not None


def test_the_key_comes_from_totp_key() -> None:
    assert sf.service_key(load_settings(totp_key="a secret")) == derive_key("a secret", "totp")
    assert sf.service_key(load_settings(totp_key="a secret")) != sf.service_key(load_settings())


@pytest.mark.parametrize("text", ["", " ", "x" * 33, "see https://evil.example", "t.me/koxx", "go to koxx.com", "@koxx"])
def test_a_phrase_is_short_and_has_no_links(text: str) -> None:
    with pytest.raises(DomainError):
        sf.clean_phrase(text)


def test_a_phrase_may_be_arabic() -> None:
    assert sf.clean_phrase("  قطتي  الصغيرة ") == "قطتي الصغيرة"


async def test_one_code_used_twice_at_once_works_once(bench: Bench) -> None:
    """Two requests with the same code at the same moment: the factor's row lock lets one win."""
    import asyncio

    uid = await bench.user()
    now = datetime.now(UTC)
    secret, _ = await enrolled(bench, uid, now)
    same = code(secret, now)

    async def attempt() -> str:
        try:
            await accepted(bench.factory, uid, same, now)
        except DomainError as err:
            return err.code
        return "ok"

    outcomes = sorted(await asyncio.gather(*(attempt() for _ in range(4))))
    assert outcomes == ["ok", "second_factor_used", "second_factor_used", "second_factor_used"]
