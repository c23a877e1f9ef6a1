"""Access and step-up tokens: JWTs (PyJWT, HS256) signed with API_JWT_SECRET.

An access token (15 minutes) names the user; a step-up token (5 minutes, core's
``second_factor.STEP_UP_FOR``) says that user typed a right second-factor code at ``iat`` and is
what money-leaving calls ask for when the factor is on. Refresh tokens are not JWTs: they are
opaque and stored (core.accounts.sessions), so that they can be rotated and revoked.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from core.accounts.second_factor import STEP_UP_FOR
from core.config import Settings
from core.crypto import derive_key

ACCESS_FOR = timedelta(minutes=15)
ALGORITHM = "HS256"
_DEV_SECRET = "koxx-dev-api-key (sandbox only; set API_JWT_SECRET)"


class TokenInvalid(Exception):
    """Missing, forged, expired or of the wrong kind."""


@dataclass(frozen=True)
class Claims:
    user_id: int
    issued_at: datetime
    token_id: str


def signing_key(settings: Settings) -> bytes:
    secret = settings.api_jwt_secret.get_secret_value() if settings.api_jwt_secret else _DEV_SECRET
    return derive_key(secret, "api-jwt")


def _encode(settings: Settings, user_id: int, kind: str, lifetime: timedelta, now: datetime | None) -> str:
    now = now or datetime.now(UTC)
    claims = {"sub": str(user_id), "typ": kind, "iat": now, "exp": now + lifetime, "jti": secrets.token_hex(8)}
    return jwt.encode(claims, signing_key(settings), algorithm=ALGORITHM)


def access_token(settings: Settings, user_id: int, *, now: datetime | None = None) -> str:
    return _encode(settings, user_id, "access", ACCESS_FOR, now)


def step_up_token(settings: Settings, user_id: int, *, now: datetime | None = None) -> str:
    return _encode(settings, user_id, "step_up", STEP_UP_FOR, now)


def read(settings: Settings, token: str | None, kind: str) -> Claims:
    if not token:
        raise TokenInvalid("missing")
    try:
        claims: dict[str, Any] = jwt.decode(token, signing_key(settings), algorithms=[ALGORITHM],
                                            options={"require": ["sub", "exp", "iat", "typ", "jti"]})  # fmt: skip
    except jwt.PyJWTError as exc:
        raise TokenInvalid(type(exc).__name__) from None
    if claims["typ"] != kind or not str(claims["sub"]).isdigit():
        raise TokenInvalid("kind")
    return Claims(int(claims["sub"]), datetime.fromtimestamp(int(claims["iat"]), UTC), str(claims["jti"]))
