"""The minutes as one self-contained HTML file: no external stylesheet, font, script or image,
so it opens the same offline, years later. It reads on a phone (one column, the viewport set,
wide tables scroll sideways), the letter and reply excerpts fold away (`<details>`) and open
for printing, and everything members or the exchange wrote goes through `html.escape`.
"""

from __future__ import annotations

from html import escape
from typing import TextIO

from bot.exchange import paragraphs
from bot.export import Answers, Minutes, MinutesAnswer, by_point
from bot.polls import PollTally
from bot.text import current
from bot.text import minutes as text

STYLE = """
:root { color-scheme: light dark; --muted: #667; --line: #ccd; --accent: #2a6bb0; }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans",
  "Noto Sans CJK SC", sans-serif; margin: 0 auto; max-width: 48rem; padding: 1rem;
  overflow-wrap: anywhere; }
h1 { font-size: 1.5rem; line-height: 1.25; }
h2 { font-size: 1.25rem; border-top: 1px solid var(--line); padding-top: 1rem; margin-top: 2rem; }
h3 { font-size: 1rem; margin-bottom: .25rem; }
a { color: var(--accent); }
.meta { padding-left: 1.2rem; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: .9rem; }
th, td { border: 1px solid var(--line); padding: .2rem .45rem; text-align: center; }
th:first-child, td:first-child { text-align: left; }
details { border-left: 3px solid var(--line); margin: .5rem 0; padding: .1rem .75rem; }
summary { cursor: pointer; font-weight: 600; }
blockquote { margin: .25rem 0 .75rem; padding: 0 .75rem; border-left: 3px solid var(--line); }
.answer { margin: .75rem 0; }
.who { font-weight: 600; }
.when, .edited, .muted { color: var(--muted); font-size: .9rem; }
.said { white-space: pre-wrap; margin: .2rem 0 0; }
.media { font-weight: 600; }
.bar { display: inline-block; height: .6rem; background: var(--accent); vertical-align: middle;
  margin-left: .4rem; }
@media print {
  body { max-width: none; font-size: 11pt; }
  a { color: inherit; text-decoration: none; }
  h2 { break-after: avoid; }
  .answer, blockquote, table { break-inside: avoid; }
  summary::marker { content: ""; }
}
"""
# Printing opens every excerpt (a closed <details> would print only its summary).
SCRIPT = (
    'addEventListener("beforeprint",()=>document.querySelectorAll("details")'
    ".forEach(d=>d.open=true));"
)


def e(value: str) -> str:
    return escape(value, quote=True)


def a(label: str, url: str | None) -> str:
    return f'<a href="{e(url)}">{e(label)}</a>' if url else e(label)


def _head(minutes: Minutes) -> list[str]:
    title = e(text.title(minutes.exchange_title))
    return [
        "<!DOCTYPE html>",
        f'<html lang="{current().replace("_", "-")}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title>",
        f"<style>{STYLE}</style>",
        f"<script>{SCRIPT}</script>",
        "</head>",
        "<body>",
        f"<h1>{title}</h1>",
    ]


def _meta(minutes: Minutes) -> list[str]:
    items = []
    if minutes.chat_title:
        items.append(e(text.chat(minutes.chat_title)))
    items.append(e(text.exchange(minutes.exchange_title, minutes.exchange_id)))
    if minutes.source:
        items.append(f"{e(text.source())} {a(minutes.source, minutes.source)}")
    if minutes.further_reading:
        links = ", ".join(a(url, url) for url in minutes.further_reading)
        items.append(f"{e(text.further_reading())} {links}")
    items += [
        e(text.run(minutes.run_number, minutes.run_count)),
        e(text.started(minutes.started_at)),
        e(text.ended(minutes.ended, minutes.finished_at, minutes.ended_point)),
        e(text.answers(minutes.answer_count, minutes.author_count)),
        e(text.timezone(minutes.timezone)),
    ]
    return ['<ul class="meta">', *(f"<li>{item}</li>" for item in items), "</ul>"]


