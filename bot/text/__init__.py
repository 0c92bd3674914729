"""The text catalog: every user-facing string of the bot goes through `_` (or `ngettext` for
counts), from the feature modules beside this one. Text is Telegram HTML where a module says
so, plain text otherwise.

The language is the one of the update or job being handled: a `ContextVar` set once per
update by the update pipeline (bot/telegram/updates.py; PTB runs each update in its own
context) and once per job from the circle. contextvars are per asyncio
task, so one chat's language never reaches another chat's concurrent update. The catalogs are
gettext `.mo` files compiled from bot/locale/*/LC_MESSAGES/messages.po (docs/translations.md);
English is the source language and needs none.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

LOCALE_DIR = Path(__file__).parent.parent / "locale"
DOMAIN = "messages"
DEFAULT = "en"
# Catalog locale -> the language's name in itself (what /language lists). Chinese is
# Simplified Chinese, `zh_Hans` (a script, not a country: the same text serves CN and SG).
LANGUAGES = {"en": "English", "de": "Deutsch", "ru": "Русский", "zh_Hans": "简体中文"}
# What people type or Telegram sends (`language_code` is an IETF tag: "de", "pt-br",
# "zh-hans") -> the catalog; Traditional Chinese (zh-hant, zh-tw, zh-hk) is not offered.
_ALIASES = {"zh": "zh_Hans", "zh_hans": "zh_Hans", "zh_cn": "zh_Hans", "zh_sg": "zh_Hans"}
# The short code for each catalog: /language takes it, setMyCommands' `language_code` needs it.
CODES = {"en": "en", "de": "de", "ru": "ru", "zh_Hans": "zh"}

# A catalog locale, or how to work it out when the first text needs it (an update that
# sends no text, such as an answer, then never looks it up).
_current: ContextVar[str | Callable[[], str | None]] = ContextVar("language", default=DEFAULT)


def supported(code: str | None) -> str | None:
    """The catalog for a language code or tag (`de`, `de-AT`, `ZH-Hans`, `zh_CN`), else None."""
    if not code:
        return None
    tag = code.strip().replace("-", "_").lower()
    if tag in _ALIASES:
        return _ALIASES[tag]
    if tag.startswith("zh"):
        return None  # Traditional Chinese, or a region we can't tell apart from it
    base = tag.split("_")[0]
    return base if base in LANGUAGES else None


def circle_language(chosen: str | None, exchange_language: str | None) -> str:
    """A circle speaks what /language chose, else its exchange's language, else English."""
    if chosen in LANGUAGES:
        return chosen
    return supported(exchange_language) or DEFAULT


def current() -> str:
    """The catalog locale of the update or job being handled."""
    language = _current.get()
    if callable(language):
        language = _checked(language())
        _current.set(language)  # once per update; `speaking` sets back what was before
    return language


def _checked(language: str | None) -> str:
    return language if language in LANGUAGES else DEFAULT  # type: ignore[return-value]


def set_language(language: str | None) -> None:
    """Speak `language` (a catalog locale; None or unknown: English) for the rest of this
    update or job (its asyncio task or context)."""
    _current.set(_checked(language))


@contextmanager
def speaking(language: str | Callable[[], str | None] | None) -> Iterator[None]:
    """Speak `language` inside the block only (a private message among group replies); a
    callable is asked when the first text needs the language, if one does."""
    token = _current.set(language if callable(language) else _checked(language))
    try:
        yield
    finally:
        _current.reset(token)


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog of `language`; English (or a missing file) is the source text."""
    if language == DEFAULT:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)


def _(message: str) -> str:
    """The message in the current language."""
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The form for `count` in the current language (Russian has three, Chinese one)."""
    return translations(current()).ngettext(singular, plural, count)


TELEGRAM_LIMIT = 4096  # characters of one message, as Telegram counts them (UTF-16 units)
NOTE_ROOM = 60  # for the "… (N more lines)" note, in any language


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def fit(html: str, limit: int = TELEGRAM_LIMIT) -> str:
    """A reply that could outgrow one message, cut at a line under Telegram's limit with a
    note of what was left out. Replies keep their tags within a line, so a line boundary
    never leaves a tag open (points are split by bot/render.py, never cut)."""
    if _units(html) <= limit:
        return html
    lines, kept, size = html.split("\n"), [], 0
    note = "\n…"
    for line in lines:
        if size + _units(line) + 1 + _units(note) + 40 > limit:
            break
        kept.append(line)
        size += _units(line) + 1
    left = len(lines) - len(kept)
    return (
        "\n".join(kept)
        + "\n"
        + ngettext("… ({count} more line)", "… ({count} more lines)", left).format(count=left)
    )
