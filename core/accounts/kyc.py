"""Identity verification. Level 0: new. Level 1: the user shared their own phone number through
Telegram's contact button. Level 2: a moderator approved an identity document and a selfie.

Document photos are stored sealed in PostgreSQL (core.accounts.documents: shared by every server,
on no host's disk, in the backups), never only as Telegram file ids; only moderators read them
(``read_documents``). After a rejection they are deleted once the retention period has passed
(``purge_rejected``).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core import events, outbox
from core.accounts import documents
from core.accounts.models import KycRequest, KycStatus, VerifiedPhone
from core.errors import DomainError, Forbidden, NotFound
from core.users import User

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_REASON = 500
DOCUMENT, SELFIE = "document", "selfie"


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


async def _lock_user(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id, with_for_update=True, populate_existing=True)
    if user is None:
        raise NotFound(what="user")
    return user


# --- level 1: the phone ----------------------------------------------------------------------


def _clean_phone(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit())
    if not 6 <= len(digits) <= 20:
        raise DomainError("phone_invalid")
    return "+" + digits


async def verify_phone(session: AsyncSession, *, user_id: int, contact_user_id: int | None, phone: str) -> User:
    """The user shared a contact. Only their own counts: Telegram sets the contact's user_id
    to the sender's id when the contact button is used; someone else's card (or a typed number)
    has another id or none."""
    if contact_user_id != user_id:
        raise DomainError("contact_not_yours")
    number = _clean_phone(phone)
    user = await _lock_user(session, user_id)
    await session.execute(
        insert(VerifiedPhone)
        .values(user_id=user_id, phone=number)
        .on_conflict_do_update(index_elements=[VerifiedPhone.user_id], set_={"phone": number})
    )
    if user.kyc_level < 1:
        user.kyc_level = 1
    return user


async def phone_of(session: AsyncSession, user_id: int) -> str | None:
    return await session.scalar(select(VerifiedPhone.phone).where(VerifiedPhone.user_id == user_id))


# --- level 2: documents ----------------------------------------------------------------------


def _check_photo(data: bytes, what: str) -> None:
    if not data:
        raise DomainError("photo_missing", what=what)
    if len(data) > MAX_PHOTO_BYTES:
        raise DomainError("photo_too_large", what=what, max_bytes=MAX_PHOTO_BYTES)


async def submit_documents(
    session: AsyncSession, *, user_id: int, document: bytes, selfie: bytes, key: bytes
) -> KycRequest:
    """Store the two photos sealed with ``key`` (``documents.documents_key``) and queue them for a
    moderator (events.KycSubmitted to the admins). Level 1 first; one request waiting at a time."""
    _check_photo(document, DOCUMENT)
    _check_photo(selfie, SELFIE)
    user = await _lock_user(session, user_id)
    if user.kyc_level >= 2:
        raise DomainError("kyc_already_verified", level=user.kyc_level)
    if user.kyc_level < 1:
        raise DomainError("kyc_phone_first", level=user.kyc_level)
    waiting = await session.scalar(
        select(KycRequest.id).where(KycRequest.user_id == user_id, KycRequest.status == KycStatus.PENDING.value)
    )
    if waiting is not None:
        raise DomainError("kyc_pending", request_id=waiting)
    request = KycRequest(user_id=user_id, status=KycStatus.PENDING.value, storage_key=secrets.token_hex(16))
    session.add(request)
    await session.flush()
    await documents.store(session, key, request.id, {DOCUMENT: document, SELFIE: selfie})
    outbox.emit(session, events.KycSubmitted(request_id=request.id, user_id=user_id, name=user.display_name),
                [outbox.ADMINS])
    return request


async def latest_request(session: AsyncSession, user_id: int) -> KycRequest | None:
    return await session.scalar(
        select(KycRequest).where(KycRequest.user_id == user_id).order_by(KycRequest.id.desc()).limit(1)
    )


async def pending_requests(session: AsyncSession, *, limit: int = 10) -> Sequence[KycRequest]:
    """Requests waiting for a moderator, oldest first."""
    rows = await session.scalars(
        select(KycRequest)
        .where(KycRequest.status == KycStatus.PENDING.value)
        .order_by(KycRequest.id)
        .limit(limit)
    )
    return rows.all()


@dataclass(frozen=True)
class Documents:
    request: KycRequest
    user: User
    document: bytes
    selfie: bytes


async def read_documents(session: AsyncSession, *, request_id: int, key: bytes) -> Documents:
    """The photos of a request, for a moderator's eyes only (the admin bot checks staff)."""
    request = await session.get(KycRequest, request_id)
    if request is None:
        raise NotFound(what="kyc_request")
    if request.files_deleted_at is not None:
        raise DomainError("kyc_files_deleted", request_id=request_id)
    user = await session.get(User, request.user_id)
    assert user is not None
    photos = await documents.load(session, key, request_id)
    if set(photos) != {DOCUMENT, SELFIE}:
        raise DomainError("kyc_files_deleted", request_id=request_id)
    return Documents(request, user, photos[DOCUMENT], photos[SELFIE])


