"""What the circle itself posts to the group besides the points: digests, the end, notices of
the timetable, reminders. Telegram HTML."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape

from bot.polls import PollTally
from bot.reads import Digest
from bot.text import _, ngettext
from bot.text.dates import clock, duration, short_day, when

MAX_NAMES = 12
MAX_LINKS = 10


def answer_link(chat_id: int, message_id: int, thread_id: int | None = None) -> str | None:
    """A t.me link to a message in a supergroup; None for a basic group (it has no links).

    Supergroup ids are -100 followed by the id the link uses; a forum topic's messages can be
    linked with the topic in the path.
    """
    text = str(chat_id)
    if not text.startswith("-100"):
        return None
    internal = text.removeprefix("-100")
    if thread_id:
        return f"https://t.me/c/{internal}/{thread_id}/{message_id}"
    return f"https://t.me/c/{internal}/{message_id}"


def digest(digest: Digest, thread_id: int | None = None) -> str:
    head = _("📝 <b>Point {number} · {title}</b> is closed.").format(
        number=digest.point_number, title=escape(digest.point_title)
    )
    poll = "\n" + escape(poll_result(digest.poll)) if digest.poll else ""
    if digest.answer_count == 0:
        return "\n".join([head, _("No answers this time."), *_late(digest)]) + poll
    count, people = digest.answer_count, len(digest.names)
    answers = ngettext("{count} answer", "{count} answers", count).format(count=count)
    members = ngettext("{count} member", "{count} members", people).format(count=people)
    lines = [
        head,
        _("{answers} from {members}: {names}").format(
            answers=answers, members=members, names=escape(_capped(digest.names, MAX_NAMES))
        ),
    ]
    links = [
        f'<a href="{url}">{number}</a>'
        for number, (chat_id, message_id) in enumerate(digest.messages[:MAX_LINKS], start=1)
        if (url := answer_link(chat_id, message_id, thread_id))
    ]
    if links:
        more = _(" (+{count} more)").format(count=count - MAX_LINKS) if count > MAX_LINKS else ""
        lines.append(_("Answers: ") + " · ".join(links) + more)
    return "\n".join(lines + _late(digest)) + poll


def _late(digest: Digest) -> list[str]:
    """One line per earlier point that got answers after it closed (or while the bot was
    down and its digest was already out), not one per answer."""
    return [
        ngettext(
            "↩️ {count} late answer to point {number}.",
            "↩️ {count} late answers to point {number}.",
            count,
        ).format(count=count, number=number)
        for number, count in digest.late
    ]


def poll_result(poll: PollTally) -> str:
    """ "Poll: 5 votes — 3 for The letter's, 2 for Undecided" (plain text)."""
    if poll.voter_count == 0:
        return _("Poll: no votes.")
    votes = ngettext("{count} vote", "{count} votes", poll.voter_count).format(
        count=poll.voter_count
    )
    results = ", ".join(
        _("{count} for {option}").format(count=count, option=option)
        for option, count in poll.options
        if count
    )
    return _("Poll: {votes} — {results}").format(votes=votes, results=results)


def _capped(names: tuple[str, ...], limit: int) -> str:
    if len(names) <= limit:
        return ", ".join(names)
    more = _(" and {count} more").format(count=len(names) - limit)
    return ", ".join(names[:limit]) + more


def finished(exchange_title: str | None) -> str:
    title = _(" of <b>{title}</b>").format(title=escape(exchange_title)) if exchange_title else ""
    return _(
        "🏁 That was the last point{title}: the circle is finished. Thank you for reading and "
        "answering together! Members can see their own answers with /mine. Organizers: /export "
        "sends the minutes to you privately."
    ).format(title=title)


def posting_late(slot: datetime) -> str:
    return _("Posting the {time} session late: the bot was offline.").format(time=clock(slot))


def missed(slot: datetime, following: datetime | None, restarted: bool) -> str:
    if following is not None:
        then = _("the next session is {day} {time}").format(
            day=short_day(following), time=clock(following)
        )
    else:
        then = _("there is no further session: post with /next")
    if restarted:
        text = _("The bot was offline at {time} {day}; {then}.")
    else:
        text = _("The bot was held up at {time} {day}; {then}.")
    return text.format(time=clock(slot), day=short_day(slot), then=then)


def default_schedule(description: str, first: datetime | None) -> str:
    start = _(" The first session: {when}.").format(when=when(first)) if first else ""
    return _(
        "🗓 This circle meets {schedule}.{first} Organizers can change it with /schedule."
    ).format(schedule=escape(description), first=start)


def reminder(point_number: int, left: timedelta, answered: int) -> str:
    if answered == 0:
        so_far = _("nobody has answered yet")
    else:
        so_far = ngettext(
            "{count} member has answered so far", "{count} members have answered so far", answered
        ).format(count=answered)
    return _(
        "⏰ Point {number} closes in {left}: {so_far}. Reply to the point's messages to answer."
    ).format(number=point_number, left=duration(left), so_far=so_far)
