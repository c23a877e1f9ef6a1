"""What staff receive in the admin bot (the recipient "admins"), and the few messages staff
actions send to users and the payments channel. ``register`` adds them to the runtime's registry
(botkit.rendering.Renderers).

Staff: DisputeOpened (with Take), DisputeClaimed, DisputeUnclaimed, DisputeStatement,
DisputeResolved, TradeFileReused, WithdrawalApprovalNeeded, SweepFailed, ColdRefillNeeded (with Prepare),
ColdTransferDone, ReservesShort, ReservesRefused, ReferenceRateChanged,
MarketSettingChanged, KycSubmitted, AdjustmentRequested (with Approve / Reject) and
AdjustmentDecided. Users: DisputeStaffMessage, AccountFrozen, AccountUnfrozen, AccountAdjusted.
The payments channel: MarketAnnouncement.
"""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from admin_bot import keyboards as kb
from admin_bot import views as admin_views
from admin_bot.keyboards import WithdrawalCb
from botkit import fmt
from botkit.keyboard_builder import InlineKeyboardBuilder
from botkit.rendering import Recipient, Rendered, Renderers
from core import events


def _by(by: int | None) -> str:
    return fmt.isolate(str(by)) if by is not None else _("the system")


def dispute_opened(e: events.DisputeOpened, to: Recipient) -> Rendered:
    t = e.trade
    opener = _("the system (the seller did not release in time)") if e.escalated else (
        _("the buyer") if e.opened_by == t.buyer_id else _("the seller")
    )
    text = "\n".join([
        _("⚖️ <b>New dispute #{id}</b> · trade #{trade}").format(id=e.dispute_id, trade=t.trade_id),
        _("Amount: {crypto} for {fiat}").format(crypto=fmt.crypto(t.crypto_amount, t.asset, to.language),
                                                 fiat=fmt.fiat(t.fiat_amount, t.fiat, to.language)),
        _("Opened by {who}: {reason}").format(who=opener, reason=fmt.escape(e.reason or "")),
    ])  # fmt: skip
    return Rendered(text=text, keyboard=kb.dispute_push(e.dispute_id))


def dispute_claimed(e: events.DisputeClaimed, to: Recipient) -> Rendered | None:
    if e.owner_id == to.chat_id:
        return None  # the one who took it knows
    return Rendered(
        text=_("Dispute #{id} is now handled by {who}.").format(id=e.dispute_id, who=fmt.isolate(str(e.owner_id)))
    )


def dispute_unclaimed(e: events.DisputeUnclaimed, to: Recipient) -> Rendered:
    return Rendered(
        text=_("Dispute #{id} is back in the queue; nobody is handling it.").format(id=e.dispute_id),
        keyboard=kb.dispute_push(e.dispute_id),
    )


def dispute_statement(e: events.DisputeStatement, to: Recipient) -> Rendered:
    text = _("📝 New statement in dispute #{id} (trade #{trade}):\n{text}").format(
        id=e.dispute_id, trade=e.trade_id, text=fmt.escape(e.text or _("(photo)"))
    )
    return Rendered(text=text, keyboard=kb.dispute_push(e.dispute_id, taken=e.owner_id is not None))


def dispute_resolved(e: events.DisputeResolved, to: Recipient) -> Rendered:
    outcome = _outcome(e.outcome)
    return Rendered(
        text=_("✅ Dispute #{id} resolved by {who}: {outcome}.\nReason: {reason}").format(
            id=e.dispute_id, who=fmt.isolate(str(e.resolved_by)), outcome=outcome, reason=fmt.escape(e.reason or ""),
        )
    )


def dispute_no_answer(e: events.DisputeNoAnswer, to: Recipient) -> Rendered:
    silent = {"buyer": _("The buyer did not answer"), "seller": _("The seller did not answer"),
              "both": _("Neither party answered")}[e.silent]  # fmt: skip
    lines = [_("⏰ Dispute #{id} · trade #{trade}: {silent} by the deadline.").format(
        id=e.dispute_id, trade=e.trade_id, silent=silent)]
    if e.proposed is not None:
        lines.append(_("Proposed outcome: {outcome}.").format(outcome=_outcome(e.proposed)))
    return Rendered(text="\n".join(lines), keyboard=kb.dispute_push(e.dispute_id))


