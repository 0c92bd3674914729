"""The words of the minutes (Markdown and HTML): headings and labels, plain text; the
formats escape and mark them up (bot/minutes_markdown.py, bot/minutes_html.py)."""

from __future__ import annotations

from datetime import datetime

from bot.text import _, ngettext


def when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M}"


def title(exchange_title: str) -> str:
    return _("Minutes: {title}").format(title=exchange_title)


def chat(title: str) -> str:
    return _("Group: {title}").format(title=title)


def exchange(title: str, exchange_id: str) -> str:
    return _("Exchange: {title} ({id})").format(title=title, id=exchange_id)


def source() -> str:
    return _("Source:")


def further_reading() -> str:
    return _("Further reading:")


def run(number: int, count: int) -> str:
    return _("Run: {number} of {count}").format(number=number, count=count)


def started(at: datetime) -> str:
    return _("Started: {when}").format(when=when(at))


def ended(how: str | None, at: datetime | None, point: int | None) -> str:
    """How the run ended: finished, stopped, abandoned at point k by a restart, or not yet."""
    if how is None or at is None:
        return _("Ended: not yet, the run is still going")
    stamp = when(at)
    if how == "restarted":
        if point is None:
            return _("Ended: {when}, abandoned by a restart").format(when=stamp)
        return _("Ended: {when}, abandoned at point {point} by a restart").format(
            when=stamp, point=point
        )
    if how == "stopped":
        if point is None:
            return _("Ended: {when}, stopped by an organizer").format(when=stamp)
        return _("Ended: {when}, stopped by an organizer at point {point}").format(
            when=stamp, point=point
        )
    return _("Ended: {when}, finished after the last point").format(when=stamp)


def answers(answer_count: int, member_count: int) -> str:
    answers = ngettext("{count} answer", "{count} answers", answer_count).format(count=answer_count)
    members = ngettext("{count} member", "{count} members", member_count).format(count=member_count)
    return _("Answers: {answers} from {members}").format(answers=answers, members=members)


def timezone(name: str) -> str:
    return _("Times are in {zone}.").format(zone=name)


def nothing_posted() -> str:
    return _("No point has been posted in this run yet.")


def participation() -> str:
    return _("Participation")


def member() -> str:
    return _("Member")


def total() -> str:
    return _("Total")


def point(number: int, title: str) -> str:
    return _("Point {number}: {title}").format(number=number, title=title)


def letter(author: str) -> str:
    return _("From the letter ({author})").format(author=author) if author else _("The letter")


def reply(author: str) -> str:
    return _("The reply ({author})").format(author=author) if author else _("The reply")


def context() -> str:
    return _("Context")


def prompts() -> str:
    return _("Prompts")


def poll(question: str, anonymous: bool) -> str:
    kind = _("anonymous poll") if anonymous else _("public poll")
    return _("Poll ({kind}): {question}").format(kind=kind, question=question)


def votes(count: int) -> str:
    return ngettext("{count} vote", "{count} votes", count).format(count=count)


def voters_heading() -> str:
    return _("Who voted:")


def still_open() -> str:
    return _("(still open)")


def answers_heading() -> str:
    return _("Answers")


def no_answers() -> str:
    return _("No answers.")


def edited() -> str:
    return _("(edited)")


def in_private() -> str:
    return _("(in private)")


def media(kind: str) -> str:
    return f"[{kind}]"


def message_link() -> str:
    return _("message")


def no_text() -> str:
    return _("(no text)")


def unknown_format(name: str) -> str:
    return _("Unknown format {name!r}: use md, html, csv or json.").format(name=name)
