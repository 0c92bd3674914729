"""When a circle meets: the schedule language (`language`), specs and triggers (`spec`,
`wallclock`) and the timetable's pure decisions (`timetable`). See docs/scheduling.md."""

from bot.schedule.language import (
    Pacing,
    ScheduleError,
    format_duration,
    format_holiday,
    parse_duration,
    parse_holiday,
    parse_pace,
    parse_reminder,
)
from bot.schedule.spec import Schedule, check_schedule, load_schedule, next_runs, parse_schedule
from bot.schedule.wallclock import WallClockCronTrigger

__all__ = [
    "Pacing",
    "Schedule",
    "ScheduleError",
    "WallClockCronTrigger",
    "check_schedule",
    "format_duration",
    "format_holiday",
    "load_schedule",
    "next_runs",
    "parse_duration",
    "parse_holiday",
    "parse_pace",
    "parse_reminder",
    "parse_schedule",
]
