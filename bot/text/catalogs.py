"""Keep the translations in step with the text catalog (docs/translations.md):

    python -m bot.text.catalogs update    # extract bot/text -> messages.pot, merge into each .po
    python -m bot.text.catalogs check     # list, per language, what is missing, fuzzy or wrong
    python -m bot.text.catalogs compile   # .po -> .mo (checked in, shipped as package data)

`update` and `compile` run `pybabel` with the project's options; `check` is what
tests/test_catalogs.py asserts, so its report is the to-do list after a merge.
"""

from __future__ import annotations

import gettext
import os
import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from bot.text import DEFAULT, DOMAIN, LANGUAGES, LOCALE_DIR

ROOT = LOCALE_DIR.parent.parent
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
TRANSLATED = [language for language in LANGUAGES if language != DEFAULT]

# Run from the repository's root (main() goes there), so the template names files relatively.
EXTRACT = [
    "extract", "-F", "babel.cfg", "-o", "bot/locale/messages.pot",
    "--add-location=file", "--sort-output", "--no-wrap",
    "--project=discussion-circle", "--copyright-holder=Discussion Circle",
    "-c", "Translators:", ".",
]  # fmt: skip
UPDATE = [
    "update", "-i", "bot/locale/messages.pot", "-d", "bot/locale", "-D", DOMAIN,
    "--no-wrap", "--ignore-obsolete",
]  # fmt: skip
COMPILE = ["compile", "-d", "bot/locale", "-D", DOMAIN, "--statistics"]

# Placeholders (`{count}`, `{id!r}`), examples the schedule language accepts ("tue,thu 19:00")
# and code spans (<code>/pace off</code>) must come through a translation unchanged.
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_QUOTED = re.compile(r'"[^"\n]*"')
_CODE = re.compile(r"<code>.*?</code>")


def pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(language: str) -> Path:
    return po_path(language).with_suffix(".mo")


def template() -> dict[str, tuple[str, ...]]:
    """Every message of the source, as extracted now: msgid -> its forms (one, or two)."""
    method_map = [("bot/text/**.py", "python")]
    found: dict[str, tuple[str, ...]] = {}
    for _file, _line, message, _comments, _context in extract_from_dir(ROOT, method_map):
        forms = (message,) if isinstance(message, str) else tuple(message)
        found[forms[0]] = forms
    return found


def read(language: str) -> Catalog:
    with po_path(language).open("rb") as file:
        return read_po(file, locale=language)


def _kept(pattern: re.Pattern[str], source: str, translated: str) -> list[str]:
    return [item for item in pattern.findall(source) if item not in translated]


def _message_problems(message: Message | None, forms: tuple[str, ...]) -> list[str]:
    if message is None:
        return ["missing"]
    if message.fuzzy:
        return ["fuzzy"]
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    if not all(strings):
        return ["untranslated"]
    problems = []
    for translated in strings:
        placeholders = set(_PLACEHOLDER.findall(translated))
        # Chinese has one plural form, which must still name the count.
        expected = set().union(*(_PLACEHOLDER.findall(form) for form in forms))
        if placeholders != expected:
            problems.append(f"placeholders {sorted(placeholders)} != {sorted(expected)}")
        lost = _kept(_QUOTED, forms[0], translated) + _kept(_CODE, forms[0], translated)
        if lost:
            problems.append(f"changed {lost}")
    return problems


def problems(language: str) -> list[str]:
    """What keeps `language` from being complete: one line per message, msgid first."""
    if not po_path(language).exists():
        return [f"no catalog {po_path(language)}"]
    catalog = read(language)
    found = []
    for msgid, forms in template().items():
        for problem in _message_problems(catalog.get(msgid), forms):
            found.append(f"{msgid!r}: {problem}")
    return found


def stale(language: str) -> bool:
    """Whether the compiled .mo says something other than its .po (compile again)."""
    if not mo_path(language).exists():
        return True
    with mo_path(language).open("rb") as file:
        compiled = gettext.GNUTranslations(file)._catalog  # type: ignore[attr-defined]
    wanted: dict[object, str] = {}
    for message in read(language):
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, tuple):
            for index, form in enumerate(message.string):
                wanted[(message.id[0], index)] = form
        else:
            wanted[message.id] = message.string
    return {key: value for key, value in compiled.items() if key != ""} != wanted


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    os.chdir(ROOT)
    if command == "update":
        LOCALE_DIR.mkdir(exist_ok=True)
        pybabel(*EXTRACT)
        for language in TRANSLATED:  # a new language: its catalog, with CLDR's plural rule
            if not po_path(language).exists():
                pybabel("init", "-i", "bot/locale/messages.pot", "-d", "bot/locale", "-D", DOMAIN,
                        "-l", language, "--no-wrap")  # fmt: skip
        pybabel(*UPDATE)
        command = "check"
    elif command == "compile":
        pybabel(*COMPILE)
        return 0
    if command != "check":
        print(__doc__)
        return 2
    status = 0
    for language in TRANSLATED:
        found = problems(language) + (["compiled .mo is stale"] if stale(language) else [])
        print(f"{language}: {len(found) or 'complete'}")
        for line in found:
            print(f"  {line}")
        status = status or bool(found)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
