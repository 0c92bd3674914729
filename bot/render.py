"""What the bot posts for a point, as Telegram HTML: the one place messages are composed.

`circle-bot content preview` prints exactly these messages and the bot sends exactly these, so
an organizer's preview never disagrees with the group's view.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape, unescape

from bot.exchange import Exchange, Point, Poll, paragraphs, requoted, sentences
from bot.text import points as text

# Telegram's limit is 4096 characters of text after entity parsing, counted in UTF-16 code
# units. Measuring the HTML source (tags included) in the same units keeps us under it with
# room to spare, without re-implementing Telegram's parser.
TELEGRAM_TEXT_LIMIT = 4096
PARTS = ("letter", "reply", "prompt", "poll")
# Letter and reply are shown alike: an excerpt is collapsed ("tap to expand") only when it is
# long, so neither side of the exchange is hidden behind a tap by default.
COLLAPSE_ABOVE = 600


@dataclass(frozen=True)
class Outgoing:
    """One message of a point. `key` is stable across restarts: it is what the store records."""

    key: str
    part: str
    html: str = ""
    poll: Poll | None = None


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def render_point(
    exchange: Exchange, index: int, limit: int = TELEGRAM_TEXT_LIMIT
) -> list[Outgoing]:
    """Every message for point `index` (0-based), in posting order."""
    point = exchange.points[index]
    heading = text.heading(index + 1, len(exchange.points), point.title)
    messages = []
    for part, intro in (
        ("letter", text.letter_intro(exchange.letter_author, requoted(exchange, index, "letter"))),
        ("reply", text.reply_intro(exchange.reply_author, requoted(exchange, index, "reply"))),
    ):
        messages += _quoted(part, heading, f"<i>{escape(intro)}:</i>", getattr(point, part), limit)
    # The last point says where the exchange comes from and what to read next.
    last = index == len(exchange.points) - 1
    messages += _prompt(heading, point, limit, text.sources(exchange) if last else "")
    if point.poll:
        messages.append(Outgoing(key="poll", part="poll", poll=point.poll))
    return messages


def _keyed(part: str, bodies: list[str]) -> list[Outgoing]:
    # The first message keeps the bare part name, so the common unsplit case reads plainly.
    return [
        Outgoing(key=part if number == 1 else f"{part}.{number}", part=part, html=html)
        for number, html in enumerate(bodies, start=1)
    ]


def _marker(number: int, count: int) -> str:
    return f" ({number}/{count})" if count > 1 else ""


def _quoted(part: str, heading: str, intro: str, text: str, limit: int) -> list[Outgoing]:
    # Budgeted with the longer tag, so choosing the short one later never overflows.
    frame = f"<b>{heading} (99/99)</b>\n{intro}\n<blockquote expandable></blockquote>"
    atoms = _atoms(text, limit - utf16_len(frame))
    chunks = _pack(atoms, limit - utf16_len(frame))
    bodies = [
        f"<b>{heading}{_marker(n, len(chunks))}</b>\n{intro}\n{_blockquote(chunk)}"
        for n, chunk in enumerate(chunks, start=1)
    ]
    return _keyed(part, bodies)


def _blockquote(chunk: str) -> str:
    """A quote, collapsed only when what the member would read is longer than COLLAPSE_ABOVE."""
    tag = "blockquote expandable" if len(unescape(chunk)) > COLLAPSE_ABOVE else "blockquote"
    return f"<{tag}>{chunk}</blockquote>"


def _prompt(heading: str, point: Point, limit: int, sources: str = "") -> list[Outgoing]:
    hint = text.answer_hint()
    frame = f"<b>{heading} (99/99)</b>\n\n{hint}"
    budget = limit - utf16_len(frame)
    sections = []
    if point.notes:
        notes = [f"• <b>{escape(term)}</b>: {escape(note)}" for term, note in point.notes]
        opening = f"{text.context_heading()}\n<blockquote expandable>"
        sections.append((opening, notes, "</blockquote>"))
    prompts = [f"{n}. {escape(prompt)}" for n, prompt in enumerate(point.prompts, start=1)]
    sections.append((f"{text.discuss_heading()}\n", prompts, ""))
    if sources:
        sections.append(("", sources.split("\n"), ""))
    chunks = _pack_sections(sections, budget)
    count = len(chunks)
    bodies = [
        f"<b>{heading}{_marker(n, count)}</b>\n{chunk}" + (f"\n\n{hint}" if n == count else "")
        for n, chunk in enumerate(chunks, start=1)
    ]
    return _keyed("prompt", bodies)


def _pack_sections(sections: list[tuple[str, list[str], str]], budget: int) -> list[str]:
    """Pack sections of lines into messages. A section that spills over is reopened (heading
    and tags repeated) in the next message, so each message's HTML stands alone. Content
    validation bounds each line well under a message, so lines are never cut."""
    chunks: list[str] = []
    current = ""
    for opening, lines, closing in sections:
        body: list[str] = []
        for line in lines:
            trial = _joined(current, opening + "\n".join([*body, line]) + closing)
            if utf16_len(trial) > budget and (body or current):
                chunks.append(
                    _joined(current, opening + "\n".join(body) + closing) if body else current
                )
                current, body = "", []
            body.append(line)
        current = _joined(current, opening + "\n".join(body) + closing)
    return [*chunks, current]


def _joined(first: str, second: str) -> str:
    return f"{first}\n\n{second}" if first else second


def split_text(text: str, budget: int) -> list[str]:
    """Escaped HTML pieces of plain `text`, each at most `budget` UTF-16 units, split as above."""
    return _pack(_atoms(text, budget), budget)


def _atoms(text: str, budget: int) -> list[tuple[str, str]]:
    """Escaped pieces of `text`, each with the separator that precedes it, each within budget.

    Paragraphs are preferred; an over-long paragraph falls back to sentences, an over-long
    sentence to words, so a split never lands mid-word — unless one "word" (a long URL, say)
    is itself longer than a message, which is then cut where it must be.
    """
    atoms: list[tuple[str, str]] = []
    for p_index, paragraph in enumerate(paragraphs(text)):
        separator = "\n\n" if p_index else ""
        if utf16_len(escape(paragraph)) <= budget:
            atoms.append((separator, escape(paragraph)))
            continue
        for s_index, sentence in enumerate(sentences(paragraph)):
            sentence_separator = separator if s_index == 0 else " "
            if utf16_len(escape(sentence)) <= budget:
                atoms.append((sentence_separator, escape(sentence)))
                continue
            for w_index, word in enumerate(sentence.split()):
                word_separator = sentence_separator if w_index == 0 else " "
                for c_index, piece in enumerate(_cut(word, budget)):
                    atoms.append((word_separator if c_index == 0 else "", piece))
    return atoms


def _cut(word: str, budget: int) -> list[str]:
    """The escaped word in pieces that each fit the budget (one piece when it already fits)."""
    pieces, current = [], ""
    for char in word:
        if current and utf16_len(current + escape(char)) > budget:
            pieces.append(current)
            current = ""
        current += escape(char)
    return [*pieces, current]


def _pack(atoms: list[tuple[str, str]], budget: int) -> list[str]:
    chunks: list[str] = []
    current = ""
    for separator, atom in atoms:
        candidate = current + separator + atom if current else atom
        if current and utf16_len(candidate) > budget:
            chunks.append(current)
            current = atom
        else:
            current = candidate
    if current or not chunks:
        chunks.append(current)
    return chunks