def _outcome(outcome: str) -> str:
    return _("released to the buyer") if outcome == "release" else _("refunded to the seller")


def appeal_opened(e: events.AppealOpened, to: Recipient) -> Rendered:
    lines = [
        _("📣 <b>Appeal #{id}</b> · trade #{trade} (ended): user {who} appeals against user {other}.").format(
            id=e.appeal_id, trade=e.trade_id, who=fmt.isolate(str(e.appellant_id)),
            other=fmt.isolate(str(e.counterpart_id))),
        _("Reason: {reason}").format(reason=fmt.escape(e.reason)),
        _("Trade amount: {amount} · hold up to it: /appealhold {id}").format(
            amount=fmt.crypto(e.crypto_amount, e.asset, to.language), id=e.appeal_id),
    ]  # fmt: skip
    return Rendered(text="\n".join(lines))


def appeal_hold_requested(e: events.AppealHoldRequested, to: Recipient) -> Rendered | None:
    if to.chat_id == e.requested_by:
        return None  # they asked; another admin must approve
    text = _("📣 Appeal #{id} · trade #{trade}: {who} asks to hold {amount} of user {user}. A second admin must "
             "approve.").format(id=e.appeal_id, trade=e.trade_id, who=_by(e.requested_by),
                                amount=fmt.crypto(e.amount, e.asset, to.language), user=fmt.isolate(str(e.user_id)))
    return Rendered(text=text, keyboard=kb.appeal_hold_approval(e.appeal_id))


def appeal_hold_changed(e: events.AppealHoldChanged, to: Recipient) -> Rendered:
    text = (_("📣 Appeal #{id}: {amount} of user {user} is on hold.") if e.placed
            else _("📣 Appeal #{id}: the hold of {amount} on user {user} was let go."))  # fmt: skip
    return Rendered(text=text.format(id=e.appeal_id, amount=fmt.crypto(e.amount, e.asset, to.language),
                                     user=fmt.isolate(str(e.user_id))))  # fmt: skip


def file_reused(e: events.TradeFileReused, to: Recipient) -> Rendered:
    others = ", ".join(f"#{t}" for t in e.other_trade_ids)
    return Rendered(
        text=_("⚠️ Trade #{trade}: a file was sent that was already used in trade {others}.").format(
            trade=e.trade_id, others=others
        )
    )


def withdrawal_waiting(e: events.WithdrawalApprovalNeeded, to: Recipient) -> Rendered:
    w = e.withdrawal
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Open"), callback_data=WithdrawalCb(action="open", withdrawal_id=w.withdrawal_id))
    return Rendered(
        text=_("💸 Withdrawal #{id} of {amount} waits for approval ({admins} needed).\nTo: {address}").format(
            id=w.withdrawal_id, amount=fmt.crypto(w.amount, w.asset, to.language),
            admins=fmt.admins(w.approvals_needed, to.language), address=fmt.address(w.to_address),
        ),
        keyboard=builder.as_markup(),
    )


def sweep_failed(e: events.SweepFailed, to: Recipient) -> Rendered:
    return Rendered(
        text=_("⚠️ Sweeping the {asset} of user {user} to the hot wallet failed: {error}").format(
            asset=fmt.escape(e.asset), user=e.user_id, error=fmt.escape(str(e.error))
        )
    )


def cold_refill_needed(e: events.ColdRefillNeeded, to: Recipient) -> Rendered:
    return Rendered(
        text=_("🧊 The hot wallet is short of {asset}: it holds {hot}, the next hours of withdrawals need {needed}.\n"
               "A refill of {amount} from cold storage is waiting (#{id}): prepare it with the button or /cold, "
               "then have the cold key's holder sign it.").format(
            asset=e.asset, hot=fmt.crypto(e.hot, e.asset, to.language), needed=fmt.crypto(e.needed, e.asset, to.language),
            amount=fmt.crypto(e.amount, e.asset, to.language), id=e.refill_id,
        ),
        keyboard=kb.refill_buttons([e.asset]),
    )  # fmt: skip


