"""What organizers read in reply to their commands (lifecycle and /status). Telegram HTML."""

from __future__ import annotations

from datetime import datetime
from html import escape

from bot.reads import NextPost, Status
from bot.text import _
from bot.text.dates import clock, when


def skip_hint() -> str:
    return _("; to jump to a point use <code>/goto 3</code>")


def state_name(state: str) -> str:
    """A circle's state as /status shows it."""
    names = {
        "running": _("running"),
        "paused": _("paused"),
        "finished": _("finished"),
        "stopped": _("stopped"),
    }
    return names.get(state, state)


def part_name(part: str) -> str:
    """A point's part as in "the reply at Tue 1 Dec 2026 19:10"."""
    names = {"letter": _("the letter"), "reply": _("the reply"), "prompt": _("the prompt")}
    return names.get(part, part)


def refused(error: str) -> str:
    """What Telegram said when it refused a post (shown by /next and /status)."""
    return _("Telegram refused the message: {error}").format(error=error)


def goto_usage() -> str:
    return _("Usage: <code>/goto N</code> with a point number, for example <code>/goto 3</code>.")


def start_usage(example: str) -> str:
    return _(
        "Usage: <code>/circle_start [exchange]</code>, for example <code>/circle_start</code> "
        "or <code>/circle_start {example}</code>."
    ).format(example=escape(example))


def restart_usage(example: str) -> str:
    return _(
        "Usage: <code>/restart [exchange]</code>, for example <code>/restart</code> or "
        "<code>/restart {example}</code>."
    ).format(example=escape(example))


def started(title: str, point_count: int, run_number: int) -> str:
    return _(
        "📖 <b>{title}</b>\nA circle of {count} points has started (run {run}).\n\n"
        "Post the first point now with /next, or set a timetable, for example "
        "<code>/schedule tue,thu 19:00</code>. Members answer by replying to the bot's messages; "
        "/help explains."
    ).format(title=escape(title), count=point_count, run=run_number)


def paused() -> str:
    return _("⏸ Paused. The schedule is kept; /resume to continue.")


def resumed() -> str:
    return _("▶️ Resumed.")


def skipped() -> str:
    return _("⏭ Skipped.")


def skipped_to(point_number: int) -> str:
    return _("⏭ Skipped. Point {number} is next: /next posts it now.").format(number=point_number)


def now_current(point_number: int, paused: bool) -> str:
    if paused:
        return _("↪️ Point {number} is now current: /resume, then /next posts it.").format(
            number=point_number
        )
    return _("↪️ Point {number} is now current: /next posts it.").format(number=point_number)


def stopped() -> str:
    return _("⏹ The circle is stopped. Answers are kept; /restart begins a new run.")


def restarted(run_number: int) -> str:
    return _(
        "🔁 Run {run} begins at point 1. Earlier answers are kept with their run. "
        "/next posts the first point."
    ).format(run=run_number)


def post_problem(error: str | None, retry_after: float | None) -> str:
    if error:
        return escape(error)
    return _(
        "Telegram did not take the message just now; I will try again in {seconds} s by myself."
    ).format(seconds=f"{retry_after or 0:.0f}")


def counts_as(slot: datetime, today: bool) -> str:
    named = clock(slot) if today else when(slot)
    return _("This counts as the {slot} session: it will not post another point.").format(
        slot=named
    )


def next_post(next_post: NextPost, timezone: str) -> str:
    kind = next_post.kind
    if kind == "ended":
        return _("none: the circle has ended (/restart begins a new run)")
    session = f"{when(next_post.then)} ({timezone})" if next_post.then is not None else None
    if kind == "paused":
        if session is None:
            return _("none while paused: /resume, then /next posts")
        return _("{session} — paused: nothing is posted until /resume").format(session=session)
    if kind == "part" and next_post.at is not None:
        part = _("{part} at {when}").format(part=part_name(next_post.part), when=when(next_post.at))
        return part + (_("; then {session}").format(session=session) if session else "")
    if kind == "session" and next_post.at is not None:
        return f"{when(next_post.at)} ({timezone})"
    return _("none (post with /next)")


def status(result: Status, failure: str | None, known: str | None = None) -> str:
    """/status; with `known` (who the members are, from where) it names who answered."""
    not_posted = not result.point_posted and result.state == "running"
    lines = [
        _("📖 <b>{title}</b> (run {run})").format(
            title=escape(result.exchange_title), run=result.run_number
        ),
        _("Point {number}/{count}: {title}").format(
            number=result.point_number, count=result.point_count, title=escape(result.point_title)
        ),
        _("State: {state}").format(state=state_name(result.state))
        + (_(" (point not posted yet)") if not_posted else ""),
        _("Next scheduled post: {next}").format(
            next=escape(next_post(result.next_post, result.timezone))
        ),
        _("Answers on this point: {count}").format(count=result.answer_count),
    ]
    if failure is not None:
        lines.append(
            _("⚠️ Last post failed, {failure}. /next tries again.").format(failure=escape(failure))
        )
    for problem in result.problems:
        lines.append(
            _("⚠️ A setting could not be read: {problem}. Set it again.").format(
                problem=escape(problem)
            )
        )
    if known is None:
        return "\n".join(lines)
    lines.append(known)
    if result.answered:
        lines.append(_("Answered: ") + escape(capped(result.answered)))
    if result.not_answered:
        lines.append(_("Not yet: ") + escape(capped(result.not_answered)))
    return "\n".join(lines)


MAX_NAMES = 60  # a list of names in one reply; /status of a 500-member group stays readable


def capped(names: tuple[str, ...] | list[str], limit: int = MAX_NAMES) -> str:
    if len(names) <= limit:
        return ", ".join(names)
    more = len(names) - limit
    return ", ".join(names[:limit]) + _(" and {count} more").format(count=more)
