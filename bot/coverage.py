"""Does an exchange file cover its original text, verbatim, in order and on the right side?

An organizer splitting a new exchange runs `circle-bot content check FILE --source ORIGINAL`.
The original is cut in two at the line where the reply begins (docs/content-format.md); letter
excerpts are checked only against the letter's part and reply excerpts only against the
reply's. This module says which source sentences no point carries, which excerpt sentences are
not in the original (a paraphrase or a typo), are only part of a source sentence, or belong to
the other side, and which appear out of order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.exchange import Exchange, Point, excerpt_sentences, normalize, sentences

PARTS = ("letter", "reply")


@dataclass(frozen=True)
class SourceSentence:
    line: int
    text: str


@dataclass(frozen=True)
class Finding:
    """An excerpt sentence with a problem: where it is in the exchange file and the source."""

    point: str
    part: str
    text: str
    file_line: int = 0
    source_line: int = 0


# source_ignore is for headings and URLs; a line ending like a sentence is letter or reply text.
SENTENCE_LIKE = re.compile(r"[.!?…][\"'”’)]*$")


@dataclass
class CoverageReport:
    file: str = ""
    total: int = 0
    reply_line: int = 0  # the source line where the reply's part begins (0: not found)
    boundary: str = ""  # how that line was found, or why it was not
    ignored: list[SourceSentence] = field(default_factory=list)
    uncovered: list[SourceSentence] = field(default_factory=list)
    moved: list[SourceSentence] = field(default_factory=list)  # covered only on the wrong side
    out_of_order: list[Finding] = field(default_factory=list)
    not_in_source: list[Finding] = field(default_factory=list)
    truncated: list[Finding] = field(default_factory=list)  # part of a source sentence
    misattributed: list[Finding] = field(default_factory=list)  # the other side's sentence

    @property
    def ignored_lines(self) -> int:
        return len(self.ignored)

    @property
    def ignored_sentences(self) -> list[SourceSentence]:
        return [line for line in self.ignored if SENTENCE_LIKE.search(line.text)]

    @property
    def covered(self) -> int:
        return self.total - len(self.uncovered) - len(self.moved)

    @property
    def complete(self) -> bool:
        return bool(self.reply_line) and not (
            self.uncovered
            or self.out_of_order
            or self.not_in_source
            or self.truncated
            or self.misattributed
            or self.ignored_sentences
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


def reply_start(exchange: Exchange, source_text: str) -> tuple[int, str]:
    """The source line where the reply begins, and how it was found (or why not).

    `reply_begins` names it: the first line that starts with that text. Without it, the split
    that puts the most excerpt sentences on their own side is taken, so that one sentence on
    the wrong side cannot move the boundary (it is reported instead).
    """
    lines = [normalize(line) for line in source_text.splitlines()]
    if exchange.reply_begins:
        marker = normalize(exchange.reply_begins)
        for number, line in enumerate(lines, start=1):
            if line.startswith(marker):
                return number, f"reply_begins {marker!r} on line {number}"
        return 0, f"reply_begins {marker!r} starts no line of the source"
    first_line: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        for sentence in sentences(line):
            first_line.setdefault(sentence, number)
    found = {
        part: [
            first_line[text]
            for point in exchange.points
            for text in excerpt_sentences(getattr(point, part))
            if text in first_line
        ]
        for part in PARTS
    }
    if not found["reply"]:
        return 0, "cannot tell where the reply begins: set reply_begins in the exchange file"

    def misplaced(start: int) -> int:
        letter_after = sum(line >= start for line in found["letter"])
        return letter_after + sum(line < start for line in found["reply"])

    start = min(range(1, len(lines) + 2), key=misplaced)
    return start, "no reply_begins: the split that fits the excerpts best"


def check_coverage(exchange: Exchange, source_text: str) -> CoverageReport:
    ignore = {normalize(line) for line in exchange.source_ignore}
    if exchange.source:
        ignore.add(exchange.source)
    wanted, ignored = source_sentences(source_text, ignore)
    reply_line, boundary = reply_start(exchange, source_text)
    report = CoverageReport(
        file=exchange.path, total=len(wanted), reply_line=reply_line, boundary=boundary
    )
    report.ignored = ignored
    if not reply_line:
        return report
    sides = {
        "letter": [s for s in wanted if s.line < reply_line],
        "reply": [s for s in wanted if s.line >= reply_line],
    }
    lines = _ExcerptLines(exchange)
    for part in PARTS:
        other = sides["reply" if part == "letter" else "letter"]
        _check_side(report, exchange, part, sides[part], other, lines)
    # A sentence posted only on the wrong side is not covered, but it is reported once, as
    # mis-attributed, rather than again as missing.
    moved = {finding.text for finding in report.misattributed}
    report.moved = [s for s in report.uncovered if s.text in moved]
    report.uncovered = [s for s in report.uncovered if s.text not in moved]
    return report


def _check_side(
    report: CoverageReport,
    exchange: Exchange,
    part: str,
    own: list[SourceSentence],
    other: list[SourceSentence],
    lines: _ExcerptLines,
) -> None:
    """Match one side's excerpts, in point order, against that side of the source."""
    unmatched: dict[str, list[int]] = {}
    for index, sentence in enumerate(own):
        unmatched.setdefault(sentence.text, []).append(index)
    matched: list[tuple[int, Finding]] = []  # (source index, where) of each first showing
    for point in exchange.points:
        for text in excerpt_sentences(getattr(point, part)):
            finding = Finding(point.id, part, text, lines.find(point, part, text))
            if text in unmatched:
                if unmatched[text]:  # else a re-quote of a sentence already shown
                    matched.append((unmatched[text].pop(0), finding))
                continue
            unmatched.setdefault(text, [])  # an excerpt text seen again is reported once
            elsewhere = _line_of(text, other, whole=True)
            if elsewhere:
                report.misattributed.append(_at(finding, elsewhere))
            elif line := _line_of(text, own, whole=False) or _line_of(text, other, whole=False):
                report.truncated.append(_at(finding, line))
            else:
                report.not_in_source.append(finding)
    shown = {index for index, _ in matched}
    report.uncovered += [s for index, s in enumerate(own) if index not in shown]
    in_order = _longest_increasing([index for index, _ in matched])
    for position, (index, finding) in enumerate(matched):
        if position not in in_order:
            report.out_of_order.append(_at(finding, own[index].line))


