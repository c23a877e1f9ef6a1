"""The language of a user and rendering texts outside a handler (notifier, scheduler)."""

from __future__ import annotations

import pytest
from aiogram.utils.i18n import gettext as _

from bot.app import COMMANDS
from botkit.i18n import LANGUAGES, command_menu, get_i18n, ntranslate, pick_language, translate, use_locale


@pytest.mark.parametrize(
    ("code", "expected"),
    [("ar", "ar"), ("ar-IQ", "ar"), ("AR", "ar"), ("en", "en"), ("en-US", "en"), ("en_GB", "en"),
     ("ku", "ar"), ("fa", "ar"), ("", "ar"), (None, "ar")],
)  # fmt: skip
def test_pick_language(code: str | None, expected: str) -> None:
    assert pick_language(code) == expected


def test_languages_and_default() -> None:
    assert LANGUAGES == ("ar", "en")
    i18n = get_i18n()
    assert i18n.default_locale == "ar"
    assert set(LANGUAGES) <= set(i18n.available_locales)


def test_translate_outside_a_handler() -> None:
    assert translate("en", "{price} per 1 {asset}", price="1,310 IQD", asset="USDT") == "1,310 IQD per 1 USDT"
    assert translate("ar", "{price} per 1 {asset}", price="X", asset="USDT") == "X لكل ١ USDT"
    assert translate("ku", "Main menu") == "القائمة الرئيسية"  # unknown language: Arabic


def test_ntranslate_uses_the_six_arabic_forms() -> None:
    forms = [ntranslate("ar", "{n} minute", "{n} minutes", n) for n in (0, 1, 2, 3, 11, 100)]
    assert forms == ["0 دقيقة", "دقيقة واحدة", "دقيقتان", "3 دقائق", "11 دقيقة", "100 دقيقة"]
    assert ntranslate("en", "{n} minute", "{n} minutes", 1) == "1 minute"
    assert ntranslate("ar", "{n} minute", "{n} minutes", 5, n="٥") == "٥ دقائق"


def test_use_locale_makes_gettext_work_and_nests() -> None:
    with use_locale("en"):
        assert _("Main menu") == "Main menu"
        with use_locale("ar"):
            assert _("Main menu") == "القائمة الرئيسية"
        assert _("Main menu") == "Main menu"


def test_command_menu_is_translated() -> None:
    en = dict(command_menu("en", COMMANDS))
    ar = dict(command_menu("ar", COMMANDS))
    assert en["start"] == "Main menu" and ar["start"] == "القائمة الرئيسية"
    assert en.keys() == ar.keys() >= {"start", "offers", "wallet", "help", "language"}
