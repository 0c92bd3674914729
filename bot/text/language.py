"""What /language says. Telegram HTML."""

from __future__ import annotations

from html import escape

from bot.text import _


def shown(name: str, codes: list[str]) -> str:
    return _(
        "🌐 This circle speaks {language}. Organizers can change it with "
        "<code>/language de</code>; available: {codes}."
    ).format(language=escape(name), codes=", ".join(codes))


def unknown(asked: str, codes: list[str]) -> str:
    said = _("There is no language {asked!r} here: use one of {codes}.")
    return escape(said.format(asked=asked, codes=", ".join(codes)))


def changed(name: str) -> str:
    return _("🌐 From now on this circle speaks {language}.").format(language=escape(name))
