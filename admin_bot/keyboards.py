"""The admin bot's buttons. Every callback names its object; core.admin.actions checks the
presser's role again, so a forged or stale button changes nothing."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from botkit.keyboard_builder import InlineKeyboardBuilder


class DisputeCb(CallbackData, prefix="dsp"):
    # open | take (on a notice) | take_card (on the case card) | drop | msg | release | refund | confirm | cancel
    action: str
    dispute_id: int


class WithdrawalCb(CallbackData, prefix="wdr"):
    action: str  # open | approve | reject
    withdrawal_id: int


class AdjustmentCb(CallbackData, prefix="adj"):
    action: str  # approve | reject
    adjustment_id: int


class ColdCb(CallbackData, prefix="cold"):
    action: str  # prepare
    asset: str


class UserCb(CallbackData, prefix="usr"):
    action: str  # freeze | unfreeze | audit | confirm_adjust | cancel
    user_id: int


def dispute_push(dispute_id: int, *, taken: bool = False) -> InlineKeyboardMarkup:
    """Under a dispute notice: take it (while nobody handles it), or just look."""
    kb = InlineKeyboardBuilder()
    if not taken:
        kb.button(text=_("Take"), callback_data=DisputeCb(action="take", dispute_id=dispute_id))
    kb.button(text=_("Open"), callback_data=DisputeCb(action="open", dispute_id=dispute_id))
    return kb.as_markup()


def dispute_queue(items: list[tuple[int, str]]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for dispute_id, label in items:
        kb.button(text=label, callback_data=DisputeCb(action="open", dispute_id=dispute_id))
    kb.adjust(1)
    return kb.as_markup()


def dispute_actions(dispute_id: int, *, owned_by_viewer: bool, owned: bool) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    if owned_by_viewer:
        kb.button(text=_("Release to buyer"), callback_data=DisputeCb(action="release", dispute_id=dispute_id))
        kb.button(text=_("Refund to seller"), callback_data=DisputeCb(action="refund", dispute_id=dispute_id))
        kb.button(text=_("Write to both parties"), callback_data=DisputeCb(action="msg", dispute_id=dispute_id))
        kb.button(text=_("Give back to the queue"), callback_data=DisputeCb(action="drop", dispute_id=dispute_id))
    elif not owned:
        kb.button(text=_("Take"), callback_data=DisputeCb(action="take_card", dispute_id=dispute_id))
    kb.adjust(2, 1, 1)
    return kb.as_markup()


def confirm_resolution(dispute_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Confirm"), callback_data=DisputeCb(action="confirm", dispute_id=dispute_id))
    kb.button(text=_("Cancel"), callback_data=DisputeCb(action="cancel", dispute_id=dispute_id))
    return kb.as_markup()


def withdrawal_queue(items: list[tuple[int, str]]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for withdrawal_id, label in items:
        kb.button(text=label, callback_data=WithdrawalCb(action="open", withdrawal_id=withdrawal_id))
    kb.adjust(1)
    return kb.as_markup()


def withdrawal_actions(withdrawal_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Approve"), callback_data=WithdrawalCb(action="approve", withdrawal_id=withdrawal_id))
    kb.button(text=_("Reject"), callback_data=WithdrawalCb(action="reject", withdrawal_id=withdrawal_id))
    return kb.as_markup()


def user_actions(user_id: int, *, frozen: bool, can_freeze: bool = True) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    if can_freeze and frozen:
        kb.button(text=_("Unfreeze"), callback_data=UserCb(action="unfreeze", user_id=user_id))
    elif can_freeze:
        kb.button(text=_("Freeze"), callback_data=UserCb(action="freeze", user_id=user_id))
    kb.button(text=_("Audit trail"), callback_data=UserCb(action="audit", user_id=user_id))
    return kb.as_markup()


def adjustment_decision(adjustment_id: int) -> InlineKeyboardMarkup:
    """Under an adjustment waiting for a second admin."""
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Approve"), callback_data=AdjustmentCb(action="approve", adjustment_id=adjustment_id))
    kb.button(text=_("Reject"), callback_data=AdjustmentCb(action="reject", adjustment_id=adjustment_id))
    return kb.as_markup()


def confirm_adjustment(user_id: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Confirm"), callback_data=UserCb(action="confirm_adjust", user_id=user_id))
    kb.button(text=_("Cancel"), callback_data=UserCb(action="cancel", user_id=user_id))
    return kb.as_markup()


class StaffSecurityCb(CallbackData, prefix="ssec"):
    action: str  # on


def staff_security(factor_on: bool) -> InlineKeyboardMarkup | None:
    """Turn the second factor on (switching it off is the traders' bot's /security, with its cooling-off)."""
    if factor_on:
        return None
    kb = InlineKeyboardBuilder()
    kb.button(text=_("🔐 Turn on the second factor"), callback_data=StaffSecurityCb(action="on"))
    return kb.as_markup()


def refill_buttons(assets: list[str]) -> InlineKeyboardMarkup | None:
    """Under the hot/cold report or a refill request: prepare the refill of an asset."""
    if not assets:
        return None
    builder = InlineKeyboardBuilder()
    for asset in assets:
        builder.button(text=_("Prepare the {asset} refill").format(asset=asset), callback_data=ColdCb(action="prepare", asset=asset))
    builder.adjust(1)
    return builder.as_markup()


class StatsCb(CallbackData, prefix="stats"):
    action: str  # charts | csv
    window: str  # day | week | month (core.reports.periods.Window)


def stats_periods() -> InlineKeyboardMarkup:
    """Under /stats: the charts of today, the last 7 days or the last 30 days."""
    kb = InlineKeyboardBuilder()
    kb.button(text=_("📊 Today"), callback_data=StatsCb(action="charts", window="day"))
    kb.button(text=_("📊 7 days"), callback_data=StatsCb(action="charts", window="week"))
    kb.button(text=_("📊 30 days"), callback_data=StatsCb(action="charts", window="month"))
    return kb.as_markup()


def stats_csv(window: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("CSV"), callback_data=StatsCb(action="csv", window=window))
    return kb.as_markup()


class AppealCb(CallbackData, prefix="apl"):
    action: str  # approve
    appeal_id: int


def appeal_hold_approval(appeal_id: int) -> InlineKeyboardMarkup:
    """Under a hold request: a second admin places the hold."""
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Approve the hold"), callback_data=AppealCb(action="approve", appeal_id=appeal_id))
    return kb.as_markup()
