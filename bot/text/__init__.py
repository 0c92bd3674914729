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
