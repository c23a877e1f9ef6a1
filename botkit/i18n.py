"""The languages of the bots: the shared aiogram I18n object and how to use it outside handlers.

In a handler, the I18n middleware has already chosen the user's language: write
``_("Sent {amount} to {name}").format(amount=..., name=...)`` with
``from aiogram.utils.i18n import gettext as _`` (``ngettext`` for plurals, ``lazy_gettext as __``
for texts defined at import time).

Outside a handler (the notifier, the scheduler), say which language to use::

    with use_locale(user.language):
        text = _("Trade {code} was cancelled.").format(code=trade.code)

or ``translate("ar", "Trade {code} was cancelled.", code=trade.code)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n.context import get_i18n as current_i18n
from babel.support import LazyProxy

from botkit.catalogs import DOMAIN, LANGUAGES, Locales, compile_catalogs

DEFAULT_LANGUAGE = "ar"  # most traders of this market read Arabic
LOCALES_PATH = Path(__file__).resolve().parent.parent / "locales"


def pick_language(telegram_language_code: str | None) -> str:
    """The language for a Telegram language_code: ar* -> ar, en* -> en, anything else -> ar."""
    code = (telegram_language_code or "").strip().lower()
    if code.startswith("en"):
        return "en"
    return DEFAULT_LANGUAGE


def make_i18n(path: Path = LOCALES_PATH) -> I18n:
    """A new I18n over ``path``; compiles the catalogs first if needed (fast when up to date)."""
    compile_catalogs(Locales(path))
    return I18n(path=path, default_locale=DEFAULT_LANGUAGE, domain=DOMAIN)


@lru_cache(maxsize=1)
def get_i18n() -> I18n:
    """The one I18n of the process (both bots, the notifier and the scheduler share it)."""
    return make_i18n()


def _language(lang: str | None) -> str:
    return lang if lang in LANGUAGES else pick_language(lang)


@contextmanager
def use_locale(lang: str | None, i18n: I18n | None = None) -> Iterator[I18n]:
    """Render texts in ``lang`` outside a handler: ``_``, ``ngettext`` and lazy texts all follow it.

    Unknown or missing languages fall back like ``pick_language`` does.
    """
    i18n = i18n or get_i18n()
    with i18n.context(), i18n.use_locale(_language(lang)):
        yield i18n


def translate(lang: str | None, msgid: str, /, **params: Any) -> str:
    """One text in one language, with its placeholders filled: translate("en", "Hi {name}", name=...)."""
    with use_locale(lang) as i18n:
        text = i18n.gettext(msgid)
    return text.format(**params) if params else text


def ntranslate(lang: str | None, singular: str, plural: str, n: int, /, **params: Any) -> str:
    """The plural-aware ``translate``: ``n`` picks the form (Arabic has six) and fills {n}, unless
    ``params`` gives {n} already formatted (e.g. ``n=fmt.number(n, lang)`` for Arabic digits)."""
    with use_locale(lang) as i18n:
        text = i18n.gettext(singular, plural, n)
    return text.format(**({"n": n} | params))


def command_menu(lang: str, commands: tuple[tuple[str, LazyProxy], ...]) -> list[tuple[str, str]]:
    """(command, description) pairs in ``lang``, ready for ``BotCommand``."""
    with use_locale(lang):
        return [(command, str(description)) for command, description in commands]


def lang() -> str:
    """The language the texts are being rendered in now."""
    return str(current_i18n().current_locale)
