"""What organizers read privately when the bot itself is in trouble. Telegram HTML."""

from __future__ import annotations

from html import escape

from bot.text import _


def storage_fault(error: str) -> str:
    return _(
        "⚠️ Discussion Circle cannot write to its database ({error}). Nothing is lost: "
        "Telegram keeps the group's messages until I can store them, and I carry on by "
        "myself once the database works again. Whoever runs the bot should check its disk."
    ).format(error=escape(error))
