"""Users: /user @name|id shows the card (balances, trades, disputes, KYC, flags); freeze and
unfreeze with a reason; /adjust corrects a balance through a ledger entry with a reason (above
the asset's limit it waits for a second admin: /adjustments, Approve / Reject);
/audit lists staff actions per user, trade or staff member; /mods manages moderators."""

from __future__ import annotations

import secrets

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from admin_bot import keyboards as kb
from admin_bot import views
from admin_bot.access import needs
from admin_bot.handlers.errors import TYPED, guarded
from admin_bot.keyboards import AdjustmentCb, UserCb
from botkit import fmt
from botkit.numbers import AmountError, amount_error_text, parse_amount
from core.admin import actions, audit, cases, staff
from core.admin.staff import Permission
from core.config import Settings
from core.money import Asset, to_micro

router = guarded(Router(name="admin_users"), Permission.VIEW)


class Freezing(StatesGroup):
    reason = State()  # data: user_id, frozen


class Adjusting(StatesGroup):
    confirm = State()  # data: user_id, asset, amount, reason, key


@router.message(Command("user"))
async def lookup(
    message: Message, command: CommandObject, session: AsyncSession, staff_role: staff.Role, i18n: I18n
) -> None:
    if not command.args:
        await message.answer(_("Send /user @username or /user 123456789."))
        return
    user = await cases.find_user(session, command.args)
    card = await cases.user_card(session, user.id)
    can_freeze = staff.allows(staff_role, Permission.FREEZE)
    await message.answer(views.user_card(card, i18n.current_locale),
                         reply_markup=kb.user_actions(user.id, frozen=user.is_banned, can_freeze=can_freeze))  # fmt: skip


@router.callback_query(UserCb.filter(F.action.in_({"freeze", "unfreeze"})), flags=needs(Permission.FREEZE))
async def ask_freeze_reason(
    query: CallbackQuery, callback_data: UserCb, staff_id: int,
    state: FSMContext,
) -> None:  # fmt: skip
    frozen = callback_data.action == "freeze"
    await state.set_state(Freezing.reason)
    await state.set_data({"user_id": callback_data.user_id, "frozen": frozen})
    await query.answer()
    text = _("Why freeze this account? The user will read this.") if frozen else _(
        "Why unfreeze this account? The user will read this."
    )
    await query.bot.send_message(staff_id, text)  # type: ignore[union-attr]


@router.message(Freezing.reason, TYPED)
async def got_freeze_reason(
    message: Message, session: AsyncSession, settings: Settings, staff_id: int, state: FSMContext
) -> None:
    data = await state.get_data()
    await state.clear()
    user = await actions.set_frozen(
        session, settings, actor_id=staff_id, user_id=int(data["user_id"]), frozen=bool(data["frozen"]),
        reason=message.text or "",
    )  # fmt: skip
    text = _("{who} is frozen: no trading, no withdrawals.") if user.is_banned else _("{who} is active again.")
    await message.answer(text.format(who=views.who(user)), reply_markup=kb.user_actions(user.id, frozen=user.is_banned))


@router.callback_query(UserCb.filter(F.action == "audit"))
async def user_audit(
    query: CallbackQuery, callback_data: UserCb, session: AsyncSession, staff_id: int,
    i18n: I18n,
) -> None:  # fmt: skip
    rows = await audit.for_user(session, callback_data.user_id)
    await query.answer()
    await query.bot.send_message(staff_id, views.audit_lines(rows, i18n.current_locale))  # type: ignore[union-attr]


@router.message(Command("adjust"), flags=needs(Permission.ADJUST))
async def adjust(
    message: Message, command: CommandObject, session: AsyncSession,
    state: FSMContext, i18n: I18n,
) -> None:  # fmt: skip
    """/adjust <@user|id> <USDT|TRX> <+amount|-amount> <reason>: shows the entry, then Confirm."""
    parts = (command.args or "").split(maxsplit=3)
    usage = _("Send /adjust @username USDT +10.5 reason (a minus amount takes from the balance).")
    if len(parts) < 4 or parts[1].upper() not in {a.value for a in Asset}:
        await message.answer(usage)
        return
    who, asset, raw, reason = parts[0], Asset(parts[1].upper()), parts[2], parts[3].strip()
    sign = -1 if raw.startswith("-") else 1
    try:
        value = parse_amount(raw.lstrip("+-"), decimals=6)
    except AmountError as err:
        await message.answer(amount_error_text(err))
        return
    user = await cases.find_user(session, who)
    amount = sign * to_micro(value)
    lang = i18n.current_locale
    await state.set_state(Adjusting.confirm)
    await state.set_data({"user_id": user.id, "asset": asset.value, "amount": amount, "reason": reason,
                          "key": secrets.token_hex(8)})  # fmt: skip
    await message.answer(
        _("Adjust the balance of {who} by {sign}{amount}?\nReason: {reason}").format(
            who=views.who(user), sign="+" if amount > 0 else "-", amount=fmt.crypto(abs(amount), asset, lang),
            reason=fmt.escape(reason),
        ),
        reply_markup=kb.confirm_adjustment(user.id),
    )


