"""How the process logs, and reports errors.

Every record of the standard ``logging`` module goes through structlog's formatter: JSON lines
for a log collector (LOG_FORMAT=json, the default with a BOT_TOKEN) or readable lines for a
terminal (console, the default of the sandbox, ``make run``). Each line carries what structlog's
context variables hold at that moment: ``update_id``, ``request_id`` and ``bot`` during an update
(botkit.middlewares.Observe), ``trade_id`` / ``withdrawal_id`` / ``dispute_id`` / ``offer_id``
once a button names one, ``request_id`` and ``path`` during a web request (bootstrap), ``job``
during a scheduled job (scheduler). Phone-like numbers are masked on every line, whatever
logged them. Records at ERROR or above are counted (koxx_errors_total).

With SENTRY_DSN, errors also go to Sentry (the official SDK) after ``scrub`` removed every
secret of the settings and masked phone numbers; no request bodies, no local variables.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import sentry_sdk
import structlog
from sentry_sdk.types import Event, Hint
from sqlalchemy.engine import make_url

from core import metrics
from core.config import Settings

NOISY = ("aiogram.event", "alembic", "apscheduler", "httpx")  # at WARNING: the page URL stays readable
PHONE = re.compile(
    r"(?<![\w+])(?:"
    r"\+\d(?:[ -]?\d){7,14}"  # any international number: + and 8 to 15 digits
    r"|(?:00964|964|0)[ -]?7\d{2}[ -]?\d{3}[ -]?\d{4}"  # an Iraqi mobile: 07XX XXX XXXX, 9647XXXXXXXXX
    r")(?!\w)"
)
MASK = "[phone]"
T = TypeVar("T")


def mask_phones(text: str) -> str:
    return PHONE.sub(MASK, text)


def _mask_event(logger: Any, method: str, event_dict: structlog.types.EventDict) -> structlog.types.EventDict:
    """structlog processor: phone-like numbers masked in every text of the line."""
    return {key: mask_phones(value) if isinstance(value, str) else value for key, value in event_dict.items()}


class CountErrors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)

    def emit(self, record: logging.LogRecord) -> None:
        metrics.ERRORS.inc()


def log_format(settings: Settings) -> str:
    return settings.log_format or ("console" if settings.sandboxed else "json")


def formatter(fmt: str) -> logging.Formatter:
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if fmt == "json" else structlog.dev.ConsoleRenderer(colors=False)
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,  # the traceback as text, so that it is masked too
            _mask_event,
            renderer,
        ],
    )


def configure(settings: Settings, stream: Any = None) -> None:
    """The process's logging: one handler on the root logger, at INFO."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter(log_format(settings)))
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.addHandler(CountErrors())
    root.setLevel(logging.INFO)
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if settings.sentry_dsn:
        start_sentry(settings)


def secrets_of(settings: Settings) -> list[str]:
    """Every secret value the settings hold, and the passwords inside the URLs."""
    found: list[str] = []
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if hasattr(value, "get_secret_value"):
            secret = value.get_secret_value()
            found.append(secret)
            if name in ("database_url", "redis_url"):
                found.append(make_url(secret).password or "")
    return [s for s in found if len(s) >= 4]


def scrubber(secrets: Iterable[str]) -> Callable[[Event, Hint], Event | None]:
    """Sentry's before_send: every occurrence of a secret replaced, phone numbers masked."""
    known = sorted(set(secrets), key=len, reverse=True)

    def scrub(value: T) -> T:
        if isinstance(value, str):
            for secret in known:
                value = value.replace(secret, "[secret]")  # type: ignore[assignment]
            return mask_phones(value)  # type: ignore[return-value]
        if isinstance(value, dict):
            return {key: scrub(item) for key, item in value.items()}  # type: ignore[return-value]
        if isinstance(value, list | tuple):
            return [scrub(item) for item in value]  # type: ignore[return-value]
        return value

    def before_send(event: Event, hint: Hint) -> Event | None:
        return scrub(event)

    return before_send


def start_sentry(settings: Settings, **options: Any) -> None:
    assert settings.sentry_dsn is not None
    sentry_sdk.init(
        dsn=settings.sentry_dsn.get_secret_value(),
        before_send=scrubber(secrets_of(settings)),
        send_default_pii=False,
        include_local_variables=False,  # a frame's locals may hold a key or a user's document
        max_request_body_size="never",  # webhook bodies are users' messages
        **options,
    )
