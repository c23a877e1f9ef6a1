"""Errors as RFC 9457 problem details (application/problem+json): a stable ``code`` and a
``detail`` in the user's language.

Core's refusals (DomainError) keep their code and facts; their sentences are the ones the bots
show (botkit.errors' registry, filled by each feature's texts). The HTTP status follows the code.
A trade or offer of somebody else answers exactly as one that does not exist.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from aiogram.utils.i18n import gettext as _
from aiohttp import web

from botkit.errors import error_text
from botkit.i18n import use_locale
from botkit.numbers import AmountError, amount_error_text
from core.errors import DomainError

log = logging.getLogger(__name__)
CONTENT_TYPE = "application/problem+json"

_NOT_FOUND = {"not_found", "trade_not_found", "offer_not_found", "not_party", "user_not_found",
              "dispute_not_found", "account_not_found"}  # fmt: skip
_CONFLICT = {"trade_state", "offer_state", "invalid_state", "offer_closed", "offer_unavailable", "price_moved",
             "insufficient_funds", "offer_insufficient", "too_many_open_trades", "cancel_cooldown",
             "payment_window_expired", "dispute_too_early", "second_factor_off", "second_factor_already_on",
             "second_factor_not_started", "idempotency_key_reused"}  # fmt: skip
_FORBIDDEN = {"forbidden", "not_your_role", "not_offer_owner", "user_banned", "user_frozen", "account_frozen",
              "second_factor_required", "second_factor_locked", "step_up_required"}  # fmt: skip
# What another user's thing looks like: exactly what a missing one looks like.
_HIDDEN = {"not_party": "trade_not_found", "not_offer_owner": "offer_not_found"}


class Problem(Exception):
    """An API-level refusal (not core's): bad JSON, a missing field, a forged login, a limit."""

    def __init__(self, status: int, code: str, detail: Any = None, **params: Any) -> None:
        super().__init__(code)
        self.status, self.code, self.detail, self.params = status, code, detail, params


class BadAmount(Problem):
    """An amount that botkit.numbers refused (negative, too many decimals, ambiguous, ...)."""

    def __init__(self, field: str, error: AmountError) -> None:
        super().__init__(422, f"amount_{error.code}", None, field=field, **error.params)
        self.error = error


def status_of(code: str) -> int:
    if code in _NOT_FOUND or code.endswith("_not_found"):
        return 404
    if code in _CONFLICT:
        return 409
    if code in _FORBIDDEN:
        return 403
    return 422


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal | datetime):
        return value.isoformat() if isinstance(value, datetime) else str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)


def response(status: int, code: str, detail: str, params: Mapping[str, Any] | None = None,
             headers: Mapping[str, str] | None = None) -> web.Response:  # fmt: skip
    body = {"type": f"/api/problems/{code}", "title": code.replace("_", " "), "status": status, "code": code,
            "detail": detail}  # fmt: skip
    if params:
        body["params"] = {k: _plain(v) for k, v in params.items()}
    return web.json_response(body, status=status, content_type=CONTENT_TYPE, headers=headers)


def from_domain(error: DomainError, lang: str) -> web.Response:
    code = _HIDDEN.get(error.code, error.code)
    with use_locale(lang):
        detail = error_text(DomainError(code, **error.params) if code != error.code else error)
    params = {} if code != error.code else error.params
    return response(status_of(code), code, detail, params)


def from_problem(problem: Problem, lang: str) -> web.Response:
    with use_locale(lang):
        if isinstance(problem, BadAmount):
            detail = amount_error_text(problem.error)
        else:
            detail = problem.detail if isinstance(problem.detail, str) else _api_text(problem.code)
    headers = {"Retry-After": str(problem.params["retry_after"])} if "retry_after" in problem.params else None
    return response(problem.status, problem.code, detail, problem.params, headers)


def _api_text(code: str) -> str:
    """The API's own refusals, in the current language."""
    texts = {
        "unauthorized": _("Please sign in again."),
        "login_forged": _("The sign-in data is not from Telegram. Please open the app from the bot again."),
        "login_expired": _("The sign-in data is too old. Please open the app from the bot again."),
        "refresh_invalid": _("Please sign in again."),
        "refresh_reused": _("This sign-in was used twice, so every session of it was closed. Please sign in again."),
        "rate_limited": _("Too many requests. Please wait a moment and try again."),
        "invalid_json": _("The request is not valid JSON."),
        "field_required": _("A required field is missing."),
        "field_invalid": _("A field has a value that is not allowed."),
        "number_not_text": _("Amounts are sent as text, for example \"12.5\", never as JSON numbers."),
        "idempotency_key_required": _("This call needs an Idempotency-Key header."),
        "idempotency_key_reused": _("This Idempotency-Key was used for a different request."),
        "step_up_required": _("Please confirm with the code of your authenticator app first."),
        "confirmation_required": _("Please confirm that you received the payment in full."),
        "not_found": _("That item no longer exists."),
        "form_invalid": _("The upload could not be read. Please try again."),
        "photo_not_image": _("Please send a photo: a JPEG, PNG or WebP image."),
        "photo_too_large": _("That photo is too large. Please send a photo under 10 MB."),
        "caption_too_long": _("The text under a photo is too long. Please keep it under 900 characters."),
        "photo_needs_bot": _("To send a photo, open the bot and press Start first: your copy of the photo is kept in "
                             "your chat with the bot."),
        "telegram_unavailable": _("Telegram is not answering right now. Please try again in a moment."),
        "proof_not_found": _("You have no proof in this proof of reserves: nothing was owed to you then, "
                             "or none was published yet."),
    }
    return texts.get(code) or _("Sorry, that cannot be done right now.")