def _at(finding: Finding, source_line: int) -> Finding:
    return Finding(finding.point, finding.part, finding.text, finding.file_line, source_line)


def _line_of(text: str, side: list[SourceSentence], whole: bool) -> int:
    for sentence in side:
        if sentence.text == text if whole else text in sentence.text:
            return sentence.line
    return 0


def _longest_increasing(values: list[int]) -> set[int]:
    """Positions of one longest increasing run-with-gaps of `values`.

    Order is judged against the largest set of sentences that are in order, so one sentence
    moved far away is reported alone instead of everything after it.
    """
    tails: list[int] = []  # tails[k]: position ending the best run of length k + 1
    previous: list[int] = [-1] * len(values)
    for position, value in enumerate(values):
        low, high = 0, len(tails)
        while low < high:
            middle = (low + high) // 2
            if values[tails[middle]] < value:
                low = middle + 1
            else:
                high = middle
        previous[position] = tails[low - 1] if low else -1
        tails[low : low + 1] = [position]
    result, position = set(), tails[-1] if tails else -1
    while position >= 0:
        result.add(position)
        position = previous[position]
    return result


class _ExcerptLines:
    """Finds the line of an excerpt sentence in the exchange file, so a problem names it."""

    def __init__(self, exchange: Exchange):
        path = Path(exchange.path) if exchange.path else None
        text = path.read_text(encoding="utf-8") if path and path.is_file() else ""
        self.lines = [normalize(line) for line in text.splitlines()]
        starts = [point.line for point in exchange.points]
        self.ends = dict(zip(starts, [*starts[1:], len(self.lines) + 1], strict=True))

    def find(self, point: Point, part: str, text: str) -> int:
        # Searched from the part's own key, so a sentence quoted as letter and as reply is
        # found where it is wrong. A sentence may wrap over lines: its first words will do.
        end = self.ends.get(point.line, 1)
        key = re.compile(rf"^{part}\s*=")
        start = next(
            (n for n in range(max(point.line, 1), end) if key.match(self.lines[n - 1])),
            point.line,
        )
        prefix = text[:40] if len(text) <= 40 else " ".join(text.split()[:4])
        for number in range(max(start, 1), end):
            if prefix in self.lines[number - 1]:
                return number
        return point.line


def format_report(report: CoverageReport) -> list[str]:
    lines = [f"{report.covered} of {report.total} source sentences covered"]
    if report.ignored_lines:
        lines[0] += f" ({report.ignored_lines} source lines ignored as declared in source_ignore)"
    if report.reply_line:
        lines.append(f"  the letter is source lines 1–{report.reply_line - 1}, the reply from")
        lines[-1] += f" line {report.reply_line} ({report.boundary})"
    else:
        lines.append(f"  {report.boundary}")
    refused = report.ignored_sentences
    for line in report.ignored:
        why = " is a sentence, not a heading or URL: cover it in a point" if line in refused else ""
        lines.append(f"  ignored (source line {line.line}){why}: {line.text}")
    lines += [f"  not covered (source line {s.line}): {s.text}" for s in report.uncovered]
    for finding in report.out_of_order:
        lines.append(_line(report, finding, f"out of order (source line {finding.source_line})"))
    for finding in report.misattributed:
        side = "letter" if finding.part == "reply" else "reply"
        problem = (
            f"a sentence of the {side} (source line {finding.source_line}), not the {finding.part}"
        )
        lines.append(_line(report, finding, problem))
    for finding in report.truncated:
        problem = f"part of a sentence (source line {finding.source_line}): quote it whole"
        lines.append(_line(report, finding, problem))
    for finding in report.not_in_source:
        lines.append(_line(report, finding, "not in the source (paraphrased?)"))
    return lines


def _line(report: CoverageReport, finding: Finding, problem: str) -> str:
    """`  FILE:LINE: point ID, PART excerpt: PROBLEM: SENTENCE`."""
    where = f"{report.file}:{finding.file_line}" if report.file else "exchange"
    return f"  {where}: point {finding.point}, {finding.part} excerpt: {problem}: {finding.text}"
