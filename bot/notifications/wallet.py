"""How core.wallet's events read (see botkit.notifier), in the recipient's language.

Users: deposit detected (waiting for confirmations), credited, too small (dust), dropped by a
chain reorganisation; withdrawal approved, on its way (txid), sent (txid), failed or rejected
(the hold is back). The payments channel: deposits credited and withdrawals sent (amount only,
nothing that points at a person) and the hot-wallet alerts. Staff (a sweep that failed, a
withdrawal to approve): admin_bot/notifications.py.

``WithdrawalRequested`` renders nothing for the user: they saw the result in place, on the
confirmation screen (it says whether an admin must approve first).
"""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.keyboards.wallet import open_wallet
from bot.views import wallet as views
from botkit import fmt
from botkit.rendering import Recipient, Rendered, Renderers
from core import events


def _amount(amount: int, asset: str) -> str:
    return views.amount(amount, asset)


def _txid(txid: str | None) -> str:
    return f"<code>{fmt.escape(txid or '')}</code>"


def _user(text: str) -> Rendered:
    return Rendered(text=text, keyboard=open_wallet())


# --- deposits ---------------------------------------------------------------------------------------


def deposit_detected(e: events.DepositDetected, to: Recipient) -> Rendered:
    return _user(
        _("📥 Deposit of {amount} detected. Waiting for {confirmations} on the TRON network; we will tell "
          "you when it is credited.").format(amount=_amount(e.amount, e.asset),
                                             confirmations=fmt.confirmations(e.confirmations_needed, to.language))
    )  # fmt: skip


def deposit_credited_channel(e: events.DepositCredited, to: Recipient) -> Rendered:
    return Rendered(text=_("📥 Deposit credited: {amount}").format(amount=_amount(e.amount, e.asset)))


def deposit_credited(e: events.DepositCredited, to: Recipient) -> Rendered:
    return _user(
        _("✅ Deposit of {amount} credited: it is in your available balance now.").format(
            amount=_amount(e.amount, e.asset))
        + "\n"
        + _("Transaction: {txid}").format(txid=_txid(e.txid))
    )  # fmt: skip


def deposit_dust(e: events.DepositDust, to: Recipient) -> Rendered:
    return _user(
        _("A deposit of {amount} arrived, below the minimum deposit of {minimum}, so it was not credited. "
          "Deposits from the minimum up are credited.").format(
            amount=_amount(e.amount, e.asset), minimum=views.amount(e.minimum, e.asset))
    )  # fmt: skip


def deposit_dropped(e: events.DepositDropped, to: Recipient) -> Rendered:
    return _user(
        _("⚠️ The deposit of {amount} we saw left the blockchain (a reorganisation) before it was confirmed. "
          "If it comes back we will credit it; if not, please check with the sender.").format(
            amount=_amount(e.amount, e.asset))
    )  # fmt: skip


# --- withdrawals ------------------------------------------------------------------------------------


def withdrawal_requested(e: events.WithdrawalRequested, to: Recipient) -> Rendered | None:
    return None  # shown in place by the confirmation (bot/handlers/wallet.py)


def withdrawal_approved(e: events.WithdrawalApproved, to: Recipient) -> Rendered:
    w = e.withdrawal
    return _user(
        _("👮 Withdrawal #{id} of {amount} was approved. It will be sent in a few minutes.").format(
            id=w.withdrawal_id, amount=_amount(w.amount, w.asset)
        )
    )


def withdrawal_broadcast(e: events.WithdrawalBroadcast, to: Recipient) -> Rendered:
    w = e.withdrawal
    return _user(
        _("📤 Withdrawal #{id} of {amount} is on its way to {address}.").format(
            id=w.withdrawal_id, amount=_amount(w.amount, w.asset), address=fmt.address(w.to_address)
        )
        + "\n"
        + _("Transaction: {txid}").format(txid=_txid(w.txid))
    )


def withdrawal_sent_channel(e: events.WithdrawalSent, to: Recipient) -> Rendered:
    w = e.withdrawal
    return Rendered(text=_("📤 Withdrawal sent: {amount}").format(amount=_amount(w.amount, w.asset)))


