"""Turning core's DomainError codes into sentences the user reads.

Each feature registers the texts of its own codes next to its handlers:

    register_error_texts({"insufficient_funds": lambda p: _("Not enough {asset}...").format(**p)})
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from aiogram import Dispatcher
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import ErrorEvent
from aiogram.utils.i18n import gettext as _

from botkit.middlewares import answer_error
from core.errors import DomainError

log = logging.getLogger(__name__)
ErrorText = Callable[[Mapping[str, Any]], str]
_TEXTS: dict[str, ErrorText] = {}


def register_error_texts(texts: Mapping[str, ErrorText]) -> None:
    _TEXTS.update(texts)


def error_text(error: DomainError) -> str:
    render = _TEXTS.get(error.code)
    if render is None:
        log.warning("no text for domain error %s", error.code)
        return _("Sorry, that cannot be done right now.")
    return render(error.params)


def setup(dp: Dispatcher, texts: Callable[[DomainError], str] = error_text) -> None:
    """The one error path of a bot: a DomainError reaches here after the update's unit of work
    rolled back (botkit.middlewares.UnitOfWork), and the user reads why, in ``texts``' words."""

    async def domain_error(event: ErrorEvent) -> None:
        assert isinstance(event.exception, DomainError)
        update = event.update
        target = update.callback_query or update.message
        if target is not None:
            await answer_error(target, texts(event.exception))

    dp.errors.register(domain_error, ExceptionTypeFilter(DomainError))


register_error_texts(
    {
        "not_found": lambda p: _("That item no longer exists."),
        "forbidden": lambda p: _("This button is not for you."),
        "invalid_state": lambda p: _("This has already been handled."),
        "insufficient_funds": lambda p: _("Your available balance is not enough for this."),
    }
)
