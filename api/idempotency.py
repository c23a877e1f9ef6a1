"""Idempotency-Key for the calls that move money: the first request with a key runs and its answer
is stored in the same transaction as what it did; the same key again (a retry after a timeout, a
double tap) gets that answer back without doing anything. Two at once: the second waits on the
key's row until the first commits, then reads its answer. A key reused for a different request is
refused. A refused request stores nothing (its transaction rolls back), so it may be retried."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, String, select
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.orm import Mapped, mapped_column

from api.problems import Problem
from api.routing import Call
from core.db import Base, created_at_column

HEADER = "Idempotency-Key"
MAX_KEY = 128


class IdempotencyKey(Base):
    __tablename__ = "api_idempotency_keys"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(MAX_KEY), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[Any] = mapped_column(JSONB)
    created_at: Mapped[datetime] = created_at_column()


def _fingerprint(call: Call) -> str:
    what = {"path": call.request.path, "method": call.request.method, "body": call._body}
    return hashlib.sha256(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()


async def claim(call: Call) -> Any | None:
    """Reserve the request's key; the stored answer when the key was used before (None: go on)."""
    key = call.request.headers.get(HEADER, "").strip()
    if not key or len(key) > MAX_KEY:
        raise Problem(422, "idempotency_key_required")
    fingerprint = _fingerprint(call)
    inserted = await call.session.execute(
        insert(IdempotencyKey)
        .values(user_id=call.user_id, key=key, request_hash=fingerprint)
        .on_conflict_do_nothing()
        .returning(IdempotencyKey.key)
    )
    if inserted.first() is not None:
        call.idempotency_key = key
        return None
    row = (await call.session.execute(
        select(IdempotencyKey).where(IdempotencyKey.user_id == call.user_id, IdempotencyKey.key == key)
        .execution_options(populate_existing=True))).scalar_one()  # fmt: skip
    if row.request_hash != fingerprint:
        raise Problem(409, "idempotency_key_reused")
    return row.body


async def remember(call: Call, answer: Any) -> Any:
    """Store ``answer`` under the claimed key (in the request's transaction) and return it."""
    row = await call.session.get(IdempotencyKey, (call.user_id, call.idempotency_key))
    assert row is not None
    row.status, row.body = 200, answer
    return answer
