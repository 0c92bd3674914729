"""`circle-bot rehearse`: the real bot against the fake Bot API, with a chat page and a clock.

Everything is the bot of `circle-bot run` — the same Application, handlers, engine and jobs —
except three things: Telegram is `bot.fakebotapi` on 127.0.0.1 (which also serves the chat
page, docs/fakebotapi.md), the database is a throwaway file unless `--db` names one, and the
clock is real time plus an offset that the page's clock bar moves forward ("jump to the next
session", "+1 hour", "+1 day"), so a week of sessions runs in a minute.

APScheduler keeps real time, so here it is paused and the rehearsal fires the jobs itself:
`fire_due` runs every job whose time has come by the rehearsal clock, once a second and after
every jump, the way the tests fire jobs. What a job then does is decided by the engine with the
same clock, as in production.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import tempfile
import threading
import webbrowser
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.jobstores.base import JobLookupError
from telegram import Update
from telegram.ext import Application

from bot.config import Config
from bot.model import load_active
from bot.schedule.timetable import upcoming
from bot.telegram.app import build_application
from bot.telegram.context import CircleContext
from bot.text.dates import when

log = logging.getLogger(__name__)

JUMPS = {"hour": timedelta(hours=1), "day": timedelta(days=1)}
PUMP_SECONDS = 1.0


class RehearsalClock:
    """Real time plus an offset that only moves forward; safe to read from any thread."""

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return datetime.now(UTC) + self._offset

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._offset += max(delta, timedelta(0))
            return datetime.now(UTC) + self._offset


def next_job_time(app: Application, now: datetime) -> datetime | None:
    """When the next session, paced part or reminder is due by the rehearsal clock."""
    times = []
    for job in app.job_queue.jobs():
        if job.name and job.name.split(":")[0] in ("session", "pace", "remind"):
            fire = job.job.trigger.get_next_fire_time(None, now)
            if fire is not None:
                times.append(fire)
    return min(times, default=None)


async def fire_due(app: Application, now: datetime) -> list[str]:
    """Run every job whose time has come by `now`, once, and move it to its next time."""
    scheduler, fired = app.job_queue.scheduler, []
    for job in list(app.job_queue.jobs()):
        planned = job.job.next_run_time
        if planned is None or planned > now:
            continue
        try:
            await job.callback(CircleContext.from_job(job, app))
        except Exception:  # one failing job must not stop the rehearsal's clock
            log.exception("rehearsal: job %s failed", job.name)
        fired.append(job.name or "")
        current = scheduler.get_job(job.job.id)
        if current is None or current.next_run_time != planned:
            continue  # the job removed or re-armed itself
        following = current.trigger.get_next_fire_time(planned, now)
        try:
            if following is None:
                scheduler.remove_job(current.id)
            else:
                current.modify(next_run_time=following)
        except JobLookupError:
            pass
    return fired


def agenda(app: Application, now: datetime) -> list[str]:
    """The next sessions of every active circle, for the page's clock bar."""
    data = app.bot_data
    lines: list[tuple[datetime, str]] = []
    for circle in load_active(data.store):
        settings = circle.settings
        runs = upcoming(settings.schedule, settings.holidays, now, circle.marks.last_slot_at, 3)
        paused = " (paused)" if circle.state == "paused" else ""
        lines += [(run, f"{when(run)} ({circle.timezone}){paused}") for run in runs]
        paced = circle.pace_times().items()
        lines += [(at, f"{when(at)}: the {part}") for part, at in paced if at > now]
    if not lines:
        return ["No sessions scheduled: /schedule tue,thu 19:00 sets some."]
    return [text for _, text in sorted(lines, key=lambda line: line[0])]


