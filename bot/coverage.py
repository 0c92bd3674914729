"""Does an exchange file cover its original text, verbatim and in order?

An organizer splitting a new exchange runs `circle-bot content check FILE --source ORIGINAL`;
this module says which sentences of the original no point carries, which excerpt sentences are
not in the original (a paraphrase or a typo), and which appear out of order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.exchange import Exchange, paragraphs, sentences


def normalize(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class SourceSentence:
    line: int
    text: str


# source_ignore is for headings and URLs; a line ending like a sentence is letter or reply text.
SENTENCE_LIKE = re.compile(r"[.!?…][\"'”’)]*$")


@dataclass
class CoverageReport:
    total: int = 0
    ignored: list[SourceSentence] = field(default_factory=list)
    uncovered: list[SourceSentence] = field(default_factory=list)
    out_of_order: list[SourceSentence] = field(default_factory=list)
    not_in_source: list[tuple[str, str]] = field(default_factory=list)  # (point id, sentence)

    @property
    def ignored_lines(self) -> int:
        return len(self.ignored)

    @property
    def ignored_sentences(self) -> list[SourceSentence]:
        return [line for line in self.ignored if SENTENCE_LIKE.search(line.text)]

    @property
    def covered(self) -> int:
        return self.total - len(self.uncovered)

    @property
    def complete(self) -> bool:
        return not (
            self.uncovered or self.out_of_order or self.not_in_source or self.ignored_sentences
        )


def source_sentences(
    text: str, ignore: set[str]
) -> tuple[list[SourceSentence], list[SourceSentence]]:
    """The sentences of an original text with their line numbers, and the lines ignored."""
    found: list[SourceSentence] = []
    ignored: list[SourceSentence] = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = normalize(line)
        if not line:
            continue
        if line in ignore:
            ignored.append(SourceSentence(number, line))
            continue
        found.extend(SourceSentence(number, sentence) for sentence in sentences(line))
    return found, ignored


def check_coverage(exchange: Exchange, source_text: str) -> CoverageReport:
    ignore = {normalize(line) for line in exchange.source_ignore}
    if exchange.source:
        ignore.add(exchange.source)
    wanted, ignored = source_sentences(source_text, ignore)
    report = CoverageReport(total=len(wanted), ignored=ignored)

    # Letter and reply excerpts are read as two streams, each in point order. A point may
    # re-quote an earlier letter sentence, so order is judged from a cursor that only moves on.
    streams = {
        part: "\n".join(normalize(getattr(point, part)) for point in exchange.points)
        for part in ("letter", "reply")
    }
    cursors = dict.fromkeys(streams, 0)
    current = "letter"
    for sentence in wanted:
        other = "reply" if current == "letter" else "letter"
        for part in (current, other):
            position = streams[part].find(sentence.text, cursors[part])
            if position >= 0:
                cursors[part] = position + len(sentence.text)
                current = part
                break
        else:
            if any(sentence.text in stream for stream in streams.values()):
                report.out_of_order.append(sentence)
            else:
                report.uncovered.append(sentence)

    original = "\n".join(normalize(line) for line in source_text.splitlines())
    for point in exchange.points:
        for part in ("letter", "reply"):
            for paragraph in paragraphs(getattr(point, part)):
                for sentence in sentences(paragraph):
                    if normalize(sentence) not in original:
                        report.not_in_source.append((point.id, sentence))
    return report


def format_report(report: CoverageReport) -> list[str]:
    lines = [f"{report.covered} of {report.total} source sentences covered"]
    if report.ignored_lines:
        lines[0] += f" ({report.ignored_lines} source lines ignored as declared in source_ignore)"
    refused = report.ignored_sentences
    for line in report.ignored:
        why = " is a sentence, not a heading or URL: cover it in a point" if line in refused else ""
        lines.append(f"  ignored (source line {line.line}){why}: {line.text}")
    lines += [f"  not covered (source line {s.line}): {s.text}" for s in report.uncovered]
    lines += [f"  out of order (source line {s.line}): {s.text}" for s in report.out_of_order]
    lines += [
        f"  point {point_id}: not in the source (paraphrased?): {sentence}"
        for point_id, sentence in report.not_in_source
    ]
    return lines
