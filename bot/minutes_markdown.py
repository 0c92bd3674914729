"""The minutes as Markdown, for reading: a header, the participation table, then each point
with its excerpts, notes, prompts, poll and every answer as a quote under its author.

Everything members or the exchange wrote is escaped (`md`), and answers and excerpts are
quoted line by line (`quote`), so no name or answer can start a heading, a link, an HTML tag or
a table row of its own: nothing they typed becomes live markup outside the quote.
"""

from __future__ import annotations

import re
from typing import TextIO

from bot.exchange import paragraphs
from bot.export import Answers, Minutes, MinutesAnswer, by_point
from bot.polls import PollTally
from bot.text import minutes as text

# Inline markup (emphasis, code, links, HTML tags, tables, strikethrough), and an `&` only
# where it would start an entity (`&amp;`, `&#60;`).
INLINE = re.compile(r"([\\`*_\[\]<>|~]|&(?=#?\w+;))")
# What starts a block at the beginning of a line: heading, quote, list, thematic break, setext.
LINE_START = re.compile(r"^(\s*)([#>+\-=]|\d+[.)])")


def md(value: str) -> str:
    """Text as Markdown that shows exactly that text."""
    escaped = INLINE.sub(r"\\\1", value)
    return "\n".join(LINE_START.sub(_escape_start, line) for line in escaped.split("\n"))


def _escape_start(found: re.Match[str]) -> str:
    indent, mark = found.groups()
    if mark[0].isdigit():  # "1." / "1)" -> "1\." : the escape goes before the punctuation
        return f"{indent}{mark[:-1]}\\{mark[-1]}"
    return f"{indent}\\{mark}"


def quote(value: str) -> list[str]:
    """A blockquote of escaped text: a multi-line answer stays together and contained."""
    return [f"> {line}" if line else ">" for line in md(value).splitlines() or [""]]


def link(label: str, url: str | None) -> str:
    return f"[{md(label)}](<{url}>)" if url else md(label)


def _header(minutes: Minutes) -> list[str]:
    lines = [f"# {md(text.title(minutes.exchange_title))}", ""]
    if minutes.chat_title:
        lines.append(f"- {md(text.chat(minutes.chat_title))}")
    lines.append(f"- {md(text.exchange(minutes.exchange_title, minutes.exchange_id))}")
    if minutes.source:
        lines.append(f"- {md(text.source())} <{minutes.source}>")
    if minutes.further_reading:
        reading = ", ".join(f"<{url}>" for url in minutes.further_reading)
        lines.append(f"- {md(text.further_reading())} {reading}")
    lines += [
        f"- {md(text.run(minutes.run_number, minutes.run_count))}",
        f"- {md(text.started(minutes.started_at))}",
        f"- {md(text.ended(minutes.ended, minutes.finished_at, minutes.ended_point))}",
        f"- {md(text.answers(minutes.answer_count, minutes.author_count))}",
        f"- {md(text.timezone(minutes.timezone))}",
    ]
    return lines


def _participation(minutes: Minutes) -> list[str]:
    if not minutes.participants or not minutes.points:
        return []
    numbers = [point.number for point in minutes.points]
    lines = [
        "",
        f"## {md(text.participation())}",
        "",
        "| " + " | ".join([md(text.member()), *map(str, numbers), md(text.total())]) + " |",
        "|" + "---|" * (len(numbers) + 2),
    ]
    for member in minutes.participants:
        cells = [str(member.answers.get(n, "·")) for n in numbers]
        lines.append("| " + " | ".join([md(member.name), *cells, str(member.total)]) + " |")
    return lines


def poll_lines(poll: PollTally) -> list[str]:
    lines = [f"**{md(text.poll(poll.question, poll.anonymous))}**", ""]
    lines += [f"- {md(option)}: {md(text.votes(count))}" for option, count in poll.options]
    total = md(text.votes(poll.voter_count))
    lines += ["", f"{total}" + (f" {md(text.still_open())}" if not poll.closed else "")]
    if poll.voters:
        lines += ["", md(text.voters_heading()), ""]
        lines += [f"- {md(name)}: {md(', '.join(chose))}" for name, chose in poll.voters]
    return lines


def _excerpt(heading: str, excerpt: str) -> list[str]:
    if not excerpt:
        return []
    body: list[str] = []
    for n, paragraph in enumerate(paragraphs(excerpt)):
        body += ([">"] if n else []) + quote(paragraph)
    return ["", f"### {md(heading)}", "", *body]


def _answer(answer: MinutesAnswer) -> list[str]:
    when = link(text.when(answer.created_at), answer.link)
    edited = f" {md(text.edited())}" if answer.edited_at else ""
    edited += f" {md(text.in_private())}" if answer.given_in_private else ""
    lines = [f"**{md(answer.author)}** · {when}{edited}", ""]
    said = answer.text or ""
    if answer.media_kind:
        media = link(text.media(answer.media_kind), answer.link)
        first, *rest = said.split("\n") if said else [""]
        lines.append(f"> {media} {md(first)}".rstrip())
        lines += quote("\n".join(rest)) if rest else []
    else:
        lines += quote(said or text.no_text())
    return lines


def write(minutes: Minutes, answers: Answers, out: TextIO) -> None:
    lines = _header(minutes) + _participation(minutes)
    if not minutes.points:
        lines += ["", md(text.nothing_posted())]
    out.write("\n".join(lines) + "\n")
    for point, theirs in by_point(minutes.points, answers):
        lines = ["", f"## {md(text.point(point.number, point.title))}"]
        lines += _excerpt(text.letter(minutes.letter_author), point.letter)
        lines += _excerpt(text.reply(minutes.reply_author), point.reply)
        if point.notes:
            lines += ["", f"**{md(text.context())}**", ""]
            lines += [f"- **{md(term)}**: {md(note)}" for term, note in point.notes]
        if point.prompts:
            lines += ["", f"**{md(text.prompts())}**", ""]
            lines += [f"- {md(prompt)}" for prompt in point.prompts]
        for poll in point.polls:
            lines += ["", *poll_lines(poll)]
        lines += ["", f"### {md(text.answers_heading())}", ""]
        if not point.answer_count:
            lines.append(md(text.no_answers()))
        out.write("\n".join(lines) + "\n")
        for n, answer in enumerate(theirs):
            out.write(("\n" if n else "") + "\n".join(_answer(answer)) + "\n")