def withdrawal_sent(e: events.WithdrawalSent, to: Recipient) -> Rendered:
    w = e.withdrawal
    return _user(
        _("✅ Withdrawal #{id} completed: {amount} sent to {address}.").format(
            id=w.withdrawal_id, amount=_amount(w.amount, w.asset), address=fmt.address(w.to_address)
        )
        + "\n"
        + _("Transaction: {txid}").format(txid=_txid(w.txid))
    )


def withdrawal_failed(e: events.WithdrawalFailed, to: Recipient) -> Rendered:
    w = e.withdrawal
    return _user(
        _("❌ Withdrawal #{id} of {amount} could not be sent. {total} (with the network fee) is back in your "
          "available balance. You can try again, or contact support if it happens again.").format(
            id=w.withdrawal_id, amount=_amount(w.amount, w.asset), total=views.amount(w.amount + w.fee, w.asset))
    )  # fmt: skip


def withdrawal_rejected(e: events.WithdrawalRejected, to: Recipient) -> Rendered:
    w = e.withdrawal
    text = _("❌ Withdrawal #{id} of {amount} was not approved. {total} (with the network fee) is back in your "
             "available balance.").format(
        id=w.withdrawal_id, amount=_amount(w.amount, w.asset), total=views.amount(w.amount + w.fee, w.asset))  # fmt: skip
    if e.reason:
        text += "\n" + _("Reason: {reason}").format(reason=fmt.escape(e.reason))
    return _user(text)


# --- the payments channel ---------------------------------------------------------------------------


def hot_wallet_alert(e: events.HotWalletAlert, to: Recipient) -> Rendered:
    if e.reason == "too_little":
        head = _("⚠️ Hot wallet low on {asset}: it holds {hot}, withdrawals waiting need {pending}. "
                 "Top it up from cold storage.")  # fmt: skip
    elif e.target is None:  # a row written before the cold wallet
        head = _("⚠️ Hot wallet holds too much {asset}: {hot} of {owed} owed to users (more than {share}). "
                 "Move the excess to cold storage.")  # fmt: skip
    else:
        head = _("⚠️ Hot wallet holds too much {asset}: {hot}, above its target of {target} ({share} of the {owed} "
                 "owed to users, plus withdrawals waiting). No cold wallet is configured to move the excess to.")  # fmt: skip
    text = head.format(
        asset=e.asset,
        hot=views.amount(e.hot, e.asset),
        pending=views.amount(e.pending_withdrawals, e.asset),
        owed=views.amount(e.liabilities, e.asset),
        share=fmt.percent(e.max_share_pct, to.language),
        target=views.amount(e.target or 0, e.asset),
    )
    if e.unswept is not None:
        cold = views.amount(e.cold, e.asset) if e.cold is not None else _("not configured")
        text += "\n" + _("Hot {hot} · cold {cold} · deposit addresses not swept {unswept} · owed to users {owed}").format(
            hot=views.amount(e.hot, e.asset), cold=cold, unswept=views.amount(e.unswept, e.asset),
            owed=views.amount(e.liabilities, e.asset),
        )  # fmt: skip
    return Rendered(text=text)


def register(renderers: Renderers) -> None:
    user, channel = events.USER, events.CHANNEL
    renderers.register(events.DepositDetected, user, deposit_detected)
    renderers.register(events.DepositCredited, user, deposit_credited)
    renderers.register(events.DepositCredited, channel, deposit_credited_channel)
    renderers.register(events.DepositDust, user, deposit_dust)
    renderers.register(events.DepositDropped, user, deposit_dropped)
    renderers.register(events.WithdrawalRequested, user, withdrawal_requested)
    renderers.register(events.WithdrawalApproved, user, withdrawal_approved)
    renderers.register(events.WithdrawalBroadcast, user, withdrawal_broadcast)
    renderers.register(events.WithdrawalSent, user, withdrawal_sent)
    renderers.register(events.WithdrawalSent, channel, withdrawal_sent_channel)
    renderers.register(events.WithdrawalFailed, user, withdrawal_failed)
    renderers.register(events.WithdrawalRejected, user, withdrawal_rejected)
    renderers.register(events.HotWalletAlert, channel, hot_wallet_alert)
