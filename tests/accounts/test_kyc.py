"""Documents: stored privately under DATA_DIR, one request waiting at a time, a moderator's
single decision (two at once: one wins), the user told, rejected photos deleted after the
retention period (approved ones kept)."""

from __future__ import annotations

import asyncio
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core import events
from core.accounts import kyc
from core.accounts.models import KycRequest, KycStatus
from core.errors import DomainError
from core.outbox import user as to_user
from tests.accounts.conftest import Bench

DOC, SELFIE = b"\xff\xd8\xff identity card", b"\xff\xd8\xff selfie"


async def submit(bench: Bench, user_id: int, data_dir: Path) -> KycRequest:
    async with bench.tx() as s:
        return await kyc.submit_documents(s, user_id=user_id, document=DOC, selfie=SELFIE, data_dir=data_dir)


async def test_documents_need_level_one_and_are_stored_privately(bench: Bench, tmp_path: Path) -> None:
    newcomer = await bench.user(level=0)
    with pytest.raises(DomainError) as first:
        await submit(bench, newcomer, tmp_path)
    assert first.value.code == "kyc_phone_first"

    user = await bench.user(level=1)
    request = await submit(bench, user, tmp_path)
    folder = tmp_path / "kyc" / request.storage_key
    assert (folder / "document").read_bytes() == DOC and (folder / "selfie").read_bytes() == SELFIE
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(tmp_path / "kyc").st_mode) == 0o700
    assert stat.S_IMODE(os.stat(folder / "document").st_mode) == 0o600
    told = await bench.outbox(events.KycSubmitted, "admins")
    assert any(m.payload["request_id"] == request.id for m in told)

    with pytest.raises(DomainError) as again:
        await submit(bench, user, tmp_path)
    assert again.value.code == "kyc_pending"

    async with bench.tx() as s:
        docs = await kyc.read_documents(s, request_id=request.id, data_dir=tmp_path)
        pending = await kyc.pending_requests(s, limit=1000)
    assert (docs.document, docs.selfie, docs.user.id) == (DOC, SELFIE, user)
    assert request.id in [r.id for r in pending]


async def test_two_moderators_at_once_one_decision(bench: Bench, tmp_path: Path) -> None:
    user, mod_a, mod_b = await bench.user(level=1), await bench.user(), await bench.user()
    request = await submit(bench, user, tmp_path)

    async def approve() -> KycRequest:
        async with bench.tx() as s:
            return await kyc.approve(s, request_id=request.id, moderator_id=mod_a)

    async def reject() -> KycRequest:
        async with bench.tx() as s:
            return await kyc.reject(s, request_id=request.id, moderator_id=mod_b, reason="blurry")

    results = await asyncio.gather(approve(), reject(), return_exceptions=True)
    errors = [r for r in results if isinstance(r, DomainError)]
    assert len(errors) == 1 and errors[0].code == "kyc_already_reviewed"
    async with bench.factory() as s:
        final = await s.get(KycRequest, request.id)
    assert final is not None
    level = (await bench.get(user)).kyc_level
    if final.status == KycStatus.APPROVED:
        assert level == 2 and len(await bench.outbox(events.KycApproved, to_user(user))) == 1
        assert await bench.outbox(events.KycRejected, to_user(user)) == []
    else:
        assert level == 1 and len(await bench.outbox(events.KycRejected, to_user(user))) == 1
        assert await bench.outbox(events.KycApproved, to_user(user)) == []


