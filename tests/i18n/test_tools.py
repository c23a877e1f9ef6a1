"""The catalog tooling on small temporary code trees: update, todo, compile and what check refuses."""

from __future__ import annotations

import gettext
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from aiogram.utils.i18n import I18n

from botkit.catalogs import Locales
from tools import i18n as tools
from tools.i18n import AR_PLURAL_FORMS

CODE = """
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.i18n import ngettext

HELLO = __("Hello")


def sent(amount, name):
    return _("Sent {amount} to {name}").format(amount=amount, name=name)


def trades(n):
    return ngettext("{n} trade", "{n} trades", n).format(n=n)
"""

ARABIC = {
    "Hello": "مرحبًا",
    "Sent {amount} to {name}": "أُرسل {amount} إلى {name}",
    "{n} trade": ("لا صفقات", "صفقة واحدة", "صفقتان", "{n} صفقات", "{n} صفقة", "{n} صفقة"),
}


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")


def set_po(locales: Locales, lang: str, translations: dict[str, object], *, fuzzy: bool = False) -> None:
    catalog = tools.load(locales.po(lang), lang)
    for message in catalog:
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        if key in translations:
            message.string = translations[key]
            if fuzzy:
                message.flags.add("fuzzy")
            else:
                message.flags.discard("fuzzy")
    locales.po(lang).write_bytes(tools._render_po(catalog))


def replace_in_po(locales: Locales, lang: str, old: str, new: str) -> None:
    text = locales.po(lang).read_text(encoding="utf-8")
    assert old in text
    locales.po(lang).write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Path, Locales]:
    """A project with three strings, English filled by update, Arabic translated: check passes."""
    write(tmp_path / "bot" / "handlers" / "hello.py", CODE)
    write(tmp_path / "core" / "rules.py", 'def _(s): return s\nX = _("core speaks no language")\n')
    locales = Locales(tmp_path / "locales")
    tools.update(tmp_path, locales)
    set_po(locales, "ar", ARABIC)
    assert tools.check(tmp_path, locales) == []
    return tmp_path, locales


def test_update_extracts_fills_english_and_leaves_arabic_to_a_human(tmp_path: Path) -> None:
    write(tmp_path / "bot" / "handlers" / "hello.py", CODE)
    write(tmp_path / "webhook.py", 'from aiogram.utils.i18n import gettext as _\nX = _("Starting")\n')
    write(tmp_path / "core" / "rules.py", 'def _(s): return s\nX = _("core speaks no language")\n')
    locales = Locales(tmp_path / "locales")
    report = tools.update(tmp_path, locales)
    assert report.messages == 4
    assert locales.pot.exists()

    en = tools.load(locales.po("en"), "en")
    assert en.get("Sent {amount} to {name}").string == "Sent {amount} to {name}"
    assert en.get("{n} trade").string == ("{n} trade", "{n} trades")
    assert en.get("core speaks no language") is None  # core/ is not extracted

    ar = tools.load(locales.po("ar"), "ar")
    assert ar.get("Hello").string == ""
    assert ar.num_plurals == 6
    assert [m.id for m in tools.todo(locales)] == [m.id for m in ar if m.id]

    # The Arabic header is ours, not Babel's (Babel's data swaps "many" and "other").
    assert f'"Plural-Forms: {AR_PLURAL_FORMS}\\n"' in locales.po("ar").read_text(encoding="utf-8")


def test_update_keeps_translations_and_hand_written_english(tree: tuple[Path, Locales]) -> None:
    root, locales = tree
    set_po(locales, "en", {"Hello": "Hi there"})
    before = locales.po("ar").read_bytes()
    tools.update(root, locales)
    assert locales.po("ar").read_bytes() == before  # idempotent: nothing changed, nothing written
    assert tools.load(locales.po("en"), "en").get("Hello").string == "Hi there"

    # A new string appears: Arabic keeps every old translation and gets one empty entry.
    write(root / "admin_bot" / "panel.py", 'from aiogram.utils.i18n import gettext as _\nX = _("Approve")\n')
    tools.update(root, locales)
    ar = tools.load(locales.po("ar"), "ar")
    assert ar.get("Sent {amount} to {name}").string == "أُرسل {amount} إلى {name}"
    assert ar.get("Approve").string == ""
    assert [m.id for m in tools.todo(locales)] == ["Approve"]
    assert tools.load(locales.po("en"), "en").get("Approve").string == "Approve"


