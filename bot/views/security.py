"""Texts of the security settings: the second factor's state, enrolment, recovery codes and the
anti-phishing code."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from botkit import fmt
from botkit.i18n import lang
from botkit.second_factor_texts import enrol as enrol  # shared with the admin bot
from botkit.second_factor_texts import recovery as recovery
from core.accounts.second_factor import Status


def home(status: Status, phrase: str | None) -> str:
    lg = lang()
    lines = [_("<b>Security</b>"), ""]
    if not status.enabled:
        lines.append(_("Second factor: off. Turn it on so that withdrawals, transfers and new saved addresses "
                       "need a code from an authenticator app on your phone (Google Authenticator, Authy, ...)."))  # fmt: skip
    else:
        lines.append(_("Second factor: on. Withdrawals, transfers, new saved addresses and allowing any address "
                       "need a code from your authenticator app."))  # fmt: skip
        lines.append(_("Recovery codes left: {n}").format(n=fmt.number(status.recovery_left, lg)))
        if status.off_at is not None:
            lines.append(_("⏳ It turns off on {time}. Until then codes are still asked.").format(
                time=fmt.datetime(status.off_at, lg)))  # fmt: skip
        if status.locked_until is not None:
            lines.append(_("🔒 Codes are locked until {time} after too many wrong ones.").format(
                time=fmt.datetime(status.locked_until, lg)))  # fmt: skip
    lines.append("")
    if phrase:
        lines.append(_("Anti-phishing code: {phrase}").format(phrase=f"<b>{fmt.isolate(fmt.escape(phrase))}</b>"))
        lines.append(_("Every message from us about your money starts with it. A message without it is not from us."))
    else:
        lines.append(_("Anti-phishing code: not set. Choose a short phrase and every message from us about your "
                       "money will start with it, so you can tell a fake message from a real one."))  # fmt: skip
    lines += ["", _("KOXX P2P staff never ask for your codes or your anti-phishing code. Never tell them to anyone.")]
    return "\n".join(lines)


def phrase_prompt() -> str:
    return _("Send your anti-phishing code: a short phrase only you know (1 to 32 characters, no links).")
