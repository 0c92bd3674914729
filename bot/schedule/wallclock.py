"""``WallClockCronTrigger``: APScheduler's ``CronTrigger``, once per local wall-clock time.

Pure domain code (no ``telegram`` import, no clock reads); bot/schedule/spec.py builds these from a
parsed ``/schedule``. See docs/scheduling.md, "Time zones and DST".
"""

from __future__ import annotations

from datetime import date, datetime, time

from apscheduler.triggers.cron import CronTrigger


class WallClockCronTrigger(CronTrigger):
    """A ``CronTrigger`` that fires once per local wall-clock time, optionally every N days.

    APScheduler 3.11's ``CronTrigger`` fires *twice* for a time inside the repeated hour when
    clocks fall back (02:30 on 2026-10-25 in Europe/Berlin at +02:00 and again at +01:00);
    this subclass skips the second (``fold=1``) occurrence. With ``every_days=N`` it keeps
    only local dates a multiple of N days after ``anchor``: the day filter is calendar
    arithmetic, all time-zone work stays in ``CronTrigger``.
    """

    __slots__ = ("anchor", "every_days")

    def __init__(self, *, every_days: int = 1, anchor: date | None = None, **kwargs) -> None:
        if anchor is not None:
            kwargs.setdefault("start_date", datetime.combine(anchor, time()))
        super().__init__(**kwargs)
        self.every_days = every_days
        self.anchor = anchor

    def _wanted(self, fire: datetime) -> bool:
        repeated = fire.fold == 1 and fire.replace(fold=0).utcoffset() != fire.utcoffset()
        if repeated:
            return False
        if self.anchor is None:
            return True
        days = (fire.date() - self.anchor).days
        return days >= 0 and days % self.every_days == 0

    def get_next_fire_time(self, previous_fire_time, now):
        fire = super().get_next_fire_time(previous_fire_time, now)
        while fire is not None and not self._wanted(fire):
            fire = super().get_next_fire_time(fire, fire)
        return fire

    def __getstate__(self):
        return {**super().__getstate__(), "every_days": self.every_days, "anchor": self.anchor}

    def __setstate__(self, state):
        super().__setstate__(state)
        self.every_days = state.get("every_days", 1)
        self.anchor = state.get("anchor")
