"""Optional error reporting: with SENTRY_DSN, what reaches Sentry carries no secret of the
settings and no phone number (the SDK runs with a transport that keeps the events here: no
network)."""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any

import sentry_sdk
from sentry_sdk.envelope import Envelope
from sentry_sdk.integrations.logging import LoggingIntegration
from sentry_sdk.transport import Transport

import logs
from core.config import load_settings


class Kept(Transport):  # type: ignore[misc]
    """Sentry's transport that keeps every envelope instead of sending it."""

    def __init__(self, options: Any = None) -> None:
        super().__init__(options)
        self.envelopes: list[Envelope] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        self.envelopes.append(envelope)


def settings_with_secrets() -> Any:
    return load_settings(
        bot_token=f"7{secrets.randbelow(10**8):08d}:{secrets.token_urlsafe(26)}",
        webhook_secret=secrets.token_urlsafe(24),
        hot_wallet_key=secrets.token_hex(32),
        database_url=f"postgresql://koxx:{secrets.token_hex(8)}@db.internal:5432/koxx",
        sentry_dsn="https://publickey@sentry.example.org/42",
    )


def test_the_scrubber_removes_every_secret_and_phone() -> None:
    settings = settings_with_secrets()
    token = settings.bot_token.get_secret_value()
    key = settings.hot_wallet_key.get_secret_value()
    password = settings.database_url.get_secret_value().split(":")[2].split("@")[0]
    event: dict[str, Any] = {
        "message": f"call to https://api.telegram.org/bot{token}/sendMessage failed",
        "exception": {"values": [{"value": f"bad key {key}", "stacktrace": {"frames": [{"vars": {"k": key}}]}}]},
        "breadcrumbs": {"values": [{"message": f"connect koxx:{password}@db.internal"},
                                   {"message": "contact +964 770 123 4567"}]},
        "request": {"headers": {"X-Telegram-Bot-Api-Secret-Token": settings.webhook_secret.get_secret_value()}},
        "extra": {"count": 3},
    }
    scrubbed = logs.scrubber(logs.secrets_of(settings))(event, {})
    shown = json.dumps(scrubbed)
    for secret in (token, key, password, settings.webhook_secret.get_secret_value(), "770 123 4567"):
        assert secret not in shown
    assert scrubbed is not None
    assert scrubbed["message"] == "call to https://api.telegram.org/bot[secret]/sendMessage failed"
    assert scrubbed["breadcrumbs"]["values"][1]["message"] == "contact [phone]"
    assert scrubbed["extra"] == {"count": 3}


def test_an_error_reported_to_sentry_carries_no_secret() -> None:
    settings = settings_with_secrets()
    token = settings.bot_token.get_secret_value()
    transport = Kept()
    logger = logging.getLogger("koxx.sentry_test")
    logger.propagate = False  # the secret is logged on purpose: not for the suite's guard
    try:
        logs.start_sentry(settings, transport=transport, default_integrations=False,
                          integrations=[LoggingIntegration()])  # fmt: skip
        logger.error("Telegram refused bot%s for 07701234567", token)
        sentry_sdk.flush()
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.get_global_scope().set_client(None)
        logger.propagate = True
    sent = b"".join(item.get_bytes() for envelope in transport.envelopes for item in envelope.items)
    assert b"Telegram refused bot[secret] for [phone]" in sent
    assert token.encode() not in sent and b"7701234567" not in sent
