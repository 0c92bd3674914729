"""How a point reads in the group: headings, who wrote each excerpt, the answer hint, and where
the exchange comes from. Telegram HTML (bot/render.py composes the messages)."""

from __future__ import annotations

from html import escape

from bot.exchange import Exchange, Requote
from bot.text import _
from bot.text.dates import joined


def heading(number: int, count: int, title: str) -> str:
    return _("Point {number}/{count} · {title}").format(
        number=number, count=count, title=escape(title)
    )


def letter_intro(author: str, again: Requote | None) -> str:
    text = _("From the letter ({author})").format(author=author)
    return text + (f" — {requoted(again)}" if again else "")


def reply_intro(author: str, again: Requote | None) -> str:
    text = _("The reply ({author})").format(author=author)
    return text + (f" — {requoted(again)}" if again else "")


def requoted(again: Requote) -> str:
    """ "again, from point 1", "again, from points 1 and 3", "partly again, from point 9"."""
    numbers = [str(number) for number in again.points]
    listed = joined(numbers)
    if again.whole:
        if len(numbers) > 1:
            return _("again, from points {list}").format(list=listed)
        return _("again, from point {list}").format(list=listed)
    if len(numbers) > 1:
        return _("partly again, from points {list}").format(list=listed)
    return _("partly again, from point {list}").format(list=listed)


def answer_hint() -> str:
    return _(
        "↩️ <b>Reply to this message to answer.</b> Replies to any message of this point count."
    )


def context_heading() -> str:
    return _("<b>Context</b>")


def discuss_heading() -> str:
    return _("<b>Discuss</b>")


def sources(exchange: Exchange) -> str:
    """Where the exchange comes from and what to read next; empty when the file names none."""
    lines = []
    if exchange.source:
        link = escape(exchange.source, quote=True)
        lines.append(_("📚 Source: {link}").format(link=f'<a href="{link}">{link}</a>'))
    if exchange.further_reading:
        lines.append(_("Further reading:"))
        for item in exchange.further_reading:
            link = escape(item, quote=True)
            lines.append(f'• <a href="{link}">{link}</a>')
    return "\n".join(lines)
