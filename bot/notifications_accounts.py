"""How the accounts' outbox events read (see bot.notifier): verification results, moderators'
queue, transfers received, referrals, premium reminders. Rendered in the recipient's language."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from bot import fmt
from bot.notifier import Recipient, Rendered, renders

# Reasons a moderator can pick with one press; stored as "preset:<code>" and shown to the user
# in their own language.
PRESET_REASONS = {
    "blurry": __("The photos are blurry or too dark."),
    "unreadable": __("The document cannot be read completely."),
    "mismatch": __("The selfie does not match the document."),
    "expired": __("The document has expired."),
}


def reason_text(reason: str) -> str:
    if reason.startswith("preset:") and reason.removeprefix("preset:") in PRESET_REASONS:
        return str(PRESET_REASONS[reason.removeprefix("preset:")])
    return fmt.escape(reason)


def _name(payload: dict[str, Any], key: str) -> str:
    return fmt.isolate(fmt.escape(str(payload.get(key) or "")))


@renders("kyc.submitted")
def kyc_submitted(payload: dict[str, Any], to: Recipient) -> Rendered:
    return Rendered(
        _("🪪 New identity verification #{id} from {name}. Review it with /kyc.").format(
            id=payload["request_id"], name=_name(payload, "name")
        )
    )


@renders("kyc.approved")
def kyc_approved(payload: dict[str, Any], to: Recipient) -> Rendered:
    return Rendered(
        _("✅ Your identity is verified: you are now at level 2 with the highest limits. See them with /limits.")
    )


@renders("kyc.rejected")
def kyc_rejected(payload: dict[str, Any], to: Recipient) -> Rendered:
    return Rendered(
        _("Your identity verification was not accepted.\nReason: {reason}\n\nYou can send new photos with /verify.")
        .format(reason=reason_text(str(payload.get("reason", ""))))
    )


@renders("transfer.received")
def transfer_received(payload: dict[str, Any], to: Recipient) -> Rendered:
    text = _("💸 You received {amount} from {name}.").format(
        amount=fmt.crypto(int(payload["amount"]), payload["asset"], to.language), name=_name(payload, "from_name")
    )
    if payload.get("note"):
        text += "\n" + _("Note: {note}").format(note=fmt.escape(str(payload["note"])))
    return Rendered(text)


@renders("referral.joined")
def referral_joined(payload: dict[str, Any], to: Recipient) -> Rendered:
    return Rendered(_("🎉 {name} joined KOXX P2P through your link.").format(name=_name(payload, "name")))


@renders("referral.reward")
def referral_reward(payload: dict[str, Any], to: Recipient) -> Rendered:
    return Rendered(
        _("🎁 You earned {amount}: {name}, whom you invited, completed a trade.").format(
            amount=fmt.crypto(int(payload["amount"]), payload["asset"], to.language),
            name=_name(payload, "referred_name"),
        )
    )


@renders("premium.expiring")
def premium_expiring(payload: dict[str, Any], to: Recipient) -> Rendered:
    until = datetime.fromisoformat(str(payload["until"]))
    return Rendered(
        _("⭐ Your premium membership ends on {date}. Renew it with /premium to keep your badge, "
          "lower fees and promoted offers.").format(date=fmt.datetime(until, to.language))
    )


@renders("premium.expired")
def premium_expired(payload: dict[str, Any], to: Recipient) -> Rendered:
    return Rendered(
        _("Your premium membership has ended: your offers are no longer promoted and the usual fees apply. "
          "You can renew it with /premium.")
    )
