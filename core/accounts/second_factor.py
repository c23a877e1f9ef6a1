"""A second factor for money leaving: one-time codes (TOTP, RFC 6238: 30 s, 6 digits) from an
authenticator app, and ten single-use recovery codes.

With the factor on, every withdrawal, every new saved address, switching «saved addresses only»
off and every internal transfer need a code; so does an admin's approval of a withdrawal past the
two-admin threshold. The services that own those actions take a ``Proof`` (what the person typed
and the service key) and call ``require`` in their own transaction: the rule is here, not in
the handlers.

Verification:
- a code is accepted for its time step and one step either side (clock drift), and only once:
  the last step used is remembered, a code of that step or an earlier one is refused;
- a recovery code works instead of a code, once (only its hash is stored);
- five wrong codes in a row lock the factor for fifteen minutes; while locked even a right code
  is refused, and the refusal says until when.
The attempt is recorded in a transaction of its own (``_attempt``): the caller's transaction
rolls back when the code is wrong, and the count of wrong codes must survive that. A code used
for an action that then fails (not enough balance, say) stays used.

Switching the factor off takes a code and the whitelist's cooling-off (24 hours): a request,
after which it is off by itself (checked when read), cancellable meanwhile, so that someone who
took over the account cannot simply switch it off and withdraw.

The secret is sealed with the service key (TOTP_KEY; in the sandbox a dev key derived here) and
bound to the user id, so a sealed secret copied to another row does not open.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pyotp
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from core.accounts.models import AntiPhishingCode, RecoveryCode, SecondFactor
from core.config import Settings
from core.crypto import derive_key, seal, unseal
from core.errors import DomainError

ISSUER = "KOXX P2P"
STEP_SECONDS = 30
DIGITS = 6
DRIFT_STEPS = 1
MAX_FAILURES = 5
LOCK_FOR = timedelta(minutes=15)
RECOVERY_CODES = 10
STEP_UP_FOR = timedelta(minutes=5)  # a code checked by ``verify`` stands in for one this long
OFF_COOLING = timedelta(hours=24)  # the whitelist's cooling-off (core.wallet.config.whitelist_cooling)
MAX_PHRASE = 32
_DEV_SECRET = "koxx-dev-totp-key (sandbox only; set TOTP_KEY)"
_CODE = re.compile(r"^\d{6}$")
_RECOVERY = re.compile(r"^[a-z2-7]{4}-?[a-z2-7]{4}$")
_LINK = re.compile(r"(https?://|www\.|t\.me/|tg://|\b[\w-]+\.(com|net|org|io|me|ru|info|xyz|app|link)\b|@\w)",
                   re.IGNORECASE)  # fmt: skip
_CONTROL = re.compile(r"[\x00-\x1f\x7f<>]")


def service_key(settings: Settings) -> bytes:
    """The key sealing the secrets: from TOTP_KEY, or a dev key in code (webhook.check_settings
    refuses to serve real users without TOTP_KEY)."""
    secret = settings.totp_key.get_secret_value() if settings.totp_key else _DEV_SECRET
    return derive_key(secret, "totp")


@dataclass(frozen=True)
class Proof:
    """What the person typed as their code (a one-time code or a recovery code; None: nothing
    asked yet) and the key that opens their secret."""

    code: str | None
    key: bytes
    # When the person typed a right code moments before, for this action (the API's step-up
    # token, issued by ``verify``): counts for STEP_UP_FOR instead of a code.
    verified_at: datetime | None = None


@dataclass(frozen=True)
class Enrolment:
    secret: str  # base32, for typing into the app
    uri: str  # otpauth://, for the QR code


@dataclass(frozen=True)
class Status:
    enabled: bool
    off_at: datetime | None  # switching off takes effect then
    locked_until: datetime | None
    recovery_left: int


def _now() -> datetime:
    return datetime.now(UTC)


def _step(at: datetime) -> int:
    return int(at.timestamp()) // STEP_SECONDS


def _active(row: SecondFactor | None, now: datetime) -> bool:
    return row is not None and row.enabled_at is not None and (row.off_at is None or row.off_at > now)


def _secret(row: SecondFactor, key: bytes) -> str:
    return unseal(key, row.secret, aad=str(row.user_id).encode()).decode()


def _hash(user_id: int, code: str) -> str:
    return hashlib.sha256(f"koxx-recovery:{user_id}:{code.replace('-', '')}".encode()).hexdigest()


def clean_code(text: str | None) -> str:
    """A typed code as core compares it: no spaces, lower case (recovery codes). Digits must be
    Latin already (the bots normalise Arabic-Indic digits). DomainError second_factor_format."""
    code = "".join((text or "").split()).lower()
    if not (_CODE.match(code) or _RECOVERY.match(code)):
        raise DomainError("second_factor_format")
    return code


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = _step(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


async def factor(session: AsyncSession, user_id: int) -> SecondFactor | None:
    return await session.get(SecondFactor, user_id, populate_existing=True)


async def is_on(session: AsyncSession, user_id: int, *, now: datetime | None = None) -> bool:
    """Whether actions of this user need a code now (also while switching off cools off)."""
    return _active(await factor(session, user_id), now or _now())


async def status(session: AsyncSession, user_id: int, *, now: datetime | None = None) -> Status:
    now = now or _now()
    row = await factor(session, user_id)
    if not _active(row, now):
        return Status(False, None, None, 0)
    assert row is not None
    count = await session.scalar(
        select(func.count()).select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
    )  # fmt: skip
    locked = row.locked_until if row.locked_until and row.locked_until > now else None
    return Status(True, row.off_at, locked, int(count or 0))


# --- enrolment ------------------------------------------------------------------------------------


async def begin(session: AsyncSession, key: bytes, user_id: int, name: str, *,
                now: datetime | None = None) -> Enrolment:  # fmt: skip
    """A new secret for the user's app (not on until ``confirm`` gets a right first code).
    DomainError second_factor_already_on when it is on."""
    now = now or _now()
    row = await session.get(SecondFactor, user_id, with_for_update=True, populate_existing=True)
    if _active(row, now):
        raise DomainError("second_factor_already_on")
    secret = pyotp.random_base32()
    sealed = seal(key, secret.encode(), aad=str(user_id).encode())
    if row is None:
        session.add(SecondFactor(user_id=user_id, secret=sealed, failures=0))
    else:  # a pending enrolment, or one switched off: start over
        row.secret, row.enabled_at, row.last_step, row.failures = sealed, None, None, 0
        row.locked_until, row.off_at = None, None
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    await session.flush()
    uri = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(name=name, issuer_name=ISSUER)
    return Enrolment(secret, uri)


def _recovery_code() -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    raw = "".join(secrets.choice(alphabet) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


async def confirm(session: AsyncSession, key: bytes, user_id: int, code: str | None, *,
                  now: datetime | None = None) -> list[str]:  # fmt: skip
    """The first code from the app: right, the factor is on and the ten recovery codes are
    returned (the only time they exist in clear). DomainError second_factor_not_started,
    second_factor_already_on, second_factor_format, second_factor_wrong."""
    now = now or _now()
    row = await session.get(SecondFactor, user_id, with_for_update=True, populate_existing=True)
    if row is None:
        raise DomainError("second_factor_not_started")
    if _active(row, now):
        raise DomainError("second_factor_already_on")
    if row.enabled_at is not None:  # switched off since: a new enrolment must begin first
        raise DomainError("second_factor_not_started")
    text = clean_code(code)
    step = _matching_step(_secret(row, key), text, now) if _CODE.match(text) else None
    if step is None:
        raise DomainError("second_factor_wrong", left=MAX_FAILURES)
    row.enabled_at, row.last_step, row.failures, row.locked_until = now, step, 0, None
    codes = [_recovery_code() for _ in range(RECOVERY_CODES)]
    session.add_all(RecoveryCode(user_id=user_id, code_hash=_hash(user_id, c)) for c in codes)
    await session.flush()
    return codes


# --- verification ---------------------------------------------------------------------------------


async def require(session: AsyncSession, user_id: int, proof: Proof | None, *, now: datetime | None = None) -> None:
    """Nothing when the user's factor is off; else the proof must hold a right, unused code.
    DomainError second_factor_required (no code), second_factor_format, second_factor_locked
    (until), second_factor_used, second_factor_wrong (left: tries before the lock)."""
    now = now or _now()
    row = await factor(session, user_id)
    if not _active(row, now):
        return
    if proof is not None and proof.verified_at is not None and timedelta(0) <= now - proof.verified_at <= STEP_UP_FOR:
        return
    if proof is None or proof.code is None:
        raise DomainError("second_factor_required")
    code = clean_code(proof.code)
    outcome = await _attempt(session, user_id, code, proof.key, now)
    if outcome is not None:
        raise outcome


async def verify(session: AsyncSession, user_id: int, proof: Proof, *, now: datetime | None = None) -> datetime:
    """Check a code ahead of the action it is for (the API's step-up): uses it up as ``require``
    does and returns when it was checked (``Proof.verified_at`` of the action). DomainError
    second_factor_off when the user has no factor on, else what ``require`` raises."""
    now = now or _now()
    if not await is_on(session, user_id, now=now):
        raise DomainError("second_factor_off")
    await require(session, user_id, replace(proof, verified_at=None), now=now)
    return now


async def _attempt(session: AsyncSession, user_id: int, code: str, key: bytes, now: datetime) -> DomainError | None:
    """Check ``code`` and record the attempt in a transaction of its own (committed even when the
    caller's rolls back), under a lock on the factor's row: two uses of one code at once, one wins."""
    bind = session.bind
    if isinstance(bind, AsyncEngine):
        async with AsyncSession(bind, expire_on_commit=False) as own, own.begin():
            return await _check(own, user_id, code, key, now)
    async with session.begin_nested():  # a session on a single connection (tests): the caller's transaction
        return await _check(session, user_id, code, key, now)


async def _check(session: AsyncSession, user_id: int, code: str, key: bytes, now: datetime) -> DomainError | None:
    row = await session.get(SecondFactor, user_id, with_for_update=True, populate_existing=True)
    if row is None or not _active(row, now):
        return None
    if row.locked_until is not None and row.locked_until > now:
        return DomainError("second_factor_locked", until=row.locked_until.isoformat())
    if _CODE.match(code):
        step = _matching_step(_secret(row, key), code, now)
        if step is not None and row.last_step is not None and step <= row.last_step:
            return DomainError("second_factor_used")
        if step is not None:
            row.last_step, row.failures, row.locked_until = step, 0, None
            return None
    else:
        used = await session.execute(
            update(RecoveryCode)
            .where(RecoveryCode.user_id == user_id, RecoveryCode.code_hash == _hash(user_id, code),
                   RecoveryCode.used_at.is_(None))
            .values(used_at=now)
            .returning(RecoveryCode.code_hash)
        )  # fmt: skip
        if used.first() is not None:
            row.failures, row.locked_until = 0, None
            return None
    row.failures += 1
    if row.failures >= MAX_FAILURES:
        row.failures, row.locked_until = 0, now + LOCK_FOR
        return DomainError("second_factor_locked", until=row.locked_until.isoformat())
    return DomainError("second_factor_wrong", left=MAX_FAILURES - row.failures)


# --- switching off --------------------------------------------------------------------------------


async def request_off(session: AsyncSession, user_id: int, proof: Proof | None, *, cooling: timedelta = OFF_COOLING,
                      now: datetime | None = None) -> datetime:  # fmt: skip
    """With a right code: the factor goes off after the cooling-off (returned); codes are still
    asked meanwhile. DomainError second_factor_off when it is not on."""
    now = now or _now()
    if not await is_on(session, user_id, now=now):
        raise DomainError("second_factor_off")
    await require(session, user_id, proof, now=now)
    row = await session.get(SecondFactor, user_id, with_for_update=True, populate_existing=True)
    assert row is not None
    if row.off_at is None:
        row.off_at = now + cooling
    await session.flush()
    return row.off_at


async def cancel_off(session: AsyncSession, user_id: int, *, now: datetime | None = None) -> None:
    """Keep the factor on (a pending switch-off is dropped). No code needed: it only protects more."""
    now = now or _now()
    row = await session.get(SecondFactor, user_id, with_for_update=True, populate_existing=True)
    if not _active(row, now):
        raise DomainError("second_factor_off")
    assert row is not None
    row.off_at = None
    await session.flush()


# --- the anti-phishing phrase ---------------------------------------------------------------------


def clean_phrase(text: str | None) -> str:
    """1-32 characters, no links, no markup. DomainError phrase_length or phrase_link."""
    phrase = " ".join(_CONTROL.sub(" ", text or "").split())
    if not 1 <= len(phrase) <= MAX_PHRASE:
        raise DomainError("phrase_length", max_length=MAX_PHRASE)
    if _LINK.search(phrase):
        raise DomainError("phrase_link")
    return phrase


async def set_phrase(session: AsyncSession, user_id: int, text: str | None) -> str:
    phrase = clean_phrase(text)
    row = await session.get(AntiPhishingCode, user_id, with_for_update=True)
    if row is None:
        session.add(AntiPhishingCode(user_id=user_id, phrase=phrase))
    else:
        row.phrase, row.updated_at = phrase, _now()
    await session.flush()
    return phrase


async def clear_phrase(session: AsyncSession, user_id: int) -> None:
    await session.execute(delete(AntiPhishingCode).where(AntiPhishingCode.user_id == user_id))


async def phrase_of(session: AsyncSession, user_id: int) -> str | None:
    return await session.scalar(select(AntiPhishingCode.phrase).where(AntiPhishingCode.user_id == user_id))
