"""What both bots say about the second factor (core.accounts.second_factor): reading a typed
code, and the refusals. Importing this module registers the refusals' texts."""

from __future__ import annotations

from datetime import datetime

from aiogram.utils.i18n import gettext as _

from botkit import fmt
from botkit.errors import register_error_texts
from botkit.i18n import lang
from botkit.numbers import normalize
from core.users import User

MAX_TYPED = 40  # longer is not a code


def read_code(text: str | None) -> str:
    """What someone typed as a code, Arabic-Indic digits made Latin and spaces dropped; core
    checks the form (second_factor_format) and the code."""
    typed = text or ""
    if len(typed) > MAX_TYPED:
        return "x"  # refused by core as second_factor_format, without copying a long text around
    return "".join(normalize(typed).split())


def account_label(me: User) -> str:
    """How the account is named in the authenticator app: @username, else the first name."""
    return f"@{me.username}" if me.username else (me.first_name or str(me.id))


def enrol(secret: str) -> str:
    return _(
        "<b>Turn on the second factor</b>\n\n"
        "1. Open an authenticator app (Google Authenticator, Authy, Microsoft Authenticator).\n"
        "2. Scan this QR code, or enter this key by hand:\n<code>{secret}</code>\n"
        "3. Send me the 6-digit code the app shows.\n\n"
        "The second factor is on only after a right code."
    ).format(secret=fmt.escape(secret))


def recovery(codes: list[str]) -> str:
    shown = "\n".join(f"<code>{c}</code>" for c in codes)
    return _(
        "✅ <b>The second factor is on.</b>\n\n"
        "Your recovery codes (each works once instead of a code, if you lose your phone):\n{codes}\n\n"
        "Write them down and keep them safe: this is the only time they are shown."
    ).format(codes=shown)


def code_prompt() -> str:
    return _("🔐 Send the 6-digit code from your authenticator app (or one of your recovery codes) to confirm.")


register_error_texts(
    {
        "second_factor_required": lambda p: _(
            "This needs the 6-digit code from your authenticator app. Nothing was done."
        ),
        "second_factor_format": lambda p: _(
            "That is not a code. Please send the 6 digits your authenticator app shows now (for example "
            "123456), or one of your recovery codes (for example abcd-efgh)."
        ),
        "second_factor_wrong": lambda p: _(
            "That code is not right. Nothing was done. Attempts left before a 15-minute lock: {left}."
        ).format(left=fmt.number(int(p.get("left", 0)), lang())),
        "second_factor_used": lambda p: _(
            "That code was used already: each code works once. Wait for the next one in your app (at most "
            "30 seconds) and send it. Nothing was done."
        ),
        "second_factor_locked": lambda p: _(
            "Too many wrong codes: codes are locked until {time}, for your safety. Nothing was done."
        ).format(time=fmt.datetime(datetime.fromisoformat(str(p["until"])), lang())),
        "second_factor_already_on": lambda p: _("Your second factor is already on."),
        "second_factor_off": lambda p: _("Your second factor is not on."),
        "second_factor_not_started": lambda p: _("Please start again: open /security and turn the second factor on."),
        "second_factor_needed": lambda p: _(
            "Approving a withdrawal this large needs your own one-time code. Turn your second factor on first: "
            "send /security and follow the steps, then approve again."
        ),
        "phrase_length": lambda p: _("The anti-phishing code must be 1 to {max} long.").format(
            max=fmt.characters(int(p.get("max_length", 32)), lang())
        ),
        "phrase_link": lambda p: _("The anti-phishing code cannot contain a link, a website or a @username."),
    }
)
