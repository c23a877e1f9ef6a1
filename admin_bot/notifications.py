"""What staff receive in the admin bot (renderers with ``staff=True``: the notifier uses them
for the recipient "admins" before the traders'-bot renderer of the same kind), and the few
messages staff actions send to users and the payments channel.

Kinds from core/escrow and core/wallet rendered here for staff: dispute.opened (with Take),
dispute.claimed, dispute.unclaimed, dispute.statement, dispute.resolved, trade.file_reused,
withdrawal_approval_needed, market.rate_changed, market.setting_changed.
Kinds of core.admin.actions: dispute.staff_message, account.frozen|unfrozen|adjusted (users),
adjustment.requested (with Approve / Reject) and adjustment.decided (admins),
market.announcement (channel:payments).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from aiogram.utils.i18n import gettext as _

from admin_bot import keyboards as kb
from admin_bot import views as admin_views
from admin_bot.keyboards import WithdrawalCb
from bot import fmt
from bot.keyboards.builder import InlineKeyboardBuilder
from bot.notifier import Recipient, Rendered, renders

Payload = dict[str, Any]


def _amount(p: Payload, lang: str) -> str:
    return fmt.crypto(int(p["crypto_amount"]), p["asset"], lang)


def _by(p: Payload) -> str:
    return fmt.isolate(str(p["by"])) if p.get("by") is not None else _("the system")


def _fiat(p: Payload, lang: str) -> str:
    return fmt.fiat(Decimal(p["fiat_amount"]), p["fiat"], lang)


@renders("dispute.opened", staff=True)
def dispute_opened(p: Payload, to: Recipient) -> Rendered:
    opener = _("the system (the seller did not release in time)") if p.get("escalated") else (
        _("the buyer") if p.get("opened_by") == p.get("buyer_id") else _("the seller")
    )
    text = "\n".join([
        _("⚖️ <b>New dispute #{id}</b> · trade #{trade}").format(id=p["dispute_id"], trade=p["trade_id"]),
        _("Amount: {crypto} for {fiat}").format(crypto=_amount(p, to.language), fiat=_fiat(p, to.language)),
        _("Opened by {who}: {reason}").format(who=opener, reason=fmt.escape(str(p.get("reason") or ""))),
    ])  # fmt: skip
    return Rendered(text=text, keyboard=kb.dispute_push(int(p["dispute_id"])))


@renders("dispute.claimed", staff=True)
def dispute_claimed(p: Payload, to: Recipient) -> Rendered | None:
    if p.get("owner_id") == to.chat_id:
        return None  # the one who took it knows
    return Rendered(
        text=_("Dispute #{id} is now handled by {who}.").format(
            id=p["dispute_id"], who=fmt.isolate(str(p.get("owner_id")))
        )
    )


@renders("dispute.unclaimed", staff=True)
def dispute_unclaimed(p: Payload, to: Recipient) -> Rendered:
    return Rendered(
        text=_("Dispute #{id} is back in the queue; nobody is handling it.").format(id=p["dispute_id"]),
        keyboard=kb.dispute_push(int(p["dispute_id"])),
    )


@renders("dispute.statement", staff=True)
def dispute_statement(p: Payload, to: Recipient) -> Rendered:
    text = _("📝 New statement in dispute #{id} (trade #{trade}):\n{text}").format(
        id=p["dispute_id"], trade=p["trade_id"], text=fmt.escape(str(p.get("text") or _("(photo)")))
    )
    return Rendered(text=text, keyboard=kb.dispute_push(int(p["dispute_id"])))


@renders("dispute.resolved", staff=True)
def dispute_resolved(p: Payload, to: Recipient) -> Rendered:
    outcome = _("released to the buyer") if p.get("outcome") == "release" else _("refunded to the seller")
    return Rendered(
        text=_("✅ Dispute #{id} resolved by {who}: {outcome}.\nReason: {reason}").format(
            id=p["dispute_id"], who=fmt.isolate(str(p.get("resolved_by"))), outcome=outcome,
            reason=fmt.escape(str(p.get("reason") or "")),
        )
    )


@renders("trade.file_reused", staff=True)
def file_reused(p: Payload, to: Recipient) -> Rendered:
    others = ", ".join(f"#{t}" for t in p.get("other_trade_ids", []))
    return Rendered(
        text=_("⚠️ Trade #{trade}: a file was sent that was already used in trade {others}.").format(
            trade=p["trade_id"], others=others
        )
    )


@renders("withdrawal_approval_needed", staff=True)
def withdrawal_waiting(p: Payload, to: Recipient) -> Rendered:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("Open"), callback_data=WithdrawalCb(action="open", withdrawal_id=int(p["withdrawal_id"])))
    return Rendered(
        text=_("💸 Withdrawal #{id} of {amount} waits for approval ({n} admins needed).\nTo: {address}").format(
            id=p["withdrawal_id"], amount=fmt.crypto(int(p["amount"]), p["asset"], to.language),
            n=fmt.number(int(p.get("approvals_needed") or 0), to.language), address=fmt.address(str(p["to_address"])),
        ),
        keyboard=builder.as_markup(),
    )


@renders("market.rate_changed", staff=True)
def rate_changed(p: Payload, to: Recipient) -> Rendered:
    return Rendered(
        text=_("Reference rate {asset}/{fiat} is now {rate} (set by {who}).").format(
            asset=p["asset"], fiat=p["fiat"], rate=fmt.fiat(Decimal(p["rate"]), p["fiat"], to.language),
            who=_by(p),
        )
    )


@renders("market.setting_changed", staff=True)
def setting_changed(p: Payload, to: Recipient) -> Rendered:
    return Rendered(
        text=_("Setting {name} is now {value} (set by {who}).").format(
            name=p["name"], value=fmt.escape(str(p["value"])), who=_by(p)
        )
    )


# --- to users and the payments channel, from staff actions -----------------------------------------


@renders("dispute.staff_message")
def staff_message(p: Payload, to: Recipient) -> Rendered:
    return Rendered(
        text=_("🛡 <b>KOXX staff</b> about trade #{trade}:\n{text}").format(
            trade=p["trade_id"], text=fmt.escape(str(p["text"]))
        )
    )


@renders("account.frozen")
def account_frozen(p: Payload, to: Recipient) -> Rendered:
    return Rendered(
        text=_("Your account is frozen: you cannot trade or withdraw for now.\nReason: {reason}").format(
            reason=fmt.escape(str(p["reason"]))
        )
    )


@renders("account.unfrozen")
def account_unfrozen(p: Payload, to: Recipient) -> Rendered:
    return Rendered(
        text=_("Your account is active again.\nReason: {reason}").format(reason=fmt.escape(str(p["reason"])))
    )


@renders("account.adjusted")
def account_adjusted(p: Payload, to: Recipient) -> Rendered:
    amount = int(p["amount"])
    text = _("Your balance was corrected: {sign}{amount}.\nReason: {reason}").format(
        sign="+" if amount > 0 else "-", amount=fmt.crypto(abs(amount), p["asset"], to.language),
        reason=fmt.escape(str(p["reason"])),
    )  # fmt: skip
    return Rendered(text=text)


@renders("adjustment.requested", staff=True)
def adjustment_requested(p: Payload, to: Recipient) -> Rendered | None:
    if to.chat_id == p.get("requested_by"):
        return None  # the requester saw it in place
    return Rendered(text=admin_views.adjustment_text(p, to.language), keyboard=kb.adjustment_decision(int(p["adjustment_id"])))


@renders("adjustment.decided", staff=True)
def adjustment_decided(p: Payload, to: Recipient) -> Rendered | None:
    if to.chat_id == p.get("decided_by"):
        return None
    text = _("Adjustment #{id} was approved by {who}.") if p["status"] == "applied" else _(
        "Adjustment #{id} was rejected by {who}.")
    return Rendered(text=text.format(id=p["adjustment_id"], who=fmt.isolate(str(p.get("decided_by")))))


@renders("market.announcement")
def announcement(p: Payload, to: Recipient) -> Rendered:
    what = p["what"]
    if what == "rate":
        text = _("📢 New reference rate: 1 {asset} = {rate}").format(
            asset=p["asset"], rate=fmt.fiat(Decimal(p["value"]), p["fiat"], to.language)
        )
    elif what == "maker_fee_pct":
        text = _("📢 The maker fee is now {pct}.").format(pct=fmt.percent(Decimal(p["value"]), to.language))
    else:
        text = _("📢 The taker fee is now {pct}.").format(pct=fmt.percent(Decimal(p["value"]), to.language))
    return Rendered(text=text)