def _participation(minutes: Minutes) -> list[str]:
    if not minutes.participants or not minutes.points:
        return []
    numbers = [point.number for point in minutes.points]
    head = "".join(f'<th scope="col"><a href="#point-{n}">{n}</a></th>' for n in numbers)
    rows = [
        "<tr>"
        f'<th scope="row">{e(member.name)}</th>'
        + "".join(f"<td>{member.answers.get(n, '·')}</td>" for n in numbers)
        + f"<td>{member.total}</td></tr>"
        for member in minutes.participants
    ]
    return [
        f"<h2>{e(text.participation())}</h2>",
        '<div class="scroll"><table>',
        f'<thead><tr><th scope="col">{e(text.member())}</th>{head}'
        f'<th scope="col">{e(text.total())}</th></tr></thead>',
        "<tbody>",
        *rows,
        "</tbody></table></div>",
    ]


def _excerpt(heading: str, excerpt: str) -> list[str]:
    if not excerpt:
        return []
    body = "".join(f"<p>{e(paragraph)}</p>" for paragraph in paragraphs(excerpt))
    return [f"<details><summary>{e(heading)}</summary><blockquote>{body}</blockquote></details>"]


def _poll(poll: PollTally) -> list[str]:
    top = max((count for _, count in poll.options), default=0) or 1
    items = [
        f"<li>{e(option)}: {e(text.votes(count))}"
        f'<span class="bar" style="width:{round(6 * count / top, 2)}rem"></span></li>'
        for option, count in poll.options
    ]
    total = e(text.votes(poll.voter_count))
    still = f" {e(text.still_open())}" if not poll.closed else ""
    lines = [
        f"<h3>{e(text.poll(poll.question, poll.anonymous))}</h3>",
        "<ul>",
        *items,
        "</ul>",
        f'<p class="muted">{total}{still}</p>',
    ]
    if poll.voters:
        voters = "".join(
            f"<li>{e(name)}: {e(', '.join(chose))}</li>" for name, chose in poll.voters
        )
        lines.append(f"<p>{e(text.voters_heading())}</p><ul>{voters}</ul>")
    return lines


def _answer(answer: MinutesAnswer) -> str:
    when = f'<span class="when">{a(text.when(answer.created_at), answer.link)}</span>'
    edited = f' <span class="edited">{e(text.edited())}</span>' if answer.edited_at else ""
    if answer.given_in_private:
        edited += f' <span class="edited">{e(text.in_private())}</span>'
    media = ""
    if answer.media_kind:
        media = f'<span class="media">{a(text.media(answer.media_kind), answer.link)}</span> '
    said = e(answer.text or "") if answer.text or answer.media_kind else e(text.no_text())
    return (
        f'<div class="answer"><span class="who">{e(answer.author)}</span> · {when}{edited}'
        f'<p class="said">{media}{said}</p></div>'
    )


def write(minutes: Minutes, answers: Answers, out: TextIO) -> None:
    lines = _head(minutes) + _meta(minutes) + _participation(minutes)
    if not minutes.points:
        lines.append(f"<p>{e(text.nothing_posted())}</p>")
    out.write("\n".join(lines) + "\n")
    for point, theirs in by_point(minutes.points, answers):
        lines = [
            f'<section id="point-{point.number}">',
            f"<h2>{e(text.point(point.number, point.title))}</h2>",
        ]
        lines += _excerpt(text.letter(minutes.letter_author), point.letter)
        lines += _excerpt(text.reply(minutes.reply_author), point.reply)
        if point.notes:
            notes = "".join(f"<li><b>{e(term)}</b>: {e(note)}</li>" for term, note in point.notes)
            lines.append(f"<h3>{e(text.context())}</h3><ul>{notes}</ul>")
        if point.prompts:
            prompts = "".join(f"<li>{e(prompt)}</li>" for prompt in point.prompts)
            lines.append(f"<h3>{e(text.prompts())}</h3><ul>{prompts}</ul>")
        for poll in point.polls:
            lines += _poll(poll)
        lines.append(f"<h3>{e(text.answers_heading())}</h3>")
        if not point.answer_count:
            lines.append(f'<p class="muted">{e(text.no_answers())}</p>')
        out.write("\n".join(lines) + "\n")
        for answer in theirs:
            out.write(_answer(answer) + "\n")
        out.write("</section>\n")
    out.write("</body>\n</html>\n")
