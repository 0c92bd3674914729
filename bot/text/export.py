"""What /export says. Telegram HTML."""

from __future__ import annotations

from html import escape

from bot.text import _


def usage() -> str:
    return _(
        "Usage: <code>/export [run] [md|html|csv|json]</code>, for example <code>/export</code> "
        "(current run, Markdown), <code>/export html</code> or <code>/export 2 csv</code>."
    )


def anonymous() -> str:
    return _(
        "You are posting anonymously (as the group), so I can't send you the minutes privately. "
        "Send /export from your own account."
    )


def sent() -> str:
    return _("I sent the minutes to you privately.")


def caption(exchange_title: str, run_number: int, chat_title: str) -> str:
    return _("Minutes of {title}, run {run}, in {chat}").format(
        title=escape(exchange_title), run=run_number, chat=escape(chat_title or _("your group"))
    )
