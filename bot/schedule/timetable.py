"""The timetable's decisions, as pure functions: which slot is due, what downtime cost, whether a
/next counts as the coming session, which paced parts are due, what comes next.

No clock reads, no database, no `telegram`: every function takes the schedule, the circle's
bookkeeping and `now`, and returns a value. The engine (bot/circles.py) applies the decision in
its transaction; the Telegram layer only executes it. Vocabulary (docs/architecture.md): a
*slot* is a scheduled time; a *session* is what the circle does at a slot (close the point out,
open the next); `last_slot_at` means every slot up to it has been dealt with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

from bot.schedule.language import Pacing
from bot.schedule.spec import Schedule, next_runs

Holidays = Sequence[tuple[date, date]]
MAX_SLOTS = 5000  # slots looked at when catching up; daily sessions for 13 years
# A job may fire a little before the injected clock reaches its time (tests, clock skew).
TOLERANCE = timedelta(seconds=5)
# Even with late_grace_minutes = 0 a session held up a few seconds by a busy event loop must
# still be posted: APScheduler would otherwise drop it with only a log line.
MIN_MISFIRE = timedelta(seconds=60)

RUN, SKIP, MISSED, NOTHING = "run", "skip", "missed", "nothing"


def late_limit(grace: timedelta, restarted: bool) -> timedelta:
    """How late a slot may still be posted: after downtime the grace; a job held up by a busy
    event loop at least what APScheduler let through."""
    return grace if restarted else max(grace, MIN_MISFIRE)


def misfire_seconds(grace: timedelta) -> int:
    """How late APScheduler may still run a job: the grace, and at least a minute."""
    return int(max(MIN_MISFIRE, grace).total_seconds())


def earlier(moment: datetime, delta: timedelta) -> datetime:
    """`delta` of real time before `moment`, in its time zone (not wall-clock arithmetic)."""
    return (moment.astimezone(UTC) - delta).astimezone(moment.tzinfo)


def on_holiday(moment: datetime, holidays: Holidays) -> bool:
    """Whether `moment` (in the circle's time zone) falls on a holiday date."""
    return any(start <= moment.date() <= end for start, end in holidays)


def slots_between(
    schedule: Schedule, after: datetime, until: datetime, holidays: Holidays = ()
) -> list[datetime]:
    """Slots in (after, until], in the schedule's time zone, holidays left out."""
    trigger = schedule.trigger()
    slots: list[datetime] = []
    fire = trigger.get_next_fire_time(None, after)
    for _ in range(MAX_SLOTS):
        if fire is None or fire > until:
            break
        if fire > after and not on_holiday(fire, holidays):
            slots.append(fire.astimezone(UTC).astimezone(fire.tzinfo))  # normalised
        following = trigger.get_next_fire_time(fire, fire)
        # A one-off (DateTrigger) answers its date again when asked from before it.
        fire = following if following is not None and following > fire else None
    return slots


@dataclass(frozen=True)
class Due:
    """What the timetable should do now. `handled_until`: mark every slot up to it dealt with.

    `action`: RUN the session of `slot` (`late`: after downtime, say so); SKIP (paused, on
    holiday, or nothing owed from before the bookkeeping existed); MISSED (too late: tell the
    group); NOTHING.
    """

    action: str
    slot: datetime | None = None
    handled_until: datetime | None = None
    late: bool = False
    reason: str = ""


def due_session(
    schedule: Schedule | None,
    holidays: Holidays,
    paused: bool,
    last_slot_at: datetime | None,
    now: datetime,
    grace: timedelta,
    restarted: bool,
) -> Due:
    """The session due now, if any: at most one, however many slots were missed."""
    if schedule is None:
        return Due(NOTHING)
    limit = late_limit(grace, restarted)
    if last_slot_at is None:
        if restarted:  # scheduled before the bookkeeping existed: nothing is owed
            return Due(SKIP, handled_until=now, reason="no bookkeeping yet")
        last_slot_at = now - max(limit, TOLERANCE)
    slots = slots_between(schedule, last_slot_at, now + TOLERANCE)
    if not slots:
        return Due(NOTHING)
    real = [slot for slot in slots if not on_holiday(slot, holidays)]
    if not real or paused:
        reason = "paused" if real else "on holiday"
        return Due(SKIP, slot=slots[-1], handled_until=slots[-1], reason=reason)
    slot = real[-1]
    if now - slot > limit + TOLERANCE:
        return Due(MISSED, slot=slot, handled_until=slots[-1])
    late = restarted and now - slot > TOLERANCE
    return Due(RUN, slot=slot, handled_until=slots[-1], late=late)


def claimable_slot(
    schedule: Schedule | None,
    holidays: Holidays,
    last_slot_at: datetime | None,
    now: datetime,
    grace: timedelta,
) -> datetime | None:
    """The slot a /next that opens a fresh point counts as: one not yet dealt with, within the
    late limit either side of `now` ("shortly before or just after a session"), or None."""
    if schedule is None:
        return None
    window = late_limit(grace, restarted=False)
    after = now - window
    if last_slot_at is not None:
        after = max(after, last_slot_at)
    slots = slots_between(schedule, after, now + window, holidays)
    return slots[0] if slots else None


def upcoming(
    schedule: Schedule | None,
    holidays: Holidays,
    now: datetime,
    last_slot_at: datetime | None = None,
    count: int = 3,
) -> list[datetime]:
    """The next `count` real sessions, in the schedule's time zone.

    A slot already dealt with (a /next counted as it) is not upcoming any more, even while
    its time is still ahead.
    """
    if schedule is None:
        return []
    after = max(now, last_slot_at) if last_slot_at is not None else now
    return next_runs(schedule, after, count, holidays)


def pace_times(pacing: Pacing, started: datetime, timezone: str) -> dict[str, datetime]:
    """When each part of a paced session goes out."""
    return {part: pacing.at(started, part, timezone) for part in pacing.offsets}


def due_parts(pacing: Pacing, started: datetime, timezone: str, now: datetime) -> frozenset[str]:
    """The parts of a paced session that are due at `now`; a poll goes with the prompt."""
    times = pace_times(pacing, started, timezone)
    due = {part for part, at in times.items() if at <= now}
    if "prompt" in due:
        due.add("poll")
    return frozenset(due)


def smallest_gap(runs: Sequence[datetime]) -> timedelta | None:
    """The shortest time between two consecutive sessions (None: fewer than two)."""
    gaps = [b.astimezone(UTC) - a.astimezone(UTC) for a, b in pairwise(runs)]
    return min(gaps) if gaps else None
