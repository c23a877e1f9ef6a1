"""Texts shared by the accounts handlers and notifications: levels, limits and how to raise
them, and the sentences for the accounts' DomainError codes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from botkit import fmt
from botkit.errors import register_error_texts
from botkit.i18n import lang
from botkit.kyc_texts import level_name
from core.accounts.config import Limits
from core.escrow.limits import Usage
from core.ledger import StatementLine
from core.money import Asset, from_micro

KIND_LABELS = {
    "per_trade": __("Largest single trade"),
    "daily_trade": __("Trading volume per 24 hours"),
    "daily_withdrawal": __("Withdrawals per 24 hours"),
    "daily_transfer": __("Internal transfers per 24 hours"),
    "open_offers": __("Open offers at once"),
}


def how_to_raise(level: int) -> str:
    if level <= 0:
        return _("Share your phone number with /verify to reach level 1.")
    if level == 1:
        return _("Verify your identity with /verify (a photo of your ID card and a selfie) to reach level 2.")
    return _("You are at the highest level. If you need more, please contact support.")


def _amount(value: int, asset: str | None) -> str:
    return fmt.crypto(value, asset, lang()) if asset else fmt.number(value, lang())


def limit_exceeded(p: Mapping[str, Any]) -> str:
    asset = p.get("asset")
    text = _(
        "This is above your limit. {what} at {level}: {limit} (used: {used}, left: {left})."
    ).format(
        what=str(KIND_LABELS.get(p["kind"], p["kind"])),
        level=level_name(int(p["level"])),
        limit=_amount(int(p["limit"]), asset),
        used=_amount(int(p["used"]), asset),
        left=_amount(int(p["left"]), asset),
    )
    if p.get("next_level") is not None and p.get("next_limit") is not None:
        text += "\n" + _("At level {level} the limit is {limit}.").format(
            level=fmt.number(int(p["next_level"]), lang()), limit=_amount(int(p["next_limit"]), asset)
        )
    return text + "\n" + how_to_raise(int(p["level"]))


def _both(values: Mapping[Asset, int], used: Mapping[Asset, int] | None = None) -> str:
    parts = []
    for asset in Asset:
        limit = fmt.crypto(values[asset], asset, lang())
        if used is None:
            parts.append(limit)
        else:
            parts.append(_("{used} of {limit}").format(used=fmt.number(from_micro(used[asset]).normalize(), lang()), limit=limit))
    return " · ".join(parts)


def limits_view(level: int, usage: Usage) -> str:
    limits: Limits = usage.limits
    lines = [
        _("<b>Your limits</b> · {level}").format(level=level_name(level)),
        "",
        f"{KIND_LABELS['per_trade']}: {_both(limits.per_trade)}",
        f"{KIND_LABELS['daily_trade']}: {_both(limits.daily_trade, usage.traded)}",
        f"{KIND_LABELS['daily_withdrawal']}: {_both(limits.daily_withdrawal)}",
        f"{KIND_LABELS['daily_transfer']}: {_both(limits.daily_transfer, usage.transferred)}",
        f"{KIND_LABELS['open_offers']}: "
        + _("{used} of {limit}").format(used=fmt.number(usage.open_offers, lang()),
                                        limit=fmt.number(limits.open_offers, lang())),
        "",
        how_to_raise(level),
    ]
    return "\n".join(lines)


register_error_texts(
    {
        "limit_exceeded": limit_exceeded,
        "counterparty_limit": lambda p: _(
            "The other side cannot trade this much today (they can still trade {left}). "
            "Please choose a smaller amount or another offer."
        ).format(left=_amount(int(p["left"]), p.get("asset"))),
        "contact_not_yours": lambda p: _(
            "That is not your own contact. Please press the «Share my phone number» button below "
            "to share the phone number of this Telegram account."
        ),
        "phone_invalid": lambda p: _("That phone number does not look right. Please use the button below."),
        "photo_missing": lambda p: _("Please send a photo."),
        "photo_too_large": lambda p: _("That photo is too large. Please send a photo under 10 MB."),
        "kyc_already_verified": lambda p: _("Your identity is already verified."),
        "kyc_phone_first": lambda p: _("Please share your phone number first: /verify"),
        "kyc_pending": lambda p: _("Your documents are already with a moderator. We will tell you the result."),
        "kyc_already_reviewed": lambda p: _("This request was already decided by another moderator."),
        "kyc_reason_invalid": lambda p: _("Please write a reason of at most 500 characters."),
        "kyc_files_deleted": lambda p: _("The photos of this request were deleted after the retention period."),
        "recipient_not_found": lambda p: _(
            "I could not find that user. They must have started this bot. "
            "Send their @username or their Telegram ID, for example @ali_iq or 123456789."
        ),
        "note_too_long": lambda p: _("The note can have at most 140 characters."),
        "account_frozen": lambda p: _("Your account is frozen, so you cannot send coins. Please contact support."),
        "transfer_to_self": lambda p: _("You cannot send coins to yourself."),
        "amount_not_positive": lambda p: _("The amount must be more than zero, for example 150."),
        "premium_required": lambda p: _("Promoting offers is part of premium membership: /premium"),
        "promotion_limit": lambda p: _("You can promote at most {offers} at a time.").format(
            offers=fmt.offers(int(p["limit"]), lang())
        ),
    }
)


def history_line(line: StatementLine) -> str | None:
    """How an accounts entry reads in the wallet history (/wallet): internal transfers (both
    sides), referral rewards and premium purchases; None for other kinds."""
    memo = line.memo or {}
    amount = fmt.crypto(abs(line.amount), line.asset, lang())
    if line.kind == "transfer":
        if line.amount < 0:
            text = _("Sent {amount} to {name}").format(amount=amount, name=_who(memo.get("to_name")))
        else:
            text = _("Received {amount} from {name}").format(amount=amount, name=_who(memo.get("from_name")))
        if memo.get("note"):
            text += " · " + fmt.escape(str(memo["note"]))
        return text
    if line.kind == "referral_reward":
        return _("Referral reward {amount} (a trade by {name})").format(
            amount=amount, name=_who(memo.get("referred_name"))
        )
    if line.kind == "premium":
        return _("Premium membership {amount}").format(amount=amount)
    return None


def _who(name: object) -> str:
    return fmt.isolate(fmt.escape(str(name or "?")))
