"""Who is staff and what each role may do.

ADMIN_IDS (Settings.admin_ids) are admins; admins add moderators (stored in staff_members).
Every staff service in core.admin calls ``require`` first, so the rule holds whichever bot or
script calls it, not only in the handlers.

    role = await role_of(session, settings, user_id)          # Role.ADMIN, Role.MODERATOR or None
    await require(session, user_id, Permission.WITHDRAWALS)     # DomainError("forbidden") if not
"""

from __future__ import annotations

import enum

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.admin.models import StaffMember
from core.config import Settings, get_settings
from core.errors import DomainError


class Role(enum.StrEnum):
    ADMIN = "admin"
    MODERATOR = "moderator"


class Permission(enum.StrEnum):
    VIEW = "view"  # queues, user cards, /stats
    DISPUTES = "disputes"  # take, message the parties, resolve
    KYC = "kyc"
    WITHDRAWALS = "withdrawals"  # approve, reject
    MARKET = "market"  # fees, limits, reference rates
    STAFF = "staff"  # add and remove moderators
    FREEZE = "freeze"  # freeze and unfreeze users
    ADJUST = "adjust"  # balance adjustments
    RECONCILE = "reconcile"  # ledger audit and hot/cold report
    OVERRIDE = "override"  # resolve or release a dispute someone else owns


MODERATOR_PERMISSIONS = frozenset({Permission.VIEW, Permission.DISPUTES, Permission.KYC})
PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.MODERATOR: MODERATOR_PERMISSIONS,
}


async def role_of(session: AsyncSession, settings: Settings, user_id: int) -> Role | None:
    """The user's role: ADMIN_IDS first, then the staff table; None for everyone else."""
    if user_id in settings.admin_ids:
        return Role.ADMIN
    role = await session.scalar(select(StaffMember.role).where(StaffMember.user_id == user_id))
    return Role(role) if role is not None else None


def allows(role: Role | None, permission: Permission) -> bool:
    return role is not None and permission in PERMISSIONS[role]


async def require(
    session: AsyncSession, user_id: int, permission: Permission, settings: Settings | None = None
) -> Role:
    """The user's role if it grants ``permission``; else DomainError("forbidden")."""
    role = await role_of(session, settings or get_settings(), user_id)
    if not allows(role, permission):
        raise DomainError("forbidden", permission=permission.value, role=role.value if role else None)
    assert role is not None
    return role


async def staff_ids(session: AsyncSession, settings: Settings) -> list[int]:
    """Everyone who receives staff notifications: ADMIN_IDS, then the staff table."""
    stored = (await session.execute(select(StaffMember.user_id).order_by(StaffMember.user_id))).scalars()
    return list(dict.fromkeys([*settings.admin_ids, *stored]))


async def moderators(session: AsyncSession) -> list[StaffMember]:
    stmt = select(StaffMember).where(StaffMember.role == Role.MODERATOR.value).order_by(StaffMember.added_at)
    return list((await session.execute(stmt)).scalars())


async def store_moderator(session: AsyncSession, user_id: int, added_by: int) -> bool:
    """Insert a moderator row; False if the user was already staff."""
    stmt = (
        insert(StaffMember)
        .values(user_id=user_id, role=Role.MODERATOR.value, added_by=added_by)
        .on_conflict_do_nothing()
        .returning(StaffMember.user_id)
    )
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def delete_moderator(session: AsyncSession, user_id: int) -> bool:
    member = await session.get(StaffMember, user_id, with_for_update=True)
    if member is None or member.role != Role.MODERATOR.value:
        return False
    await session.delete(member)
    await session.flush()
    return True
