"""How the accounts' events read for traders (see botkit.notifier): verification results,
transfers received, referrals, premium reminders. Rendered in the recipient's language. (The
moderators' queue: admin_bot/notifications.py.)"""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from botkit import fmt
from botkit.kyc_texts import reason_text
from botkit.rendering import Recipient, Rendered, Renderers
from core import events


def _name(name: str | None) -> str:
    return fmt.isolate(fmt.escape(name or ""))


def kyc_approved(e: events.KycApproved, to: Recipient) -> Rendered:
    return Rendered(
        _("✅ Your identity is verified: you are now at level 2 with the highest limits. See them with /limits.")
    )


def kyc_rejected(e: events.KycRejected, to: Recipient) -> Rendered:
    return Rendered(
        _("Your identity verification was not accepted.\nReason: {reason}\n\nYou can send new photos with /verify.")
        .format(reason=reason_text(e.reason))
    )


def transfer_received(e: events.TransferReceived, to: Recipient) -> Rendered:
    text = _("💸 You received {amount} from {name}.").format(
        amount=fmt.crypto(e.amount, e.asset, to.language), name=_name(e.from_name)
    )
    if e.note:
        text += "\n" + _("Note: {note}").format(note=fmt.escape(e.note))
    return Rendered(text)


def referral_joined(e: events.ReferralJoined, to: Recipient) -> Rendered:
    return Rendered(_("🎉 {name} joined KOXX P2P through your link.").format(name=_name(e.name)))


def referral_reward(e: events.ReferralReward, to: Recipient) -> Rendered:
    return Rendered(
        _("🎁 You earned {amount}: {name}, whom you invited, completed a trade.").format(
            amount=fmt.crypto(e.amount, e.asset, to.language),
            name=_name(e.referred_name),
        )
    )


def premium_expiring(e: events.PremiumExpiring, to: Recipient) -> Rendered:
    return Rendered(
        _("⭐ Your premium membership ends on {date}. Renew it with /premium to keep your badge, "
          "lower fees and promoted offers.").format(date=fmt.datetime(e.until, to.language))
    )


def premium_expired(e: events.PremiumExpired, to: Recipient) -> Rendered:
    return Rendered(
        _("Your premium membership has ended: your offers are no longer promoted and the usual fees apply. "
          "You can renew it with /premium.")
    )


def register(renderers: Renderers) -> None:
    user = events.USER
    renderers.register(events.KycApproved, user, kyc_approved)
    renderers.register(events.KycRejected, user, kyc_rejected)
    renderers.register(events.TransferReceived, user, transfer_received)
    renderers.register(events.ReferralJoined, user, referral_joined)
    renderers.register(events.ReferralReward, user, referral_reward)
    renderers.register(events.PremiumExpiring, user, premium_expiring)
    renderers.register(events.PremiumExpired, user, premium_expired)