async def _lock_pending(session: AsyncSession, request_id: int, moderator_id: int) -> KycRequest:
    request = await session.get(KycRequest, request_id, with_for_update=True, populate_existing=True)
    if request is None:
        raise NotFound(what="kyc_request")
    if request.status != KycStatus.PENDING.value:
        raise DomainError(
            "kyc_already_reviewed", request_id=request_id, status=request.status, reviewed_by=request.reviewed_by
        )
    if request.user_id == moderator_id:
        raise Forbidden(reason="own_request")
    return request


async def approve(
    session: AsyncSession,
    *,
    request_id: int,
    moderator_id: int,
    verified_name: str | None = None,
    now: datetime | None = None,
) -> KycRequest:
    """Level 2 for the user; they are told (events.KycApproved). A second decision on the
    same request (two moderators at once) raises kyc_already_reviewed and changes nothing.
    ``verified_name``: the name on the document, which payers' account holders are compared with."""
    request = await _lock_pending(session, request_id, moderator_id)
    user = await _lock_user(session, request.user_id)
    request.status = KycStatus.APPROVED.value
    request.reviewed_by = moderator_id
    request.reviewed_at = _now(now)
    user.kyc_level = max(user.kyc_level, 2)
    if verified_name and verified_name.strip():
        user.verified_name = " ".join(verified_name.split())[:128]
    outbox.emit(session, events.KycApproved(request_id=request.id, level=user.kyc_level),
                [outbox.user(user.id)])
    await session.flush()
    return request


async def reject(
    session: AsyncSession, *, request_id: int, moderator_id: int, reason: str, now: datetime | None = None
) -> KycRequest:
    """Refuse with a reason the user reads (events.KycRejected); they may submit again."""
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON:
        raise DomainError("kyc_reason_invalid", max_length=MAX_REASON)
    request = await _lock_pending(session, request_id, moderator_id)
    request.status = KycStatus.REJECTED.value
    request.reviewed_by = moderator_id
    request.reviewed_at = _now(now)
    request.reason = reason
    outbox.emit(session, events.KycRejected(request_id=request.id, reason=reason),
                [outbox.user(request.user_id)])
    await session.flush()
    return request


# --- retention -------------------------------------------------------------------------------


async def purge_rejected(
    session: AsyncSession, *, retention_days: int, now: datetime | None = None, limit: int = 100
) -> list[int]:
    """Delete the photos of requests rejected more than ``retention_days`` ago. Returns the
    request ids purged."""
    now = _now(now)
    rows = await session.scalars(
        select(KycRequest)
        .where(
            KycRequest.status == KycStatus.REJECTED.value,
            KycRequest.files_deleted_at.is_(None),
            KycRequest.reviewed_at <= now - timedelta(days=retention_days),
        )
        .order_by(KycRequest.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    purged = []
    for request in rows.all():
        await documents.remove(session, request.id)
        request.files_deleted_at = now
        purged.append(request.id)
    await session.flush()
    return purged
