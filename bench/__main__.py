"""`python -m bench [--quick]`: every figure of issue 11 beside its baseline, in one table.

Inbound and start-up run at three sizes side by side (growth should be linear: the rate stays
flat, the time grows ×10). Each start-up runs in its own process so its peak RSS is its own.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from bench.traffic import fan_out, inbound
from bench.world import CONTENT, build
from bot import minutes_format
from bot.content import load_library
from bot.minutes_format import EXTENSIONS
from bot.stats import circle_stats
from bot.stats_chart import chart_png
from bot.store import connect, open_store


def _startup(count: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "bench.startup", str(count)],
        capture_output=True, text=True, check=True, cwd=Path(__file__).parent.parent,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def _export(answers: int, folder: Path) -> dict[str, tuple[float, int, int]]:
    """Each minutes format written to a file, and /stats: seconds, peak traced bytes, size."""
    path = folder / "circle.db"
    (chat_id,) = build(path, 1, datetime.now(UTC))
    db = connect(path)
    post = db.execute("SELECT id, run_id, point_id FROM posts LIMIT 1").fetchone()
    rows = [
        (chat_id, 100 + n, post[1], 0, post[2], post[0], 10_000 + n % 50, f"Member {n % 50}",
         "An answer of a typical length. " * 5, 1, datetime.now(UTC).isoformat())
        for n in range(answers)
    ]  # fmt: skip
    db.conn.execute("BEGIN")
    db.conn.executemany(
        "INSERT INTO answers (chat_id, message_id, run_id, point_index, point_id, post_id,"
        " user_id, display_name, text, reply_to_message_id, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    db.conn.execute("COMMIT")
    db.close()
    store = open_store(path)
    library = load_library(CONTENT)
    figures = {}
    jobs = {fmt: _writer(store, chat_id, fmt, library, folder) for fmt in EXTENSIONS}
    # /stats: the figures and their chart (matplotlib), as an organizer gets them.
    jobs["statistics"] = lambda: chart_png(circle_stats(store, library, chat_id))
    for name, job in jobs.items():
        started = time.perf_counter()
        job()
        taken = time.perf_counter() - started
        # Memory: a second run under tracemalloc (slower, so not the one timed).
        tracemalloc.start()
        job()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        size = (folder / f"minutes.{name}").stat().st_size if name in EXTENSIONS else 0
        figures[name] = (taken, peak, size)
    store.close()
    return figures


def _writer(store, chat_id: int, fmt: str, library, folder: Path):
    def write() -> None:
        with open(folder / f"minutes.{fmt}", "w", encoding="utf-8", newline="") as out:
            minutes_format.write_minutes(store, out, chat_id, fmt=fmt, exchanges=library)

    return write


# The goal's figure: pairs of runs (bare and the bot, back to back on the same feed, the first
# of the two alternating) vary by ±10 % on a 2-core VM, so it is the median of their ratios.
GOAL_REPLIES = 20_000
GOAL_PAIRS = 7


def _inbound_goal(replies: int, pairs: int) -> tuple[str, str, str, str, str]:
    runs = []
    for pair in range(pairs):
        with tempfile.TemporaryDirectory() as folder:
            # Which goes first alternates, so neither gains from the order.
            runs.append(inbound(replies, Path(folder), bot_first=pair % 2 == 1))
    ratios = sorted(run["bot"] / run["bare"] for run in runs)
    return (f"inbound goal, {replies:,} replies, median of {pairs} pairs",
            f"{statistics.median(run['bot'] for run in runs):,.0f} answers/s",
            f"bare PTB {statistics.median(run['bare'] for run in runs):,.0f} updates/s",
            f"{statistics.median(ratios):.2f} of ≥ 0.75",
            f"pairs {ratios[0]:.2f}-{ratios[-1]:.2f}; stored "
            f"{min(run['stored'] for run in runs):,} of {replies:,} each")  # fmt: skip


def main() -> None:
    quick = "--quick" in sys.argv
    sizes = (1_000, 2_000, 5_000) if quick else (1_000, 10_000, 100_000)
    circles = 40 if quick else 1_000
    rows: list[tuple[str, str, str, str, str]] = []
    ups = [_startup(n) for n in sizes]
    for up in ups:
        rows.append((f"start-up, {up['circles']:,} circles: polling, {up['jobs']:,} jobs armed",
                     f"{up['seconds']:.2f} s", f"bare PTB {up['bare']:.2f} s",
                     f"{up['seconds'] / 3:.2f} of 3 s", f"{up['rss_mb']:.0f} MB RSS"))  # fmt: skip
    for n in sizes:
        with tempfile.TemporaryDirectory() as folder:
            got = inbound(n, Path(folder))
        rows.append((f"inbound, {n:,} replies ({max(10, n // 100):,} groups)",
                     f"{got['bot']:,.0f} answers/s", f"bare PTB {got['bare']:,.0f} updates/s",
                     f"{got['bot'] / got['bare']:.2f}",
                     f"stored {got['stored']:,}; 👍 {got['acks_sent']} sent, "
                     f"{got['acks_dropped']} dropped"))  # fmt: skip
    rows.append(_inbound_goal(GOAL_REPLIES, 3 if quick else GOAL_PAIRS))
    with tempfile.TemporaryDirectory() as folder:
        out = fan_out(circles, Path(folder))
    rows.append((f"fan-out, {circles:,} circles due at one minute",
                 f"{out['seconds']:.1f} s", f"ideal {out['ideal']:.1f} s ({out['parts']} parts/30)",
                 f"{out['seconds'] / out['ideal']:.2f}",
                 f"{out['refused']} × 429, {out['doubled']} doubled"))  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        answers = 10_000 if quick else 100_000
        figures = _export(answers, Path(folder))
    for name, (taken, peak, size) in figures.items():
        what = "minutes export" if name != "statistics" else "/stats"
        form = f" ({name})" if name != "statistics" else ""
        note = f"peak {peak / 2**20:.1f} MB" + (
            f" for a {size / 2**20:.0f} MB file" if size else ""
        )
        rows.append((f"{what}{form}, {answers:,} answers", f"{taken:.2f} s", "goal 2 s",
                     f"{taken / 2:.2f}", note))  # fmt: skip
    cores = os.cpu_count()
    print(f"python -m bench{' --quick' if quick else ''} · {platform.python_version()} · "
          f"{cores} cores · {platform.machine()} · {datetime.now(UTC):%Y-%m-%d}")  # fmt: skip
    header = ("figure", "measured", "baseline", "ratio", "note")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")


if __name__ == "__main__":
    main()