def test_check_fails_on_a_msgid_missing_from_the_catalogs(tree: tuple[Path, Locales]) -> None:
    root, locales = tree
    write(root / "bot" / "late.py", 'from aiogram.utils.i18n import gettext as _\nX = _("Added later")\n')
    problems = tools.check(root, locales)
    assert any("'Added later'" in p and "not in the catalog" in p and p.startswith("ar:") for p in problems)
    assert any("'Added later'" in p and "not in the catalog" in p and p.startswith("en:") for p in problems)
    assert any("bot/late.py:2" in p for p in problems)


def test_check_fails_on_empty_and_fuzzy_arabic(tree: tuple[Path, Locales]) -> None:
    root, locales = tree
    set_po(locales, "ar", {"Hello": ""})
    assert tools.check(root, locales) == ["ar: empty translation for 'Hello' (bot/handlers/hello.py)"]
    set_po(locales, "ar", {"Hello": "مرحبًا"}, fuzzy=True)
    assert tools.check(root, locales) == ["ar: fuzzy translation for 'Hello' (bot/handlers/hello.py)"]


def test_check_fails_on_one_empty_plural_form(tree: tuple[Path, Locales]) -> None:
    root, locales = tree
    set_po(locales, "ar", {"{n} trade": ("لا صفقات", "صفقة واحدة", "صفقتان", "", "{n} صفقة", "{n} صفقة")})
    assert tools.check(root, locales) == ["ar: empty translation for '{n} trade' (bot/handlers/hello.py)"]


def test_check_fails_on_empty_english(tree: tuple[Path, Locales]) -> None:
    root, locales = tree
    set_po(locales, "en", {"Hello": ""})
    assert tools.check(root, locales) == ["en: empty translation for 'Hello' (bot/handlers/hello.py)"]


def test_check_fails_on_placeholder_mismatch(tree: tuple[Path, Locales]) -> None:
    root, locales = tree
    set_po(locales, "ar", {"Sent {amount} to {name}": "أُرسل {amount} إلى {الاسم}"})
    assert tools.check(root, locales) == [
        "ar: 'Sent {amount} to {name}': placeholders differ (missing {name}; unknown {الاسم})"
    ]


def test_check_compares_each_plural_form_with_its_source(tree: tuple[Path, Locales]) -> None:
    root, locales = tree
    # "few" (3-10) translates msgid_plural and must keep {n}; "one" may drop it ("صفقة واحدة").
    set_po(
        locales, "ar", {"{n} trade": ("لا صفقات", "صفقة واحدة", "صفقتان", "صفقات", "{n} صفقة", "{n} صفقة")}
    )
    assert tools.check(root, locales) == ["ar: '{n} trade' [form 3]: placeholders differ (missing {n})"]
    set_po(
        locales,
        "ar",
        {"{n} trade": ("لا صفقات", "{count} صفقة", "صفقتان", "{n} صفقات", "{n} صفقة", "{n} صفقة")},
    )
    assert tools.check(root, locales) == ["ar: '{n} trade' [form 1]: placeholders differ (unknown {count})"]
    set_po(locales, "en", {"{n} trade": ("{n} trade", "some trades")})
    assert "en: '{n} trade' [form 1]: placeholders differ (missing {n})" in tools.check(root, locales)


def test_check_fails_on_broken_html(tree: tuple[Path, Locales]) -> None:
    root, locales = tree
    write(root / "bot" / "bold.py", 'from aiogram.utils.i18n import gettext as _\nX = _("<b>Paid</b>")\n')
    tools.update(root, locales)
    set_po(locales, "ar", {"<b>Paid</b>": "<b>تم الدفع"})
    assert tools.check(root, locales) == ["ar: '<b>Paid</b>': HTML tags differ (</b> <b> vs <b>)"]


@pytest.mark.parametrize(
    "header",
    [
        # Babel's own data for "ar": 11 lands in slot 5 and 100 in slot 4
        "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : "
        "n%100>=0 && n%100<=2 ? 4 : 5);",
        "nplurals=2; plural=(n != 1);",
        "nplurals=6; plural=(n==1 ? 0 : n==0 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5);",
    ],
)
def test_check_fails_on_a_wrong_arabic_plural_header(tree: tuple[Path, Locales], header: str) -> None:
    root, locales = tree
    replace_in_po(locales, "ar", AR_PLURAL_FORMS, header)
    problems = tools.check(root, locales)
    assert problems
    assert any(p.startswith("ar: Plural-Forms") for p in problems)


