"""What moderators do with identity verifications, each as one call: check the role
(core.admin.staff, Permission.KYC), act (core.accounts.kyc), write the audit row
(core.admin.audit) — all in the caller's transaction. The admin bot's KYC handlers call these
and nothing lower, so a forged button cannot skip the role check. Looking at someone's documents
is audited too."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from core.accounts import kyc
from core.accounts.documents import documents_key
from core.accounts.models import KycRequest
from core.admin import audit, staff
from core.admin.staff import Permission
from core.config import Settings


async def queue(session: AsyncSession, settings: Settings, *, actor_id: int, limit: int = 10) -> Sequence[KycRequest]:
    await staff.require(session, actor_id, Permission.KYC, settings)
    return await kyc.pending_requests(session, limit=limit)


async def documents(
    session: AsyncSession, settings: Settings, *, actor_id: int, request_id: int
) -> kyc.Documents:
    await staff.require(session, actor_id, Permission.KYC, settings)
    docs = await kyc.read_documents(session, request_id=request_id, key=documents_key(settings))
    await audit.record(session, actor_id=actor_id, action="kyc.view", target=f"kyc:{request_id}",
                       user_id=docs.user.id)
    return docs


async def approve(session: AsyncSession, settings: Settings, *, actor_id: int, request_id: int,
                  verified_name: str | None = None) -> KycRequest:  # fmt: skip
    """``verified_name``: the name the moderator read on the document (payers' accounts are
    compared with it, core.accounts.payment_accounts)."""
    await staff.require(session, actor_id, Permission.KYC, settings)
    request = await kyc.approve(session, request_id=request_id, moderator_id=actor_id, verified_name=verified_name)
    await audit.record(session, actor_id=actor_id, action="kyc.approve", target=f"kyc:{request.id}",
                       user_id=request.user_id)
    return request


async def reject(
    session: AsyncSession, settings: Settings, *, actor_id: int, request_id: int, reason: str
) -> KycRequest:
    await staff.require(session, actor_id, Permission.KYC, settings)
    request = await kyc.reject(session, request_id=request_id, moderator_id=actor_id, reason=reason)
    await audit.record(session, actor_id=actor_id, action="kyc.reject", target=f"kyc:{request.id}",
                       user_id=request.user_id, reason=request.reason)
    return request
