"""Start-up with N circles: from building the Application to polling with every job armed.

    python -m bench.startup 10000 [--profile]

Runs in its own process (the bench runs one per size) so its peak RSS is its own. Prints one
JSON line: seconds, peak RSS in MB, jobs armed, and a bare PTB Application's start-up on the
same fake for comparison.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from telegram.ext import Application

from bench.world import CONTENT, EXCHANGE, build
from bot.fakebotapi import FakeBotAPI
from bot.telegram.app import build_application
from tests.bot_harness import make_config


async def _bare(api: FakeBotAPI) -> float:
    started = time.perf_counter()
    app = Application.builder().token(api.token).base_url(api.base_url).build()
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=timedelta(seconds=0.2))
        seconds = time.perf_counter() - started
        await app.updater.stop()
        await app.stop()
    return seconds


async def _bot(api: FakeBotAPI, folder: Path) -> tuple[float, int]:
    config = make_config(api, folder, content_dir=CONTENT, default_exchange=EXCHANGE)
    started = time.perf_counter()
    app = build_application(config)
    async with app:
        await app.post_init(app)
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=timedelta(seconds=0.2))
        seconds = time.perf_counter() - started
        jobs = len(app.job_queue.jobs())
        await app.updater.stop()
        await app.stop()
    return seconds, jobs


def main() -> None:
    count = int(sys.argv[1])
    with tempfile.TemporaryDirectory() as folder, FakeBotAPI() as api:
        build(Path(folder) / "circle.db", count, datetime.now(UTC))
        bare = asyncio.run(_bare(api))
        if "--profile" in sys.argv:
            from pyinstrument import Profiler

            with Profiler() as profiler:
                seconds, jobs = asyncio.run(_bot(api, Path(folder)))
            print(profiler.output_text(unicode=False, show_all=False), file=sys.stderr)
        else:
            seconds, jobs = asyncio.run(_bot(api, Path(folder)))
        sends = len(api.calls_to("sendMessage"))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"circles": count, "seconds": seconds, "bare": bare, "rss_mb": rss,
                      "jobs": jobs, "sends": sends}))  # fmt: skip


if __name__ == "__main__":
    main()
