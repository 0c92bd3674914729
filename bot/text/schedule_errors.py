"""The schedule language's refusals (/schedule, /pace, /holiday, /remind): one plain-text line
each, escaped by whoever sends it.

The schedule language is English in every locale (docs/scheduling.md), so the examples in
these messages stay as typed: `"tue,thu 19:00"`, `"reply +10m prompt +20m"`. A translation
keeps every double-quoted example as it is (tests/test_catalogs.py checks this).
"""

from __future__ import annotations

from bot.text import _


def not_a_weekday(bad: str) -> str:
    return _(
        "'{bad}' is not a weekday (use mon, tue, … sun, ranges like mon-fri, \"weekdays\" or "
        '"weekends"; e.g. "tue,thu 19:00").'
    ).format(bad=bad)


def not_a_time(text: str) -> str:
    return _("{text} is not a time (use HH:MM, 00:00–23:59).").format(text=text)


def not_a_date(text: str) -> str:
    return _("'{text}' is not a date (use YYYY-MM-DD, e.g. 2026-12-01).").format(text=text)


def unknown_timezone(text: str) -> str:
    return _(
        'Unknown timezone "{text}": use an IANA name like "Europe/Berlin" or "America/New_York".'
    ).format(text=text)


def not_a_duration(spec: str) -> str:
    return _(
        'Not a duration: "{spec}". Use minutes, hours or days like "90m", "2h" or "1d".'
    ).format(spec=spec)


def duration_out_of_range(text: str) -> str:
    return _("{text} is out of range: use more than 0m and at most 30d.").format(text=text)


def not_a_holiday(spec: str) -> str:
    return _(
        'Not a holiday: "{spec}". Use a date like "2026-12-24" or a range like '
        '"2026-12-21..2027-01-04".'
    ).format(spec=spec)


def holiday_backwards(start: str, end: str) -> str:
    return _(
        "The holiday ends ({end}) before it starts ({start}); write it as {end}..{start}."
    ).format(start=start, end=end)


def not_a_pace(spec: str) -> str:
    return _(
        'Not a pace: "{spec}". Try "reply +10m prompt +20m", "reply +2d prompt +3d" or "off".'
    ).format(spec=spec)


def pace_too_late(part: str, offset: str) -> str:
    return _("{part} +{offset} is too late: at most +30d.").format(part=part, offset=offset)


def prompt_before_reply(prompt: str, reply: str) -> str:
    return _(
        "The prompt (+{prompt}) can't come before the reply (+{reply}); "
        'e.g. "reply +2d prompt +3d".'
    ).format(prompt=prompt, reply=reply)


def forms() -> str:
    return _(
        'Try "tue,thu 19:00", "daily 08:00", "every 2 days 20:00", "2026-12-01 19:00", a cron line '
        'like "0 19 * * 2", or "off".'
    )


def no_schedule_given() -> str:
    return _("No schedule given. {forms}").format(forms=forms())


def not_a_schedule(spec: str) -> str:
    return _('Not a schedule: "{spec}". {forms}').format(spec=spec, forms=forms())


def has_passed(when: str, zone: str) -> str:
    return _("That time has passed: {when} ({zone}).").format(when=when, zone=zone)


def cron_never_fires(cron: str) -> str:
    return _('The cron line "{cron}" never fires.').format(cron=cron)


def cron_too_often(cron: str) -> str:
    return _(
        'The cron line "{cron}" fires more than once an hour; pick fixed times, e.g. "0 19 * * 2".'
    ).format(cron=cron)


def every_out_of_range(count: int) -> str:
    return _('every {count} days: N must be 1 to 30, e.g. "every 2 days 20:00".').format(
        count=count
    )


def every_needs_start(count: int) -> str:
    return _('"every {count} days" needs a start: add "from YYYY-MM-DD".').format(count=count)


def not_a_cron_line(line: str, problem: str) -> str:
    return _(
        'Not a cron line: "{line}" ({problem}). Use minute hour day month weekday, '
        'e.g. "0 19 * * 2".'
    ).format(line=line, problem=problem)


def cron_day_and_weekday() -> str:
    return _(
        "A cron line may limit the day of month or the weekday, not both "
        '(e.g. "0 19 1 * *" or "0 19 * * 2").'
    )