def test_check_passes_on_empty_catalogs(tmp_path: Path) -> None:
    (tmp_path / "bot").mkdir()
    locales = Locales(tmp_path / "locales")
    tools.update(tmp_path, locales)
    assert tools.check(tmp_path, locales) == []


def test_check_fails_when_a_catalog_is_missing(tmp_path: Path) -> None:
    problems = tools.check(tmp_path, Locales(tmp_path / "locales"))
    assert len(problems) == 2 and all("is missing" in p for p in problems)


def test_command_line_exit_codes_and_messages(tree: tuple[Path, Locales]) -> None:
    root, locales = tree

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tools.i18n", *args, "--root", str(root)],
            capture_output=True,
            text=True,
            cwd=Path(tools.__file__).parent.parent,
        )

    assert run("check").returncode == 0
    set_po(locales, "ar", {"Hello": ""})
    result = run("check")
    assert result.returncode == 1
    assert "ar: empty translation for 'Hello'" in result.stderr
    result = run("todo")
    assert result.returncode == 0 and "[empty] 'Hello'" in result.stdout
    assert run("compile").returncode == 0
    assert locales.mo("ar").exists() and locales.mo("en").exists()


def test_compile_is_idempotent_and_skips_fuzzy(tree: tuple[Path, Locales]) -> None:
    _root, locales = tree
    assert set(tools.compile_catalogs(locales)) == {locales.mo("ar"), locales.mo("en")}
    assert tools.compile_catalogs(locales) == []  # nothing changed, nothing rewritten
    set_po(locales, "ar", {"Hello": "أهلًا"}, fuzzy=True)
    tools.compile_catalogs(locales)
    with locales.mo("ar").open("rb") as fp:
        translations = gettext.GNUTranslations(fp)
    assert translations.gettext("Hello") == "Hello"  # a fuzzy guess never reaches a trader
    assert translations.gettext("Sent {amount} to {name}") == "أُرسل {amount} إلى {name}"


def test_arabic_ngettext_picks_the_right_form(tree: tuple[Path, Locales]) -> None:
    _root, locales = tree
    tools.compile_catalogs(locales)
    i18n = I18n(path=locales.path, default_locale="ar", domain="messages")
    expected = {
        0: "لا صفقات",
        1: "صفقة واحدة",
        2: "صفقتان",
        3: "3 صفقات",
        11: "11 صفقة",
        100: "100 صفقة",
        103: "103 صفقات",
    }
    with i18n.context(), i18n.use_locale("ar"):
        got = {n: i18n.gettext("{n} trade", "{n} trades", n).format(n=n) for n in expected}
    assert got == expected
    # and the slot each n lands in, straight from the header
    rule = gettext.c2py(re.search(r"plural=(.*);", AR_PLURAL_FORMS).group(1))
    assert [rule(n) for n in (0, 1, 2, 3, 11, 100)] == [0, 1, 2, 3, 4, 5]
    with i18n.context(), i18n.use_locale("en"):
        assert i18n.gettext("{n} trade", "{n} trades", 1) == "{n} trade"
        assert i18n.gettext("{n} trade", "{n} trades", 11) == "{n} trades"


def test_check_fails_on_text_extraction_cannot_see(tree: tuple[Path, Locales]) -> None:
    root, locales = tree
    write(
        root / "bot" / "sloppy.py",
        """
        from aiogram.utils.i18n import gettext as _

        def hello(name, text):
            a = _(f"Hi {name}")
            b = _(text)
            c = _("Hi {name}").format(name=name)  # fine
            d = "Hi".translate({})  # str.translate: not ours
            return a, b, c, d
        """,
    )
    tools.update(root, locales)
    set_po(locales, "ar", {"Hi {name}": "أهلًا {name}"})
    problems = tools.check(root, locales)
    assert [p.split(": ")[1] for p in problems] == ["bot/sloppy.py:5", "bot/sloppy.py:6"]
    assert all("needs a literal string" in p for p in problems)


def test_check_fails_on_a_wrong_english_plural_header(tree: tuple[Path, Locales]) -> None:
    root, locales = tree
    replace_in_po(locales, "en", "plural=(n != 1)", "plural=(n > 1)")  # French: 0 would be "one"
    assert tools.check(root, locales) == [
        "en: Plural-Forms puts n=0 in slot 0, expected 1 (other); the header must be: "
        "nplurals=2; plural=(n != 1);"
    ]