@router.callback_query(UserCb.filter(F.action == "confirm_adjust"), Adjusting.confirm)
async def confirm_adjust(
    query: CallbackQuery, callback_data: UserCb, session: AsyncSession, settings: Settings, staff_id: int,
    state: FSMContext,
) -> None:  # fmt: skip
    data = await state.get_data()
    if int(data.get("user_id", 0)) != callback_data.user_id:
        await query.answer(_("This confirmation is out of date."), show_alert=True)
        return
    await state.clear()
    adjustment = await actions.adjust_balance(
        session, settings, actor_id=staff_id, user_id=callback_data.user_id, asset=Asset(data["asset"]),
        amount=int(data["amount"]), reason=str(data["reason"]), request_key=str(data["key"]),
    )  # fmt: skip
    await query.answer(_("Done."))
    if not isinstance(query.message, Message):
        return
    if adjustment.status == actions.ADJUST_APPLIED:
        await query.message.edit_text(_("The balance was adjusted; the user was told."))
    else:
        await query.message.edit_text(
            _("This is above what one admin may adjust alone: request #{id} waits for a second admin's approval. "
              "Nothing has moved yet.").format(id=adjustment.id)
        )


@router.message(Command("adjustments"))
async def pending_adjustments(
    message: Message, session: AsyncSession, settings: Settings, staff_id: int, i18n: I18n
) -> None:
    """The adjustments waiting for a second admin, each with Approve and Reject."""
    found = await actions.pending_adjustments(session, settings, actor_id=staff_id)
    if not found:
        await message.answer(_("No adjustments wait for approval."))
    for adjustment in found:
        await message.answer(views.adjustment_text(actions.adjustment_facts(adjustment), i18n.current_locale),
                             reply_markup=kb.adjustment_decision(adjustment.id))  # fmt: skip


@router.callback_query(AdjustmentCb.filter())
async def decide_adjustment(
    query: CallbackQuery, callback_data: AdjustmentCb, session: AsyncSession, settings: Settings, staff_id: int,
    i18n: I18n,
) -> None:  # fmt: skip
    """A second admin approves (the money moves now) or an admin rejects (nothing moves)."""
    if callback_data.action == "approve":
        done = await actions.approve_adjustment(session, settings, actor_id=staff_id,
                                                adjustment_id=callback_data.adjustment_id)  # fmt: skip
        text = _("Adjustment #{id} approved: {sign}{amount} for user {user}; the user was told.")
    else:
        done = await actions.reject_adjustment(session, settings, actor_id=staff_id,
                                               adjustment_id=callback_data.adjustment_id)  # fmt: skip
        text = _("Adjustment #{id} rejected: {sign}{amount} for user {user}; nothing moved.")
    await query.answer(_("Done."))
    if isinstance(query.message, Message):
        await query.message.edit_text(text.format(
            id=done.id, sign="+" if done.amount > 0 else "-",
            amount=fmt.crypto(abs(done.amount), done.asset, i18n.current_locale), user=fmt.isolate(str(done.user_id)),
        ))  # fmt: skip


@router.callback_query(UserCb.filter(F.action.in_({"confirm_adjust", "cancel"})))
async def cancel(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await query.answer(_("Cancelled. Nothing changed."))
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)


@router.message(Command("audit"))
async def audit_trail(
    message: Message, command: CommandObject, session: AsyncSession, i18n: I18n
) -> None:
    """/audit user @name | /audit trade 12 | /audit staff @name"""
    parts = (command.args or "").split()
    if len(parts) != 2 or parts[0] not in ("user", "trade", "staff"):
        await message.answer(_("Send /audit user @username, /audit trade 12 or /audit staff @username."))
        return
    if parts[0] == "trade":
        if not parts[1].lstrip("#").isdigit():
            await message.answer(_("Send /audit trade 12."))
            return
        rows = await audit.for_trade(session, int(parts[1].lstrip("#")))
    else:
        user = await cases.find_user(session, parts[1])
        rows = await (audit.for_user if parts[0] == "user" else audit.by_staff)(session, user.id)
    await message.answer(views.audit_lines(rows, i18n.current_locale))


def _changes_staff(message: Message, command: CommandObject) -> bool:
    parts = (command.args or "").split()
    return len(parts) == 2 and parts[0] in ("add", "remove")


@router.message(Command("mods"), _changes_staff, flags=needs(Permission.STAFF))
async def change_mods(
    message: Message, command: CommandObject, session: AsyncSession, settings: Settings, staff_id: int
) -> None:
    """/mods add @user; /mods remove @user."""
    action, who = (command.args or "").split()
    user = await cases.find_user(session, who)
    if action == "add":
        await actions.add_moderator(session, settings, actor_id=staff_id, user_id=user.id)
        await message.answer(_("{who} is now a moderator.").format(who=views.who(user)))
    else:
        await actions.remove_moderator(session, settings, actor_id=staff_id, user_id=user.id)
        await message.answer(_("{who} is no longer a moderator.").format(who=views.who(user)))


@router.message(Command("mods"))
async def mods(message: Message, session: AsyncSession, i18n: I18n) -> None:
    """/mods lists moderators."""
    found = await staff.moderators(session)
    lines = [_("<b>Moderators</b>")]
    for m in found:
        user = await cases.find_user(session, str(m.user_id))
        lines.append(f"{views.who(user)} · {fmt.datetime(m.added_at, i18n.current_locale)}")
    if not found:
        lines.append(_("None yet."))
    lines.append(_("Add: /mods add @username · remove: /mods remove @username"))
    await message.answer("\n".join(lines))
