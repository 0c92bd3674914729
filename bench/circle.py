"""Benchmarks: how fast the parts a busy circle leans on run. Prints figures; asserts nothing.

    .venv/bin/python -m bench.circle [--answers 5000]

- rendering: every point of the shipped exchange to Telegram HTML;
- answers: record_answer into a real SQLite file (WAL, one transaction each), the path every
  member reply takes;
- posting: the whole shipped exchange posted by the real Application through the fake Bot API
  on 127.0.0.1 (flood limits lifted, so this measures the bot, not Telegram's 20/min).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import answers, reads  # noqa: E402
from bot.circles import Circles  # noqa: E402
from bot.content import load_exchange, load_library  # noqa: E402
from bot.fakebotapi import FakeBotAPI  # noqa: E402
from bot.posting import begin_post, record_post  # noqa: E402
from bot.render import render_point  # noqa: E402
from bot.sessions import open_session  # noqa: E402
from bot.store import open_store  # noqa: E402
from tests.bot_harness import GROUP, make_world, running_bot  # noqa: E402

EXCHANGE = ROOT / "content" / "icl-tiananmen-2025"


def report(name: str, count: int, seconds: float, unit: str) -> None:
    print(f"{name:<34} {count:>6} {unit:<9} {seconds * 1000:>9.1f} ms  {count / seconds:>10.0f}/s")


def bench_rendering(rounds: int = 200) -> None:
    exchange = load_exchange(EXCHANGE)
    started = time.perf_counter()
    for _ in range(rounds):
        for index in range(len(exchange.points)):
            render_point(exchange, index)
    report(
        "render every point", rounds * len(exchange.points), time.perf_counter() - started, "points"
    )


def bench_answers(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "bench.db")
        library = load_library(ROOT / "content")
        circles = Circles(store, library)
        now = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
        circles.start(GROUP, "icl-tiananmen-2025", now, actor_id=1)
        plan = open_session(store, library, GROUP, now, timedelta(0)).delivery
        message_ids = []
        for outgoing in plan.messages:
            begin_post(store, plan, outgoing, now)
            message_ids.append(100 + len(message_ids))
            record_post(store, plan, outgoing, message_ids[-1], now)
        started = time.perf_counter()
        for n in range(count):
            answers.record_answer(
                store,
                GROUP,
                10_000 + n,
                1000 + n % 40,
                f"Member {n % 40}",
                message_ids[n % 3],
                now + timedelta(seconds=n),
                text="An answer of a typical length. " * 5,
            )
        report("record_answer (SQLite, WAL)", count, time.perf_counter() - started, "answers")
        started = time.perf_counter()
        for _ in range(100):
            reads.status(store, library, GROUP, now)
        report("status with those answers", 100, time.perf_counter() - started, "calls")
        store.close()


async def bench_posting() -> None:
    with FakeBotAPI() as api, tempfile.TemporaryDirectory() as folder:
        make_world(api)
        async with running_bot(api, Path(folder)) as bot:
            await bot.command("/circle_start")
            before = len(api.sent_messages(GROUP))
            started = time.perf_counter()
            for _ in range(10):
                await bot.act(lambda: api.send_text(GROUP, 1, "/next"))
            seconds = time.perf_counter() - started
        posted = len(api.sent_messages(GROUP)) - before
        report("post the exchange via fake API", posted, seconds, "messages")
        print("  (includes ~0.1 s of settling per /next: the harness waits for quiet)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=5000)
    args = parser.parse_args()
    print(f"{'benchmark':<34} {'count':>6} {'':<9} {'total':>12}  {'rate':>12}")
    bench_rendering()
    bench_answers(args.answers)
    asyncio.run(bench_posting())


if __name__ == "__main__":
    main()
