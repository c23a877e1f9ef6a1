"""How core.wallet's outbox events read (see bot.notifier), in the recipient's language.

Users: deposit detected (waiting for confirmations), credited, too small (dust), dropped by a
chain reorganisation; withdrawal approved, on its way (txid), sent (txid), failed or rejected
(the hold is back). The payments channel: deposits credited and withdrawals sent (amount only,
nothing that points at a person) and the hot-wallet alerts. Staff: a sweep that failed.

``withdrawal_requested`` renders nothing for the user: they saw the result in place, on the
confirmation screen (it says whether an admin must approve first).
"""

from __future__ import annotations

from typing import Any

from aiogram.utils.i18n import gettext as _

from bot import fmt
from bot.keyboards.wallet import back_to_wallet
from bot.notifier import Recipient, Rendered, renders
from bot.views import wallet as views

Payload = dict[str, Any]


def _amount(p: Payload) -> str:
    return views.amount(int(p["amount"]), str(p["asset"]))


def _txid(p: Payload) -> str:
    return f"<code>{fmt.escape(str(p.get('txid') or ''))}</code>"


def _user(text: str) -> Rendered:
    return Rendered(text=text, keyboard=back_to_wallet())


# --- deposits ---------------------------------------------------------------------------------------


@renders("deposit_detected")
def deposit_detected(p: Payload, to: Recipient) -> Rendered:
    return _user(
        _("📥 Deposit of {amount} detected. Waiting for {n} confirmations on the TRON network; we will tell "
          "you when it is credited.").format(amount=_amount(p), n=fmt.number(int(p["confirmations_needed"]),
                                                                            to.language))
    )  # fmt: skip


@renders("deposit_credited")
def deposit_credited(p: Payload, to: Recipient) -> Rendered:
    if to.kind == "channel":
        return Rendered(text=_("📥 Deposit credited: {amount}").format(amount=_amount(p)))
    return _user(
        _("✅ Deposit of {amount} credited: it is in your available balance now.").format(amount=_amount(p))
        + "\n"
        + _("Transaction: {txid}").format(txid=_txid(p))
    )


@renders("deposit_dust")
def deposit_dust(p: Payload, to: Recipient) -> Rendered:
    return _user(
        _("A deposit of {amount} arrived, below the minimum deposit of {minimum}, so it was not credited. "
          "Deposits from the minimum up are credited.").format(
            amount=_amount(p), minimum=views.amount(int(p["minimum"]), str(p["asset"])))
    )  # fmt: skip


@renders("deposit_dropped")
def deposit_dropped(p: Payload, to: Recipient) -> Rendered:
    return _user(
        _("⚠️ The deposit of {amount} we saw left the blockchain (a reorganisation) before it was confirmed. "
          "If it comes back we will credit it; if not, please check with the sender.").format(amount=_amount(p))
    )  # fmt: skip


# --- withdrawals ------------------------------------------------------------------------------------


@renders("withdrawal_requested")
def withdrawal_requested(p: Payload, to: Recipient) -> Rendered | None:
    return None  # shown in place by the confirmation (bot/handlers/wallet.py)


@renders("withdrawal_approved")
def withdrawal_approved(p: Payload, to: Recipient) -> Rendered:
    return _user(
        _("👮 Withdrawal #{id} of {amount} was approved. It will be sent in a few minutes.").format(
            id=p["withdrawal_id"], amount=_amount(p)
        )
    )


@renders("withdrawal_broadcast")
def withdrawal_broadcast(p: Payload, to: Recipient) -> Rendered:
    return _user(
        _("📤 Withdrawal #{id} of {amount} is on its way to {address}.").format(
            id=p["withdrawal_id"], amount=_amount(p), address=fmt.address(str(p["to_address"]))
        )
        + "\n"
        + _("Transaction: {txid}").format(txid=_txid(p))
    )


@renders("withdrawal_sent")
def withdrawal_sent(p: Payload, to: Recipient) -> Rendered:
    if to.kind == "channel":
        return Rendered(text=_("📤 Withdrawal sent: {amount}").format(amount=_amount(p)))
    return _user(
        _("✅ Withdrawal #{id} completed: {amount} sent to {address}.").format(
            id=p["withdrawal_id"], amount=_amount(p), address=fmt.address(str(p["to_address"]))
        )
        + "\n"
        + _("Transaction: {txid}").format(txid=_txid(p))
    )


@renders("withdrawal_failed")
def withdrawal_failed(p: Payload, to: Recipient) -> Rendered:
    total = int(p["amount"]) + int(p.get("fee") or 0)
    return _user(
        _("❌ Withdrawal #{id} of {amount} could not be sent. {total} (with the network fee) is back in your "
          "available balance. You can try again, or contact support if it happens again.").format(
            id=p["withdrawal_id"], amount=_amount(p), total=views.amount(total, str(p["asset"])))
    )  # fmt: skip


@renders("withdrawal_rejected")
def withdrawal_rejected(p: Payload, to: Recipient) -> Rendered:
    total = int(p["amount"]) + int(p.get("fee") or 0)
    text = _("❌ Withdrawal #{id} of {amount} was not approved. {total} (with the network fee) is back in your "
             "available balance.").format(
        id=p["withdrawal_id"], amount=_amount(p), total=views.amount(total, str(p["asset"])))  # fmt: skip
    if p.get("reason"):
        text += "\n" + _("Reason: {reason}").format(reason=fmt.escape(str(p["reason"])))
    return _user(text)


# --- the payments channel and staff ----------------------------------------------------------------


@renders("hot_wallet_alert")
def hot_wallet_alert(p: Payload, to: Recipient) -> Rendered:
    asset = str(p["asset"])
    if p.get("reason") == "too_little":
        head = _("⚠️ Hot wallet low on {asset}: it holds {hot}, withdrawals waiting need {pending}. "
                 "Top it up from cold storage.")  # fmt: skip
    else:
        head = _("⚠️ Hot wallet holds too much {asset}: {hot} of {owed} owed to users (more than {share}). "
                 "Move the excess to cold storage.")  # fmt: skip
    return Rendered(
        text=head.format(
            asset=asset,
            hot=views.amount(int(p["hot"]), asset),
            pending=views.amount(int(p["pending_withdrawals"]), asset),
            owed=views.amount(int(p["liabilities"]), asset),
            share=fmt.percent(int(p["max_share_pct"]), to.language),
        )
    )


@renders("sweep_failed", staff=True)
def sweep_failed(p: Payload, to: Recipient) -> Rendered:
    return Rendered(
        text=_("⚠️ Sweeping the {asset} of user {user} to the hot wallet failed: {error}").format(
            asset=fmt.escape(str(p.get("asset"))),
            user=p.get("user_id"),
            error=fmt.escape(str(p.get("error"))),
        )
    )
