"""What /stats and /search say (and `circle-bot stats` / `search` print). The reports are plain
text (`stats_report`, `hit_lines`); the Telegram replies are HTML."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from bot.search import Hit
from bot.stats import Stats
from bot.text import _, ngettext
from bot.text.posts import poll_result


def _count(n: int) -> str:
    return ngettext("{count} answer", "{count} answers", n).format(count=n)


def stats_report(stats: Stats) -> str:
    """The /stats table, plain text (Telegram sends it escaped; the CLI prints it)."""
    lines = [
        _("{title}, run {run}").format(title=stats.exchange_title, run=stats.run_number),
        "",
        _("Answers per point:"),
    ]
    if not stats.points:
        lines.append(_("  no point posted yet"))
    for point in stats.points:
        # "{count} member" only ever follows "from" (German dative, Russian genitive).
        members = ngettext("{count} member", "{count} members", point.members)
        given = _("{answers} from {members}").format(
            answers=_count(point.answers), members=members.format(count=point.members)
        )
        lines.append(f"  {point.number}. {point.title}: {given}")
    lines += ["", _("Answers per member:")]
    if not stats.members:
        lines.append(_("  nobody has answered yet"))
    for member in stats.members:
        points = ngettext("{count} point", "{count} points", member.points)
        lines.append(
            f"  {member.name}: {_count(member.answers)}, " + points.format(count=member.points)
        )
    if stats.quietest:
        quiet = ", ".join(f"{p.number} ({p.answers})" for p in stats.quietest)
        lines += ["", _("Quietest points: {points}").format(points=quiet)]
    if stats.last_points:
        numbers = " & ".join(str(n) for n in stats.last_points)
        names = ", ".join(stats.silent) if stats.silent else _("none")
        lines += [
            "",
            _("Not answered points {numbers}: {names}").format(numbers=numbers, names=names),
        ]
    if stats.polls:
        lines += ["", _("Polls:")]
        for number, poll in stats.polls:
            lines.append(f"  {number}. {poll.question}")
            lines.append(f"     {poll_result(poll)}")
    return "\n".join(lines)


def chart_title(exchange_title: str, run_number: int) -> str:
    return _("{title} — run {run}").format(title=exchange_title, run=run_number)


def chart_axis() -> str:
    return _("answers")


def chart_others() -> str:
    return _("others")


def stats_caption() -> str:
    return _("Answers per point, stacked by member.")


def search_usage() -> str:
    return _(
        "Usage: <code>/search words</code>, for example <code>/search evidence students</code>."
    )


def hit_lines(hits: list[Hit], words: str, mark: tuple[str, str], esc: Callable[[str], str]) -> str:
    """The ranked hits: point, author, time, the answer around the words, a link."""
    if not hits:
        return _("No answer matches “{words}”.").format(words=esc(words))
    lines = [_("Answers matching “{words}”, best first:").format(words=esc(words))]
    for n, hit in enumerate(hits, start=1):
        head = _("{n}. Point {point} (run {run}) · {author} · {when}").format(
            n=n,
            point=hit.point_number,
            run=hit.run_number,
            author=esc(hit.author),
            when=f"{hit.created_at:%Y-%m-%d %H:%M}",
        )
        lines += ["", head, hit.marked(mark[0], mark[1], esc)]
        if hit.link:
            lines.append(hit.link)
    return "\n".join(lines)


def hits_html(hits: list[Hit], words: str) -> str:
    return hit_lines(hits, words, ("<b>", "</b>"), escape)


def anonymous(command: str) -> str:
    return _(
        "You are posting anonymously (as the group), so I can't answer you privately. "
        "Send /{command} from your own account."
    ).format(command=command)