def cold_transfer_done(e: events.ColdTransferDone, to: Recipient) -> Rendered:
    amount = fmt.crypto(e.amount, e.asset, to.language)
    if e.failed:
        text = _("⚠️ Cold storage move #{id} of {amount} failed: {error}").format(
            id=e.transfer_id, amount=amount, error=fmt.escape(e.error or ""))  # fmt: skip
    elif e.direction == "out":
        text = _("🧊 {amount} moved from the hot wallet to cold storage (#{id}).").format(amount=amount, id=e.transfer_id)
    else:
        text = _("🧊 Refill #{id} arrived: {amount} from cold storage is in the hot wallet.").format(
            id=e.transfer_id, amount=amount)  # fmt: skip
    return Rendered(text=text)


def rate_changed(e: events.ReferenceRateChanged, to: Recipient) -> Rendered:
    if e.market:
        return Rendered(text=_("Reference rate {asset}/{fiat} now follows the market: {rate} (the volume-weighted "
                               "median of completed trades).").format(
            asset=e.asset, fiat=e.fiat, rate=fmt.fiat(e.rate, e.fiat, to.language)))
    return Rendered(
        text=_("Reference rate {asset}/{fiat} is now {rate} (set by {who}).").format(
            asset=e.asset, fiat=e.fiat, rate=fmt.fiat(e.rate, e.fiat, to.language),
            who=fmt.isolate(fmt.escape(f"{e.by_name} ({e.by})")) if e.by_name else _by(e.by)
        )
    )


def rate_stale(e: events.ReferenceRateStale, to: Recipient) -> Rendered:
    return Rendered(text=_("⚠️ Reference rate {asset}/{fiat} has stayed at {rate} since {since}. Check it: /rate "
                           "sets it, /pin keeps yours.").format(
        asset=e.asset, fiat=e.fiat, rate=fmt.fiat(e.rate, e.fiat, to.language),
        since=fmt.datetime(e.since, to.language)))


def setting_changed(e: events.MarketSettingChanged, to: Recipient) -> Rendered:
    return Rendered(
        text=_("Setting {name} is now {value} (set by {who}).").format(
            name=e.name, value=fmt.escape(e.value), who=_by(e.by)
        )
    )


def kyc_submitted(e: events.KycSubmitted, to: Recipient) -> Rendered:
    return Rendered(
        _("🪪 New identity verification #{id} from {name}. Review it with /kyc.").format(
            id=e.request_id, name=fmt.isolate(fmt.escape(e.name))
        )
    )


def adjustment_requested(e: events.AdjustmentRequested, to: Recipient) -> Rendered | None:
    a = e.adjustment
    if to.chat_id == a.requested_by:
        return None  # the requester saw it in place
    return Rendered(text=admin_views.adjustment_text(a, to.language), keyboard=kb.adjustment_decision(a.adjustment_id))


def adjustment_decided(e: events.AdjustmentDecided, to: Recipient) -> Rendered | None:
    a = e.adjustment
    if to.chat_id == a.decided_by:
        return None
    text = _("Adjustment #{id} was approved by {who}.") if a.status == "applied" else _(
        "Adjustment #{id} was rejected by {who}.")
    return Rendered(text=text.format(id=a.adjustment_id, who=fmt.isolate(str(a.decided_by))))


# --- to users and the payments channel, from staff actions -----------------------------------------


def staff_message(e: events.DisputeStaffMessage, to: Recipient) -> Rendered:
    return Rendered(
        text=_("🛡 <b>KOXX staff</b> about trade #{trade}:\n{text}").format(trade=e.trade_id, text=fmt.escape(e.text))
    )


def account_frozen(e: events.AccountFrozen, to: Recipient) -> Rendered:
    return Rendered(
        text=_("Your account is frozen: you cannot trade or withdraw for now.\nReason: {reason}").format(
            reason=fmt.escape(e.reason)
        )
    )


