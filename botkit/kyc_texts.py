"""KYC texts both bots show: the level names, and the rejection reasons a moderator picks with
one press (stored as "preset:<code>", shown to the user in their own language)."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __

from botkit import fmt

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


def level_name(level: int) -> str:
    if level >= 2:
        return _("Level 2 (identity verified)")
    if level == 1:
        return _("Level 1 (phone verified)")
    return _("Level 0 (new account)")
