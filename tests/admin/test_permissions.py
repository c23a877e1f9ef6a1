"""Roles are enforced in core and in the bot: a moderator cannot approve withdrawals or change
fees, a user who is not staff gets nothing, a forged callback from a non-staff chat is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.admin import actions, staff
from core.admin.staff import Permission, Role
from core.errors import DomainError
from core.escrow import market as escrow_market
from core.money import MICRO
from core.wallet.models import Withdrawal, WithdrawalApproval, WithdrawalStatus
from tests.admin.conftest import Staffed, forge_callback


async def _approvals(staffed: Staffed, withdrawal_id: int) -> int:
    async with staffed.market.session_factory() as s:
        n = await s.scalar(
            select(func.count()).select_from(WithdrawalApproval).where(WithdrawalApproval.withdrawal_id == withdrawal_id)
        )
    return int(n or 0)


async def test_moderator_cannot_approve_withdrawals_or_change_fees(staffed: Staffed) -> None:
    m, admin = staffed.market, staffed.admin1
    settings = m.runtime.settings
    mod = await staffed.person("Maha")
    async with staffed.tx() as s:
        await actions.add_moderator(s, settings, actor_id=admin.id, user_id=mod.id)
    async with m.session_factory() as s:
        assert await staff.role_of(s, settings, mod.id) == Role.MODERATOR
        assert await staff.role_of(s, settings, admin.id) == Role.ADMIN
        fee_before = (await escrow_market.rules(s)).maker_fee_pct
    user = await staffed.person("Omar")
    w = await staffed.withdrawal(user, 2_000 * MICRO)

    # In core, whoever calls.
    async with staffed.tx() as s:
        with pytest.raises(DomainError) as refused:
            await actions.approve_withdrawal(s, settings, actor_id=mod.id, withdrawal_id=w.id)
        assert refused.value.code == "forbidden"
        with pytest.raises(DomainError) as refused:
            await actions.set_rule(s, settings, actor_id=mod.id, name="maker_fee_pct", value="5")
        assert refused.value.code == "forbidden"
        with pytest.raises(DomainError):
            await staff.require(s, mod.id, Permission.FREEZE, settings)

    # Through the bot: the commands and a hand-made approve button.
    await mod.send(m.admin_bot, "/withdrawals")
    await mod.wait_for(m.admin_bot, contains="Only admins can do this")
    await mod.send(m.admin_bot, "/set maker_fee_pct 5")
    await mod.wait_for(m.admin_bot, contains="Only admins can do this")
    query = forge_callback(m.tg, mod, m.admin_bot, f"wdr:approve:{w.id}")
    answer = await _answer(staffed, query)
    assert answer.show_alert and "Only admins" in (answer.text or "")

    # Their menu and the user card offer only what they may do.
    await mod.send(m.admin_bot, "/start")
    menu = await mod.wait_for(m.admin_bot, contains="KOXX P2P moderator")
    assert "/disputes" in menu.text and "/withdrawals" not in menu.text and "/adjust" not in menu.text
    await mod.send(m.admin_bot, f"/user {user.id}")
    card = await mod.wait_for(m.admin_bot, contains=str(user.id))
    assert card.buttons == [["Audit trail"]]
    frozen = await _answer(staffed, forge_callback(m.tg, mod, m.admin_bot, f"usr:freeze:{user.id}"))
    assert "Only admins" in (frozen.text or "")

    # Moderators do handle disputes: the queue answers them.
    await mod.send(m.admin_bot, "/disputes")
    await mod.wait_for(m.admin_bot, match=lambda msg: "disputes" in msg.text.lower())

    async with m.session_factory() as s:
        assert (await escrow_market.rules(s)).maker_fee_pct == fee_before
        found = await s.get(Withdrawal, w.id)
        assert found is not None and found.status == WithdrawalStatus.AWAITING_APPROVAL
    assert await _approvals(staffed, w.id) == 0


async def test_outsiders_get_nothing_and_forged_callbacks_are_refused(staffed: Staffed) -> None:
    m = staffed.market
    stranger = await staffed.person("Stranger")
    user = await staffed.person("Huda")
    w = await staffed.withdrawal(user, 2_000 * MICRO)

    for command in ("/stats", "/withdrawals", f"/user {user.id}", "/mods add @" + (stranger.username or "")):
        await stranger.send(m.admin_bot, command)
        reply = await stranger.wait_for(m.admin_bot)
        assert "only for the KOXX P2P team" in reply.text, command
    query = forge_callback(m.tg, stranger, m.admin_bot, f"wdr:approve:{w.id}")
    answer = await _answer(staffed, query)
    assert answer.show_alert and "only for the KOXX P2P team" in (answer.text or "")
    forge_callback(m.tg, stranger, m.admin_bot, "dsp:confirm:1")

    async with m.session_factory() as s:
        assert await staff.role_of(s, m.runtime.settings, stranger.id) is None
        found = await s.get(Withdrawal, w.id)
        assert found is not None and found.status == WithdrawalStatus.AWAITING_APPROVAL
    assert await _approvals(staffed, w.id) == 0


async def _answer(staffed: Staffed, query_id: str):  # type: ignore[no-untyped-def]
    from sandbox.telegram.sandbox import SimPress

    return await SimPress(staffed.tg, query_id, None, None).answer()


def test_each_admin_handler_says_what_it_needs_where_its_router_is_declared() -> None:
    """The permission of every admin command and button: the router's (admin_bot.access.Requires)
    or the handler's own flag; /start, /help and the KYC review (core checks KYC) need only staff."""
    from admin_bot.access import Requires
    from admin_bot.handlers import routers

    needs: dict[str, str | None] = {}
    for router in routers():
        for observer in (router.message, router.callback_query):
            default = [m.permission for m in observer.middleware[:] if isinstance(m, Requires)]
            for handler in observer.handlers:
                permission = handler.flags.get("permission", default[0] if default else None)
                needs[f"{router.name}.{handler.callback.__name__}"] = permission and permission.value
    P = Permission
    expected = {
        "admin_market.show": P.VIEW, "admin_market.set_rate": P.MARKET, "admin_market.set_rule": P.MARKET,
        "admin_reports.stats": P.VIEW, "admin_reports.reconcile": P.RECONCILE, "admin_reserves.reserves": P.RECONCILE,
        "admin_reports.stats_charts": P.VIEW, "admin_reports.stats_csv": P.VIEW,
        "admin_reports.revenue_month": P.RECONCILE,
        "admin_market.pin": P.MARKET, "admin_appeals.queue": P.DISPUTES, "admin_appeals.request_hold": P.DISPUTES,
        "admin_appeals.approve": P.DISPUTES, "admin_appeals.close": P.DISPUTES,
        "admin_users.lookup": P.VIEW, "admin_users.ask_freeze_reason": P.FREEZE, "admin_users.user_audit": P.VIEW,
        "admin_users.adjust": P.ADJUST, "admin_users.audit_trail": P.VIEW, "admin_users.change_mods": P.STAFF,
        "admin_users.mods": P.VIEW, "admin_withdrawals.queue": P.WITHDRAWALS,
        "admin_withdrawals.open_case": P.WITHDRAWALS, "admin_withdrawals.ask_reason": P.WITHDRAWALS,
        "admin_disputes.queue": P.DISPUTES, "admin_disputes.open_case": P.DISPUTES,
        "admin_disputes.ask_reason": P.DISPUTES, "admin_disputes.ask_message": P.DISPUTES,
    }  # fmt: skip
    assert {name: needs[name] for name in expected} == {name: p.value for name, p in expected.items()}
    assert all(needs[name] is None for name in needs if name.startswith(("admin_start.", "admin_kyc.")))