def account_unfrozen(e: events.AccountUnfrozen, to: Recipient) -> Rendered:
    return Rendered(text=_("Your account is active again.\nReason: {reason}").format(reason=fmt.escape(e.reason)))


def account_adjusted(e: events.AccountAdjusted, to: Recipient) -> Rendered:
    text = _("Your balance was corrected: {sign}{amount}.\nReason: {reason}").format(
        sign="+" if e.amount > 0 else "-", amount=fmt.crypto(abs(e.amount), e.asset, to.language),
        reason=fmt.escape(e.reason),
    )  # fmt: skip
    return Rendered(text=text)


def announcement(e: events.MarketAnnouncement, to: Recipient) -> Rendered:
    if e.what == "rate":
        text = _("📢 New reference rate: 1 {asset} = {rate}").format(
            asset=e.asset, rate=fmt.fiat(e.value, str(e.fiat), to.language)
        )
    elif e.what == "maker_fee_pct":
        text = _("📢 The maker fee is now {pct}.").format(pct=fmt.percent(e.value, to.language))
    else:
        text = _("📢 The taker fee is now {pct}.").format(pct=fmt.percent(e.value, to.language))
    return Rendered(text=text)


def reserves_short(e: events.ReservesShort, to: Recipient) -> Rendered:
    return Rendered(
        text=_("⚠️ Proof of reserves #{id}: the chain holds {held} of {asset}, less than the {owed} owed to users.").format(
            id=e.snapshot_id, held=fmt.crypto(e.held, e.asset, to.language), asset=fmt.code(e.asset, to.language),
            owed=fmt.crypto(e.owed, e.asset, to.language),
        )
    )  # fmt: skip


def reserves_refused(e: events.ReservesRefused, to: Recipient) -> Rendered:
    found = "\n".join(f"• <code>{fmt.escape(line)}</code>" for line in e.violations)
    return Rendered(
        text=_("🛑 No proof of reserves was published: the ledger audit failed. Check the books with /reconcile.")
        + "\n" + found
    )


def register(renderers: Renderers) -> None:
    admin, user, channel = events.ADMIN, events.USER, events.CHANNEL
    renderers.register(events.DisputeOpened, admin, dispute_opened)
    renderers.register(events.DisputeClaimed, admin, dispute_claimed)
    renderers.register(events.DisputeUnclaimed, admin, dispute_unclaimed)
    renderers.register(events.DisputeStatement, admin, dispute_statement)
    renderers.register(events.DisputeResolved, admin, dispute_resolved)
    renderers.register(events.DisputeNoAnswer, admin, dispute_no_answer)
    renderers.register(events.TradeFileReused, admin, file_reused)
    renderers.register(events.WithdrawalApprovalNeeded, admin, withdrawal_waiting)
    renderers.register(events.SweepFailed, admin, sweep_failed)
    renderers.register(events.ColdRefillNeeded, admin, cold_refill_needed)
    renderers.register(events.ColdTransferDone, admin, cold_transfer_done)
    renderers.register(events.ReferenceRateChanged, admin, rate_changed)
    renderers.register(events.MarketSettingChanged, admin, setting_changed)
    renderers.register(events.ReferenceRateStale, admin, rate_stale)
    renderers.register(events.AppealOpened, admin, appeal_opened)
    renderers.register(events.AppealHoldRequested, admin, appeal_hold_requested)
    renderers.register(events.AppealHoldChanged, admin, appeal_hold_changed)
    renderers.register(events.KycSubmitted, admin, kyc_submitted)
    renderers.register(events.AdjustmentRequested, admin, adjustment_requested)
    renderers.register(events.AdjustmentDecided, admin, adjustment_decided)
    renderers.register(events.DisputeStaffMessage, user, staff_message)
    renderers.register(events.AccountFrozen, user, account_frozen)
    renderers.register(events.AccountUnfrozen, user, account_unfrozen)
    renderers.register(events.AccountAdjusted, user, account_adjusted)
    renderers.register(events.MarketAnnouncement, channel, announcement)
    renderers.register(events.ReservesShort, admin, reserves_short)
    renderers.register(events.ReservesRefused, admin, reserves_refused)
