"""Translation tooling: ``python -m tools.i18n compile|update|todo|check``.

English is the source language (msgids are English); Arabic is translated by a human in
locales/ar/LC_MESSAGES/messages.po. Everything here is Babel's own machinery (extraction,
catalogs, .po/.mo files); this module only adds the project's rules:

- ``compile``: .po -> .mo for every language (fuzzy entries are left out).
- ``update``: extract from bot/, admin_bot/, botkit/, api/ and webhook.py, write locales/messages.pot, merge it
  into ar and en; English msgstr is filled with the msgid unless a hand-written text exists;
  new Arabic entries stay empty (``todo`` lists them).
- ``todo``: Arabic entries still empty or fuzzy.
- ``check``: exits 1 with a list of problems: a msgid in the code missing from a catalog; a text
  extraction cannot see (``_(f"...")``, ``_(variable)``); an empty or fuzzy entry; {placeholders}
  or HTML tags differing between English and the translation (each plural form against msgid or
  msgid_plural); a wrong Plural-Forms header.

Plural texts name their number {n} (or {count}): the Arabic zero/one/two forms may leave it out
("صفقة واحدة", "صفقتان"); every other placeholder must appear in every form.

Every function takes the project root / locales folder as parameters so tests can run the
tooling on small temporary trees. A developer tool, outside the runtime packages; what the
running bots need (the catalogs' place and compiling them) is in botkit/catalogs.py.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import fcntl
import gettext
import io
import os
import re
import string
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.frontend import parse_keywords
from babel.messages.pofile import write_po

from botkit.catalogs import DOMAIN, LANGUAGES, Locales, compile_catalogs, load, write_if_changed

ROOT = Path(__file__).resolve().parent.parent
SOURCE_LANGUAGE = "en"
# What is extracted (core/ speaks no language, so it is not here).
SOURCES = ("bot", "admin_bot", "botkit", "api", "bootstrap.py", "webhook.py")
PROJECT = "KOXX P2P"

# gettext's Arabic rule with the slots in this order: 0 zero, 1 one, 2 two, 3 few (3-10),
# 4 many (11-99), 5 other (100-102, ...). NB: Babel's own data for "ar" puts "many" and
# "other" the other way round, so the tooling always writes this header itself.
AR_PLURAL_FORMS = (
    "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : "
    "n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5);"
)
EN_PLURAL_FORMS = "nplurals=2; plural=(n != 1);"
PLURAL_FORMS = {"ar": AR_PLURAL_FORMS, "en": EN_PLURAL_FORMS}
# n -> the slot it must land in (zero, one, two, few, many, other).
AR_PLURAL_SLOTS = {0: 0, 1: 1, 2: 2, 3: 3, 10: 3, 11: 4, 99: 4, 100: 5, 101: 5, 102: 5, 103: 3, 111: 4}
AR_SLOT_NAMES = ("zero", "one", "two", "few", "many", "other")
EN_PLURAL_SLOTS = {0: 1, 1: 0, 2: 1, 11: 1, 100: 1}
PLURAL_SLOTS = {"ar": (6, AR_PLURAL_SLOTS), "en": (2, EN_PLURAL_SLOTS)}
# In these Arabic slots the word itself says the number ("صفقة واحدة", "صفقتان"), so the
# count placeholder may be left out. By convention the count is named {n} or {count}.
AR_IMPLIED_COUNT_SLOTS = (0, 1, 2)
COUNT_PLACEHOLDERS = frozenset({"n", "count"})

# aiogram: _ = gettext, __ = lazy_gettext; both take (singular, plural, n) for plurals.
KEYWORDS = parse_keywords(
    [
        "_:1", "_:1,2,3t",
        "__:1", "__:1,2,3t",
        "gettext:1", "gettext:1,2,3t",
        "lazy_gettext:1", "lazy_gettext:1,2,3t",
        "ngettext:1,2",
        "N_",
        "translate:2", "ntranslate:2,3",  # botkit.i18n helpers for the notifier and scheduler
    ]
)  # fmt: skip
METHOD_MAP = [("**.py", "python")]
HTML_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")


# ---------------------------------------------------------------- reading and writing


def new_catalog(lang: str | None) -> Catalog:
    catalog = Catalog(locale=lang, domain=DOMAIN, project=PROJECT, version="1", fuzzy=False)
    if lang in PLURAL_FORMS:
        catalog.mime_headers = [("Plural-Forms", PLURAL_FORMS[lang])]
    return catalog


def _render_po(catalog: Catalog) -> bytes:
    buf = io.BytesIO()
    # No line numbers and no wrapping: fewer merge conflicts when several people add strings.
    write_po(buf, catalog, width=0, include_lineno=False)
    return buf.getvalue()


# ---------------------------------------------------------------- extraction


def extract(root: Path, sources: Iterable[str] = SOURCES) -> Catalog:
    """The template: every translatable string used in the code under ``root``."""
    template = new_catalog(None)
    for source in sources:
        path = root / source
        if path.is_dir():
            found = (
                (str(path.relative_to(root) / filename), lineno, message, comments, context)
                for filename, lineno, message, comments, context in extract_from_dir(
                    path, METHOD_MAP, keywords=KEYWORDS, strip_comment_tags=True
                )
            )
        elif path.is_file():
            found = (
                (source, lineno, message, comments, context)
                for lineno, message, comments, context in extract_from_file(
                    "python", path, keywords=KEYWORDS, strip_comment_tags=True
                )
            )
        else:
            continue
        for filename, lineno, message, comments, context in found:
            template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


# Translation calls whose msgid arguments must be literal strings: name -> (first, how many).
# _ / __ / gettext / lazy_gettext take a plural as well when called with three arguments.
_MSGID_ARGS = {
    "_": (0, 1), "__": (0, 1), "gettext": (0, 1), "lazy_gettext": (0, 1), "N_": (0, 1),
    "ngettext": (0, 2), "translate": (1, 1), "ntranslate": (1, 2),
}  # fmt: skip


def _source_files(root: Path, sources: Iterable[str]) -> Iterator[Path]:
    for source in sources:
        path = root / source
        if path.is_dir():
            yield from sorted(path.rglob("*.py"))
        elif path.is_file():
            yield path


def dynamic_msgids(root: Path, sources: Iterable[str] = SOURCES) -> list[str]:
    """Calls like _(f"Hi {name}") or _(text): extraction cannot see them, so they are never
    translated. Text must be a literal; fill placeholders afterwards with .format()."""
    problems = []
    for path in _source_files(root, sources):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except SyntaxError:
            continue  # ruff reports it
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            name = node.func.id
            if name not in _MSGID_ARGS:
                continue
            first, count = _MSGID_ARGS[name]
            if count == 1 and first == 0 and name != "N_" and len(node.args) >= 3:
                count = 2
            texts = node.args[first : first + count]
            for arg in texts:
                if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                    where = f"{path.relative_to(root)}:{node.lineno}"
                    problems.append(
                        f"code: {where}: {name}() needs a literal string (an f-string, variable or "
                        "concatenation is not extracted; use placeholders and .format())"
                    )
                    break
    return problems


# ---------------------------------------------------------------- update


def _fill_english(catalog: Catalog) -> int:
    """English is the source: an empty or fuzzy entry gets the msgid itself."""
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        if message.pluralizable:
            singular, plural = message.id[0], message.id[1]
            forms = message.string if isinstance(message.string, (tuple, list)) else ()
            if message.fuzzy or len(forms) != 2 or not all(forms):
                message.string = (singular, plural)
                filled += 1
        elif message.fuzzy or not message.string:
            message.string = message.id
            filled += 1
        if message.fuzzy:
            message.flags.discard("fuzzy")
    return filled


@dataclass
class UpdateReport:
    messages: int
    english_filled: int
    arabic_todo: int


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One `update` at a time on a catalog folder (several developers share a working tree)."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def update(root: Path, locales: Locales, sources: Iterable[str] = SOURCES) -> UpdateReport:
    with _locked(locales.path):
        return _update(root, locales, sources)


def _update(root: Path, locales: Locales, sources: Iterable[str]) -> UpdateReport:
    template = extract(root, sources)
    write_if_changed(locales.pot, _render_po(template), ignore_dates=True)
    english_filled = 0
    for lang in LANGUAGES:
        po = locales.po(lang)
        catalog = load(po, lang) if po.exists() else new_catalog(lang)
        # Fuzzy matching helps a translator (an old Arabic text as a suggestion, marked fuzzy);
        # for English the msgid itself is the right text, so no guessing there.
        catalog.update(template, no_fuzzy_matching=(lang == SOURCE_LANGUAGE), update_creation_date=False)
        catalog.mime_headers = [("Plural-Forms", PLURAL_FORMS[lang])]
        catalog.fuzzy = False
        if lang == SOURCE_LANGUAGE:
            english_filled = _fill_english(catalog)
        write_if_changed(po, _render_po(catalog), ignore_dates=True)
    return UpdateReport(
        messages=sum(1 for m in template if m.id),
        english_filled=english_filled,
        arabic_todo=len(todo(locales)),
    )


# ---------------------------------------------------------------- todo


def _forms(message: Message) -> tuple[str, ...]:
    if isinstance(message.string, (tuple, list)):
        return tuple(message.string)
    return (message.string or "",)


def _label(message: Message) -> str:
    return message.id[0] if isinstance(message.id, (tuple, list)) else message.id


def _where(message: Message) -> str:
    return ", ".join(f"{f}:{n}" if n else f for f, n in message.locations[:3])


def is_untranslated(message: Message, nplurals: int) -> bool:
    forms = _forms(message)
    if message.pluralizable and len(forms) != nplurals:
        return True
    return message.fuzzy or not all(forms)


def todo(locales: Locales, lang: str = "ar") -> list[Message]:
    po = locales.po(lang)
    if not po.exists():
        return []
    catalog = load(po, lang)
    return [m for m in catalog if m.id and is_untranslated(m, catalog.num_plurals)]


# ---------------------------------------------------------------- check


def placeholders(text: str) -> set[str]:
    """The str.format fields of a text: "{amount:,} {name}" -> {"amount", "name"}."""
    names = set()
    for _literal, field, _spec, _conv in string.Formatter().parse(text):
        if field is not None:
            names.add(re.split(r"[.\[]", field, maxsplit=1)[0])
    return names


def html_tags(text: str) -> list[str]:
    return sorted(HTML_TAG.findall(text))


def plural_problems(lang: str, catalog: Catalog) -> list[str]:
    """The Plural-Forms header: Arabic must give 6 forms in the order zero, one, two, few, many,
    other (checked by evaluating it); English 2 forms, one then other."""
    if lang not in PLURAL_SLOTS:
        return []
    expected, slots = PLURAL_SLOTS[lang]
    problems = []
    header = f"nplurals={catalog.num_plurals}; plural={catalog.plural_expr};"
    if catalog.num_plurals != expected:
        problems.append(f"{lang}: Plural-Forms must have nplurals={expected}, found: {header}")
    try:
        rule = gettext.c2py(catalog.plural_expr)
    except (ValueError, SyntaxError):
        return [*problems, f"{lang}: Plural-Forms expression cannot be read: {header}"]
    for n, slot in slots.items():
        got = rule(n)
        if got != slot:
            name = AR_SLOT_NAMES[slot] if lang == "ar" else ("one", "other")[slot]
            problems.append(
                f"{lang}: Plural-Forms puts n={n} in slot {got}, expected {slot} ({name}); "
                f"the header must be: {PLURAL_FORMS[lang]}"
            )
            break
    return problems


def _source_for_slot(message: Message, lang: str, slot: int) -> str:
    """Which English text a plural form translates: the msgid for "one", msgid_plural otherwise."""
    singular, plural = message.id[0], message.id[1]
    one_slot = 1 if lang == "ar" else 0
    return singular if slot == one_slot else plural


def _compare(lang: str, message: Message, source: str, translated: str, slot: int | None) -> list[str]:
    problems = []
    where = f"{lang}: {_label(message)!r}" + (f" [form {slot}]" if slot is not None else "")
    try:
        want = placeholders(source)
    except ValueError as exc:
        return [f"{where}: the English text has a broken placeholder ({exc})"]
    try:
        got = placeholders(translated)
    except ValueError as exc:
        return [f"{where}: broken placeholder in the translation ({exc})"]
    missing, extra = want - got, got - want
    if lang == "ar" and slot in AR_IMPLIED_COUNT_SLOTS:
        missing -= COUNT_PLACEHOLDERS
    if missing or extra:
        detail = []
        if missing:
            detail.append("missing " + ", ".join("{" + n + "}" for n in sorted(missing)))
        if extra:
            detail.append("unknown " + ", ".join("{" + n + "}" for n in sorted(extra)))
        problems.append(f"{where}: placeholders differ ({'; '.join(detail)})")
    if html_tags(source) != html_tags(translated):
        problems.append(
            f"{where}: HTML tags differ ({' '.join(html_tags(source))} vs {' '.join(html_tags(translated))})"
        )
    return problems


def catalog_problems(lang: str, catalog: Catalog) -> list[str]:
    problems = plural_problems(lang, catalog)
    for message in catalog:
        if not message.id:
            continue
        if is_untranslated(message, catalog.num_plurals):
            state = "fuzzy" if message.fuzzy else "empty"
            problems.append(f"{lang}: {state} translation for {_label(message)!r} ({_where(message)})")
            continue
        if message.pluralizable:
            for slot, text in enumerate(_forms(message)):
                problems += _compare(lang, message, _source_for_slot(message, lang, slot), text, slot)
        else:
            problems += _compare(lang, message, str(message.id), str(message.string or ""), None)
    return problems


def check(root: Path, locales: Locales, sources: Iterable[str] = SOURCES) -> list[str]:
    """Every problem that would show a trader an untranslated or broken message."""
    sources = tuple(sources)
    template = extract(root, sources)
    problems: list[str] = dynamic_msgids(root, sources)
    for lang in LANGUAGES:
        po = locales.po(lang)
        if not po.exists():
            problems.append(f"{lang}: catalog {po} is missing (run: python -m tools.i18n update)")
            continue
        try:
            catalog = load(po, lang)
        except Exception as exc:  # a syntax error in a hand-edited file, or forms != nplurals
            problems.append(f"{lang}: cannot read {po}: {exc}")
            problems += plural_problems(lang, load(po, lang, strict=False))
            continue
        for message in template:
            if not message.id:
                continue
            found = catalog.get(message.id, message.context)
            if found is None:
                problems.append(
                    f"{lang}: {_label(message)!r} used in {_where(message)} is not in the catalog "
                    "(run: python -m tools.i18n update)"
                )
            elif message.pluralizable != found.pluralizable:
                problems.append(
                    f"{lang}: {_label(message)!r} used in {_where(message)} is "
                    f"{'plural' if message.pluralizable else 'singular'} in the code but not in the catalog "
                    "(run: python -m tools.i18n update)"
                )
        problems += catalog_problems(lang, catalog)
    return problems


# ---------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.i18n", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=("compile", "update", "todo", "check"))
    parser.add_argument("--root", type=Path, default=ROOT, help="project root (code is read from here)")
    parser.add_argument("--locales", type=Path, default=None, help="catalog folder (default: ROOT/locales)")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    locales = Locales((args.locales or root / "locales").resolve())

    if args.command == "compile":
        written = compile_catalogs(locales)
        print(f"compiled {len(written)} catalog(s)" if written else "catalogs up to date")
        return 0
    if args.command == "update":
        report = update(root, locales)
        print(
            f"{report.messages} message(s) in the code; {report.english_filled} English text(s) filled "
            f"from the msgid; {report.arabic_todo} Arabic translation(s) to write "
            f"(python -m tools.i18n todo)"
        )
        return 0
    if args.command == "todo":
        pending = todo(locales)
        for message in pending:
            state = "fuzzy" if message.fuzzy else "empty"
            print(f"[{state}] {_label(message)!r}  ({_where(message)})")
        print(f"{len(pending)} Arabic translation(s) to write in {locales.po('ar')}")
        return 0
    problems = check(root, locales)
    if problems:
        print(f"i18n check failed: {len(problems)} problem(s)", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    print("i18n check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
