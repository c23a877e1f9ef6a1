"""Documents: stored sealed in PostgreSQL, one request waiting at a time, a moderator's
single decision (two at once: one wins), the user told, rejected photos deleted after the
retention period (approved ones kept)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from core import events, migrate
from core.accounts import documents, kyc
from core.accounts.models import KycDocument, KycRequest, KycStatus
from core.crypto import SealError
from core.db import make_engine, make_session_factory
from core.errors import DomainError
from core.outbox import user as to_user
from tests.accounts.conftest import Bench
from tests.conftest import Databases

DOC, SELFIE = b"\xff\xd8\xff identity card", b"\xff\xd8\xff selfie"
KEY = documents.key_from_secret("the test's DOCUMENTS_KEY")


async def submit(bench: Bench, user_id: int, data_dir: Path | None = None) -> KycRequest:
    async with bench.tx() as s:
        return await kyc.submit_documents(s, user_id=user_id, document=DOC, selfie=SELFIE, key=KEY)


async def stored(bench: Bench, request_id: int) -> dict[str, str]:
    async with bench.factory() as s:
        rows = await s.scalars(select(KycDocument).where(KycDocument.request_id == request_id))
        return {row.kind: row.sealed for row in rows}


async def test_documents_need_level_one_and_are_stored_sealed(bench: Bench, tmp_path: Path) -> None:
    newcomer = await bench.user(level=0)
    with pytest.raises(DomainError) as first:
        await submit(bench, newcomer, tmp_path)
    assert first.value.code == "kyc_phone_first"

    user = await bench.user(level=1)
    request = await submit(bench, user, tmp_path)
    sealed = await stored(bench, request.id)
    assert sorted(sealed) == ["document", "selfie"]
    assert all(b"identity card" not in value.encode() and b"selfie" not in value.encode() for value in sealed.values())
    assert not (tmp_path / "kyc").exists()  # nothing on this host's disk
    told = await bench.outbox(events.KycSubmitted, "admins")
    assert any(m.payload["request_id"] == request.id for m in told)

    with pytest.raises(DomainError) as again:
        await submit(bench, user, tmp_path)
    assert again.value.code == "kyc_pending"

    async with bench.tx() as s:
        docs = await kyc.read_documents(s, request_id=request.id, key=KEY)
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

    async with bench.tx() as s:
        early = await kyc.purge_rejected(s, retention_days=30, now=reviewed_at + timedelta(days=29))
    assert request.id not in early and len(await stored(bench, request.id)) == 2
    async with bench.tx() as s:
        purged = await kyc.purge_rejected(s, retention_days=30, now=reviewed_at + timedelta(days=30, seconds=1))
    assert request.id in purged and await stored(bench, request.id) == {}
    assert len(await stored(bench, retry.id)) == 2  # approved: kept
    with pytest.raises(DomainError) as gone:
        async with bench.tx() as s:
            await kyc.read_documents(s, request_id=request.id, key=KEY)
    assert gone.value.code == "kyc_files_deleted"
    async with bench.tx() as s:
        again = await kyc.purge_rejected(s, retention_days=30, now=reviewed_at + timedelta(days=31))
    assert request.id not in again


async def test_a_submission_that_rolls_back_leaves_no_photos(bench: Bench) -> None:
    user = await bench.user(level=1)
    with pytest.raises(RuntimeError):
        async with bench.tx() as s:
            request = await kyc.submit_documents(s, user_id=user, document=DOC, selfie=SELFIE, key=KEY)
            raise RuntimeError("the update failed later")
    assert await stored(bench, request.id) == {}


async def test_a_sealed_photo_opens_only_with_its_key_in_its_own_row(bench: Bench) -> None:
    first, second = await submit(bench, await bench.user(level=1)), await submit(bench, await bench.user(level=1))
    async with bench.factory() as s:
        with pytest.raises(SealError):
            await kyc.read_documents(s, request_id=first.id, key=documents.key_from_secret("another key"))
    moved = (await stored(bench, first.id))["document"]
    async with bench.tx() as s:  # a photo copied into another request's row does not open there
        await s.execute(update(KycDocument).where(KycDocument.request_id == second.id,
                                                  KycDocument.kind == "document").values(sealed=moved))  # fmt: skip
    async with bench.factory() as s:
        with pytest.raises(SealError):
            await kyc.read_documents(s, request_id=second.id, key=KEY)


async def test_rotation_reseals_every_photo_with_the_new_key(databases: Databases) -> None:
    engine = make_engine(await databases.create())  # a database of its own: every photo in it is re-sealed
    await migrate.upgrade(engine)
    bench = Bench(make_session_factory(engine))
    request = await submit(bench, await bench.user(level=1))
    new = documents.key_from_secret("the next DOCUMENTS_KEY")
    async with bench.tx() as s:
        assert await documents.rotate(s, KEY, new) >= 2
    async with bench.tx() as s:
        assert await documents.rotate(s, KEY, new) == 0  # done already: nothing to do
        docs = await kyc.read_documents(s, request_id=request.id, key=new)
    assert (docs.document, docs.selfie) == (DOC, SELFIE)
    await engine.dispose()


async def test_photos_stored_on_disk_before_are_moved_into_the_database(bench: Bench, tmp_path: Path) -> None:
    user = await bench.user(level=1)
    async with bench.tx() as s:  # a request as stored before 0019_documents: a folder per request
        request = KycRequest(user_id=user, status=KycStatus.PENDING.value, storage_key="0123456789abcdef")
        s.add(request)
        await s.flush()
    folder = tmp_path / "kyc" / request.storage_key
    folder.mkdir(parents=True)
    (folder / "document").write_bytes(DOC)
    (folder / "selfie").write_bytes(SELFIE)
    async with bench.tx() as s:
        assert await documents.import_files(s, KEY, tmp_path) == 1
    async with bench.tx() as s:
        assert await documents.import_files(s, KEY, tmp_path) == 0  # once
        docs = await kyc.read_documents(s, request_id=request.id, key=KEY)
    assert (docs.document, docs.selfie) == (DOC, SELFIE)


async def test_review_checks_the_role_and_writes_the_audit_trail(bench: Bench, tmp_path: Path) -> None:
    from core.admin import audit, review
    from core.config import load_settings

    user, admin, stranger = await bench.user(level=1), await bench.user(), await bench.user()
    settings = load_settings(admin_ids=[admin], documents_key="the test's DOCUMENTS_KEY")
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
