"""The second factor's and the anti-phishing code's texts read in Arabic only (Latin script only
for names that stay Latin), with Arabic-Indic digits; and a money notice to a user with a phrase
starts with it, in their language, while a channel post never carries one."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot.views import security as views
from botkit.errors import error_text
from botkit.i18n import use_locale
from botkit.rendering import Recipient
from botkit.second_factor_texts import code_prompt, read_code
from core.accounts.second_factor import Status
from core.errors import DomainError
from core.money import MICRO
from tests.rendering import render_row
from tests.wallet_bot.test_arabic import latin_leftovers

CODES = ["second_factor_required", "second_factor_format", "second_factor_used", "second_factor_already_on",
         "second_factor_off", "second_factor_not_started", "second_factor_needed", "phrase_link"]  # fmt: skip
NAMES = {"Google", "Authenticator", "Authy", "Microsoft", "QR", "abcd", "efgh", "security"}


def test_security_texts_read_in_arabic() -> None:
    until = datetime(2026, 12, 5, 10, 30, tzinfo=UTC)
    with use_locale("ar"):
        texts = [
            views.home(Status(True, until, until, 7), "قطتي"),
            views.home(Status(False, None, None, 0), None),
            views.enrol("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").replace("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", ""),
            views.recovery([]),
            views.phrase_prompt(),
            code_prompt(),
            error_text(DomainError("second_factor_wrong", left=3)),
            error_text(DomainError("second_factor_locked", until=until.isoformat())),
            error_text(DomainError("phrase_length", max_length=32)),
            *(error_text(DomainError(c)) for c in CODES),
        ]
    for text in texts:
        assert set(latin_leftovers(re.sub(r"<[^>]+>", "", text))) <= NAMES, text
    assert "٧" in texts[0] and "٣" in texts[6] and "٣٢" in texts[8]


def test_codes_typed_with_arabic_digits_or_spaces_are_read() -> None:
    assert read_code("١٢٣ ٤٥٦") == "123456"
    assert read_code("۱۲۳۴۵۶") == "123456"
    assert read_code("x" * 100) == "x"


def test_the_phrase_heads_a_user_money_notice_never_a_channel_post() -> None:
    payload = {"deposit_id": 1, "user_id": 42, "asset": "USDT", "amount": 5 * MICRO, "txid": "ab" * 32}
    user = render_row("deposit_credited", payload, Recipient("user", 42, "ar", "قطتي <b>"))
    assert user is not None and user.text.startswith("🔒 رمز مكافحة التصيّد الخاص بك: <b>\u2068قطتي &lt;b&gt;\u2069</b>\n\n")
    plain = render_row("deposit_credited", payload, Recipient("user", 42, "en"))
    assert plain is not None and "anti-phishing" not in plain.text
    channel = render_row("deposit_credited", payload, Recipient("channel", -100, "ar", "x"))
    assert channel is not None and "🔒" not in channel.text
