"""Where a problem in an exchange file is: file, line and point, collected before failing.

tomllib keeps no positions, so the lines of keys are found again in the raw text; validation
(bot/content.py) reports through a Checker so that every problem in a file is listed at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    point: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        if self.point:
            where += f": point {self.point}"
        return f"{where}: {self.message}"


class ContentError(Exception):
    """Every problem found in one or more exchange files."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class Lines:
    """Finds the line of a key in the raw file, since tomllib keeps no positions."""

    def __init__(self, text: str):
        self.lines = text.splitlines()
        self.point_starts = [
            number
            for number, line in enumerate(self.lines, start=1)
            if re.match(r"^\s*\[\[\s*points\s*\]\]", line)
        ]

    def top(self, key: str) -> int:
        end = self.point_starts[0] if self.point_starts else len(self.lines) + 1
        return self._find(key, 1, end) or 1

    def point(self, index: int) -> int:
        return self.point_starts[index] if index < len(self.point_starts) else 0

    def in_point(self, index: int, key: str) -> int:
        start = self.point(index)
        if not start:
            return 0
        end = self.point_starts[index + 1] if index + 1 < len(self.point_starts) else None
        return self._find(key, start, end or len(self.lines) + 1) or start

    def _find(self, key: str, start: int, end: int) -> int:
        pattern = re.compile(
            rf"^\s*(\[\s*points\.{re.escape(key)}\s*\]|{re.escape(key)}\s*=|\[\[\s*points\.{re.escape(key)}\s*\]\])"
        )
        for number in range(start, end):
            if pattern.match(self.lines[number - 1]):
                return number
        return 0


class Checker:
    def __init__(self, path: Path, text: str):
        self.file = str(path)
        self.lines = Lines(text)
        self.problems: list[Problem] = []

    def top_problem(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.file, self.lines.top(key), None, message))

    def point_problem(self, index: int, label: str, key: str | None, message: str) -> None:
        line = self.lines.in_point(index, key) if key else self.lines.point(index)
        self.problems.append(Problem(self.file, line, label, message))

    def text(self, value: object) -> str | None:
        return value.strip() if isinstance(value, str) and value.strip() else None

    def string_list(self, value: object) -> tuple[str, ...] | None:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            return None
        return tuple(item.strip() for item in value)
