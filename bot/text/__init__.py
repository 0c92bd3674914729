"""The text catalog: every user-facing string of the bot goes through `_` (or `ngettext` for
counts), from the feature modules beside this one.

Today the catalog is English only (`NullTranslations`); the functions are gettext's, so a
later translation (docs/architecture.md, "Text") swaps the translations object without
touching a handler. Text is Telegram HTML where a module says so, plain text otherwise.
"""

from __future__ import annotations

import gettext

_translations: gettext.NullTranslations = gettext.NullTranslations()


def _(message: str) -> str:
    """The message in the current language."""
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for `count`, in the current language."""
    return _translations.ngettext(singular, plural, count)


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
