"""Builds the traders' bot: its Dispatcher (botkit.dispatcher with the traders' routers) and its
command menu."""

from __future__ import annotations

from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.types import MenuButtonWebApp, WebAppInfo
from aiogram.utils.i18n import lazy_gettext as __
from babel.support import LazyProxy

from bot.handlers import routers
from botkit import dispatcher

# The command menu (Telegram shows it next to the input field), one list per language.
COMMANDS: tuple[tuple[str, LazyProxy], ...] = (
    ("start", __("Main menu")),
    ("buy", __("Express: buy USDT at the best offer, e.g. /buy 100")),
    ("sell", __("Express: sell USDT at the best offer, e.g. /sell 100")),
    ("offers", __("Buy or sell USDT and TRX")),
    ("newoffer", __("Publish an offer")),
    ("mytrades", __("My trades")),
    ("wallet", __("Balances, deposits and withdrawals")),
    ("proof", __("Check that your coins are covered")),
    ("export", __("Statement of your account (CSV and PDF)")),
    ("language", __("Change the language")),
    ("help", __("How it works")),
)


def build_dispatcher(**deps: Any) -> Dispatcher:
    """The traders' bot."""
    return dispatcher.include(dispatcher.new_dispatcher(**deps, traders=True), routers())


async def set_commands(bot: Bot) -> None:
    await dispatcher.set_commands(bot, COMMANDS)


async def set_menu_app(bot: Bot, url: str) -> None:
    """The menu button beside the input field opens the Mini App (api/static/app at ``url``)."""
    await bot.set_chat_menu_button(menu_button=MenuButtonWebApp(text="KOXX P2P", web_app=WebAppInfo(url=url)))