class Rehearsal:
    """Wires the page's clock bar (the fake's hooks) to the bot's clock and jobs."""

    def __init__(self, app: Application, clock: RehearsalClock):
        self.app, self.clock = app, clock
        self.loop: asyncio.AbstractEventLoop | None = None
        self.pump: asyncio.Task | None = None

    async def attach(self, api: Any) -> None:
        """On the bot's event loop, at start-up: start the pump, lend the fake the hooks."""
        self.loop = asyncio.get_running_loop()
        self.pump = self.loop.create_task(self._pump())
        api.set_rehearsal_hooks(advance=self.advance, agenda=self.agenda)

    async def _pump(self) -> None:
        scheduler = self.app.job_queue.scheduler
        while not scheduler.running:  # the JobQueue starts after post_init
            await asyncio.sleep(0.05)
        scheduler.pause()
        while self.app.running:
            await fire_due(self.app, self.clock())
            await asyncio.sleep(PUMP_SECONDS)

    def _when(self, moment: datetime) -> dict[str, str]:
        """`now` for the page, in the circle's default zone; `at` for scripts."""
        zone = ZoneInfo(self.app.bot_data.config.timezone)
        return {"now": f"{when(moment.astimezone(zone))} ({zone})", "at": moment.isoformat()}

    async def _advance(self, kind: str) -> dict[str, Any]:
        now = self.clock()
        if kind == "next":
            target = next_job_time(self.app, now)
            if target is None:
                return {**self._when(now), "note": "nothing is scheduled"}
            now = self.clock.advance(target - now + timedelta(seconds=1))
        else:
            now = self.clock.advance(JUMPS[kind])
        fired = await fire_due(self.app, now)
        return {**self._when(now), "fired": fired}

    def advance(self, kind: str) -> dict[str, Any]:
        """The page's clock buttons (called on the fake's HTTP thread)."""
        if kind not in ("next", *JUMPS):
            raise ValueError(f"unknown jump {kind!r}: use next, hour or day")
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(self._advance(kind), self.loop).result(60)

    def agenda(self) -> list[str]:
        return agenda(self.app, self.clock())


def rehearsal_config(content_dir: Path, exchange_id: str, database: Path, api: Any) -> Config:
    return Config(
        token=api.token,
        token_env="(rehearsal: no token needed)",
        api_base_url=api.base_url,
        database=database,
        content_dir=content_dir,
        default_exchange=exchange_id,
        timezone="Europe/Berlin",
        schedule="",
        late_grace_minutes=60,
        organizer_ids=frozenset(),
        log_level="WARNING",
    )


def _has_desktop() -> bool:
    # On a server webbrowser would start a text browser in this terminal and wait for it.
    graphical = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    return bool(graphical) or sys.platform in ("darwin", "win32")


def run_rehearsal(
    content_dir: Path, exchange_id: str, port: int, db: Path | None, open_page: bool = True
) -> int:
    """Serve the page and run the bot until interrupted; returns the exit code."""
    from bot.fakebotapi import FakeBotAPI
    from bot.fakebotapi.demo import build_demo_world

    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level="WARNING")
    with tempfile.TemporaryDirectory(prefix="circle-rehearsal-") as scratch:
        database = db or Path(scratch) / "rehearsal.db"
        api = FakeBotAPI(port=port)
        build_demo_world(api)
        api.start()
        try:
            clock = RehearsalClock()
            api.set_clock(lambda: clock().timestamp())
            config = rehearsal_config(content_dir, exchange_id, database, api)
            app = build_application(config, clock=clock)
            api.set_clock(lambda: clock().timestamp())  # messages dated by the rehearsal clock
            rehearsal = Rehearsal(app, clock)
            start_up = app.post_init

            async def post_init(application: Application) -> None:
                # The clock bar first: start-up already answers what was said meanwhile
                # (a /circle_start), and the page may use the clock as soon as it sees that.
                await rehearsal.attach(api)
                if start_up is not None:
                    await start_up(application)

            app.post_init = post_init
            print(f"Rehearsal of {exchange_id!r}: open {api.page_url}", flush=True)
            print("No Telegram account or token is used. Ctrl+C stops.", flush=True)
            if open_page and _has_desktop():
                webbrowser.open(api.page_url)
            app.run_polling(allowed_updates=Update.ALL_TYPES)
        finally:
            api.stop()
    return 0