async def test_rejection_with_reason_then_retention_deletes_the_photos(bench: Bench, tmp_path: Path) -> None:
    user, moderator = await bench.user(level=1), await bench.user()
    staff_member = await bench.user(level=1)
    own_request = await submit(bench, staff_member, tmp_path)
    with pytest.raises(DomainError) as own:
        async with bench.tx() as s:
            await kyc.approve(s, request_id=own_request.id, moderator_id=staff_member)
    assert own.value.code == "forbidden"

    request = await submit(bench, user, tmp_path)
    with pytest.raises(DomainError):
        async with bench.tx() as s:
            await kyc.reject(s, request_id=request.id, moderator_id=moderator, reason="   ")
    reviewed_at = datetime.now(UTC)
    async with bench.tx() as s:
        await kyc.reject(
            s,
            request_id=request.id,
            moderator_id=moderator,
            reason="The document photo is blurry",
            now=reviewed_at,
        )
    told = await bench.outbox(events.KycRejected, to_user(user))
    assert [m.payload["reason"] for m in told] == ["The document photo is blurry"]
    assert (await bench.get(user)).kyc_level == 1

    # They may try again; the new request's photos are not touched by the old one's retention.
    retry = await submit(bench, user, tmp_path)
    async with bench.tx() as s:
        await kyc.approve(s, request_id=retry.id, moderator_id=moderator)

    folder = tmp_path / "kyc" / request.storage_key
    async with bench.tx() as s:
        early = await kyc.purge_rejected(
            s, data_dir=tmp_path, retention_days=30, now=reviewed_at + timedelta(days=29)
        )
    assert request.id not in early and folder.exists()
    async with bench.tx() as s:
        purged = await kyc.purge_rejected(
            s, data_dir=tmp_path, retention_days=30, now=reviewed_at + timedelta(days=30, seconds=1)
        )
    assert request.id in purged and not folder.exists()
    assert (tmp_path / "kyc" / retry.storage_key / "document").exists()  # approved: kept
    with pytest.raises(DomainError) as gone:
        async with bench.tx() as s:
            await kyc.read_documents(s, request_id=request.id, data_dir=tmp_path)
    assert gone.value.code == "kyc_files_deleted"
    async with bench.tx() as s:
        again = await kyc.purge_rejected(
            s, data_dir=tmp_path, retention_days=30, now=reviewed_at + timedelta(days=31)
        )
    assert request.id not in again


async def test_a_submission_that_rolls_back_leaves_no_photos_for_long(bench: Bench, tmp_path: Path) -> None:
    user = await bench.user(level=1)
    with pytest.raises(RuntimeError):
        async with bench.tx() as s:
            await kyc.submit_documents(s, user_id=user, document=DOC, selfie=SELFIE, data_dir=tmp_path)
            raise RuntimeError("the update failed later")
    orphans = list((tmp_path / "kyc").iterdir())
    assert len(orphans) == 1
    old = datetime.now(UTC).timestamp() - 2 * 86400
    os.utime(orphans[0], (old, old))
    async with bench.tx() as s:
        await kyc.purge_rejected(s, data_dir=tmp_path, retention_days=30)
    assert list((tmp_path / "kyc").iterdir()) == []


async def test_review_checks_the_role_and_writes_the_audit_trail(bench: Bench, tmp_path: Path) -> None:
    from core.admin import audit, review
    from core.config import load_settings

    user, admin, stranger = await bench.user(level=1), await bench.user(), await bench.user()
    settings = load_settings(admin_ids=[admin], data_dir=tmp_path)
    request = await submit(bench, user, tmp_path)
    for call in (
        lambda s: review.queue(s, settings, actor_id=stranger),
        lambda s: review.documents(s, settings, actor_id=stranger, request_id=request.id),
        lambda s: review.approve(s, settings, actor_id=stranger, request_id=request.id),
        lambda s: review.reject(s, settings, actor_id=stranger, request_id=request.id, reason="no"),
    ):
        with pytest.raises(DomainError) as refused:
            async with bench.tx() as s:
                await call(s)
        assert refused.value.code == "forbidden"
    assert (await bench.get(user)).kyc_level == 1

    async with bench.tx() as s:
        docs = await review.documents(s, settings, actor_id=admin, request_id=request.id)
        assert docs.document == DOC
        await review.approve(s, settings, actor_id=admin, request_id=request.id)
    assert (await bench.get(user)).kyc_level == 2
    async with bench.factory() as s:
        actions = [(a.action, a.target, a.actor_id) for a in await audit.for_user(s, user)]
    assert actions == [("kyc.approve", f"kyc:{request.id}", admin), ("kyc.view", f"kyc:{request.id}", admin)]
