import pickle
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from bot.schedule import (
    Pacing,
    Schedule,
    ScheduleError,
    WallClockCronTrigger,
    check_schedule,
    format_duration,
    format_holiday,
    load_schedule,
    next_runs,
    parse_duration,
    parse_holiday,
    parse_pace,
    parse_reminder,
    parse_schedule,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # a Friday


def parse(spec: str, tz: str = "Europe/Berlin", now: datetime = NOW) -> Schedule:
    schedule = parse_schedule(spec, tz, now)
    assert schedule is not None
    return schedule


def refusal(spec: str, tz: str = "Europe/Berlin", now: datetime = NOW) -> str:
    with pytest.raises(ScheduleError) as info:
        parse_schedule(spec, tz, now)
    message = str(info.value)
    assert "\n" not in message
    return message


def local_dates(runs: list[datetime]) -> list[date]:
    return [run.date() for run in runs]


# -- parsing: accepted forms -----------------------------------------------------------------


def test_two_weekdays_and_a_time_parse_to_a_weekly_schedule():
    schedule = parse("tue,thu 19:00")
    assert schedule.spec == "tue,thu 19:00 Europe/Berlin"
    assert schedule.describe() == "Tuesdays and Thursdays at 19:00 (Europe/Berlin)"


def test_a_trailing_timezone_overrides_the_default():
    schedule = parse("mon 18:30 America/New_York")
    assert schedule.timezone == "America/New_York"
    assert schedule.spec == "mon 18:30 America/New_York"


def test_the_default_timezone_is_used_when_none_is_given():
    assert parse("mon 18:30", tz="America/New_York").timezone == "America/New_York"


def test_timezones_are_matched_case_insensitively_and_stored_canonically():
    assert parse("mon 18:30 europe/berlin").timezone == "Europe/Berlin"
    assert parse("mon 18:30 utc").timezone == "UTC"


def test_a_weekday_range_covers_every_day_in_it():
    assert parse("mon-wed 07:15").days == (0, 1, 2)


def test_mon_fri_is_stored_as_weekdays():
    schedule = parse("mon-fri 07:15")
    assert schedule.spec == "weekdays 07:15 Europe/Berlin"
    assert schedule.describe() == "weekdays at 07:15 (Europe/Berlin)"


def test_a_range_may_wrap_around_the_weekend():
    assert parse("fri-mon 09:00").days == (0, 4, 5, 6)


def test_weekdays_and_weekends_keywords_parse():
    assert parse("weekdays 08:00").days == (0, 1, 2, 3, 4)
    assert parse("weekends 10:00").describe() == "weekends at 10:00 (Europe/Berlin)"


def test_full_and_plural_weekday_names_are_accepted():
    assert parse("tuesday 19:00").days == (1,)
    assert parse("Mondays,Wednesdays,Fridays 19:00").describe() == (
        "Mondays, Wednesdays and Fridays at 19:00 (Europe/Berlin)"
    )


def test_case_extra_spaces_and_at_are_tolerated():
    assert parse("  TUE ,  Thu   at  19:00  ").spec == "tue,thu 19:00 Europe/Berlin"


def test_single_digit_hours_are_accepted():
    assert parse("tue 7:05").spec == "tue 07:05 Europe/Berlin"


def test_daily_parses_to_every_day():
    schedule = parse("daily 08:00")
    assert schedule.spec == "daily 08:00 Europe/Berlin"
    assert schedule.describe() == "every day at 08:00 (Europe/Berlin)"


def test_every_day_means_daily():
    assert parse("every day 08:00").spec == "daily 08:00 Europe/Berlin"
    assert parse("every 1 days 08:00").spec == "daily 08:00 Europe/Berlin"


def test_every_n_days_is_anchored_today_when_the_time_is_still_ahead():
    schedule = parse("every 2 days 20:00")  # NOW is 13:00 in Berlin
    assert schedule.start == date(2026, 11, 20)
    assert schedule.spec == "every 2 days 20:00 from 2026-11-20 Europe/Berlin"
    assert schedule.describe() == "every 2 days at 20:00 from 2026-11-20 (Europe/Berlin)"


def test_every_n_days_is_anchored_tomorrow_when_the_time_has_passed_today():
    assert parse("every 3 days 08:00").start == date(2026, 11, 21)


def test_every_n_days_accepts_an_explicit_start_date():
    assert parse("every 2 days 20:00 from 2026-12-01").start == date(2026, 12, 1)
    assert parse("every 2 days from 2026-12-01 20:00").start == date(2026, 12, 1)


def test_a_one_off_date_and_time_parse():
    schedule = parse("2026-12-01 19:00")
    assert schedule.spec == "2026-12-01 19:00 Europe/Berlin"
    assert schedule.describe() == "once, on Tue 1 Dec 2026 at 19:00 (Europe/Berlin)"


def test_a_cron_line_parses_and_describes_itself():
    schedule = parse("30 19 * * 2,4", tz="UTC")
    assert schedule.spec == "30 19 * * 2,4 UTC"
    assert schedule.describe() == "Tuesdays and Thursdays at 19:30 (UTC)"


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("0 19 * * 2", "Tuesdays at 19:00"),
        ("cron 5 7 * * mon,wed,fri", "Mondays, Wednesdays and Fridays at 07:05"),
        ("0 19 * * 1,2,3,4,5", "weekdays at 19:00"),
        ("0 19 * * 0,6", "weekends at 19:00"),
        ("0 19 * * 7", "Sundays at 19:00"),
        ("0 8 * * *", "every day at 08:00"),
        ("0 19 1,15 * *", "on day 1 and 15 of each month at 19:00"),
        ("30 9 1 * *", "on day 1 of each month at 09:30"),
    ],
)
def test_simple_cron_lines_are_put_into_words(spec, words):
    assert parse(spec).describe() == f"{words} (Europe/Berlin)"


@pytest.mark.parametrize(
    "spec", ["0 19 * * 1-5", "0 19 * * */2", "0 19 */2 * *", "0 19 1-7 * *", "0 19 * 6 2"]
)
def test_other_cron_lines_are_described_as_the_line_itself(spec):
    assert parse(spec).describe() == f"cron {spec} (Europe/Berlin)"


def test_a_cron_line_may_be_prefixed_with_cron():
    assert parse("cron 0 19 * * 1").spec == "0 19 * * 1 Europe/Berlin"


def test_cron_weekday_numbers_follow_crontab_where_2_is_tuesday():
    runs = next_runs(parse("30 19 * * 2,4"), NOW)
    assert [run.strftime("%a %H:%M") for run in runs] == ["Tue 19:30", "Thu 19:30", "Tue 19:30"]


def test_cron_weekday_0_and_7_are_both_sunday():
    for spec in ("0 19 * * 0", "0 19 * * 7", "0 19 * * sun"):
        assert {run.strftime("%a") for run in next_runs(parse(spec), NOW)} == {"Sun"}


def test_cron_weekday_ranges_and_steps_follow_crontab():
    assert {r.strftime("%a") for r in next_runs(parse("0 19 * * 1-5"), NOW, 5)} == {
        "Mon",
        "Tue",
        "Wed",
        "Thu",
        "Fri",
    }
    steps = {r.strftime("%a") for r in next_runs(parse("0 19 * * */2"), NOW, 8)}
    assert steps == {"Sun", "Tue", "Thu", "Sat"}


def test_off_clears_the_schedule():
    assert parse_schedule(" OFF ", "Europe/Berlin", NOW) is None


# -- parsing: refusals -----------------------------------------------------------------------


def test_garbage_is_refused_with_the_accepted_forms():
    message = refusal("xyz")
    assert message.startswith('Not a schedule: "xyz".')
    for example in ("tue,thu 19:00", "daily 08:00", "every 2 days 20:00", "2026-12-01 19:00"):
        assert example in message
    assert "0 19 * * 2" in message and '"off"' in message


def test_two_garbage_words_are_refused_generically():
    assert refusal("hello world").startswith('Not a schedule: "hello world"')


def test_an_empty_schedule_is_refused():
    assert "tue,thu 19:00" in refusal("   ")


def test_an_unknown_weekday_is_named():
    assert refusal("frd 19:00").startswith("'frd' is not a weekday")
    assert refusal("tue,thurz 19:00").startswith("'thurz' is not a weekday")


def test_an_impossible_time_is_refused():
    assert refusal("tue 25:00") == "25:00 is not a time (use HH:MM, 00:00–23:59)."
    assert refusal("daily 19:60").startswith("19:60 is not a time")
    assert refusal("tue 7pm").startswith("7pm is not a time")


def test_an_unknown_timezone_is_named():
    assert 'Unknown timezone "Europe/Berln"' in refusal("mon 18:30 Europe/Berln")
    assert 'Unknown timezone "Berlin"' in refusal("mon 18:30 Berlin")


def test_an_unknown_default_timezone_is_named():
    assert 'Unknown timezone "Mars/Olympus"' in refusal("mon 18:30", tz="Mars/Olympus")


def test_a_bad_cron_line_is_refused_with_an_example():
    message = refusal("61 19 * * *")
    assert message.startswith('Not a cron line: "61 19 * * *"')
    assert '"0 19 * * 2"' in message
    assert refusal("0 19 * * 8").startswith("Not a cron line")
    assert "4 fields" in refusal("cron 0 19 * *")


def test_a_cron_line_limiting_both_day_of_month_and_weekday_is_refused():
    assert "not both" in refusal("0 19 1 * 2")


def test_a_cron_line_that_never_fires_is_refused():
    assert "never fires" in refusal("0 19 30 2 *")


def test_a_cron_line_firing_more_than_hourly_is_refused():
    assert "more than once an hour" in refusal("* * * * *")
    assert parse("0 * * * *").kind == "cron"


@pytest.mark.parametrize("n", ["0", "31", "100"])
def test_every_n_days_outside_1_to_30_is_refused(n):
    assert "N must be 1 to 30" in refusal(f"every {n} days 20:00")


def test_every_n_days_without_a_time_is_refused():
    assert refusal("every 2 days").startswith("Not a schedule")


def test_a_past_one_off_is_refused():
    assert refusal("2026-01-01 19:00") == "That time has passed: 2026-01-01 19:00 (Europe/Berlin)."


def test_a_one_off_earlier_today_is_refused():
    assert "has passed" in refusal("2026-11-20 12:59")  # 11:59 UTC
    assert parse("2026-11-20 13:01").kind == "once"


def test_an_impossible_date_is_refused():
    assert refusal("2026-02-30 19:00").startswith("'2026-02-30' is not a date")


def test_a_naive_now_is_a_programming_error():
    with pytest.raises(ValueError, match="aware"):
        parse_schedule("daily 08:00", "UTC", datetime(2026, 1, 1))


# -- canonical spec ----------------------------------------------------------------------------

SPECS = [
    "tue,thu 19:00",
    "Monday 18:30 America/New_York",
    "fri-mon 09:00",
    "weekdays 08:00",
    "weekends 10:00",
    "daily 08:00",
    "every 2 days 20:00",
    "every 30 days 06:00 UTC",
    "2026-12-01 19:00",
    "30 19 * * 2,4",
    "0 9 1 * * Asia/Tokyo",
]


@pytest.mark.parametrize("spec", SPECS)
def test_the_canonical_spec_round_trips_through_parse_schedule(spec):
    schedule = parse(spec)
    assert parse(schedule.spec, tz="UTC") == schedule
    assert parse(schedule.spec).spec == schedule.spec


@pytest.mark.parametrize("spec", SPECS)
def test_a_stored_spec_loads_without_now_or_default_timezone(spec):
    schedule = parse(spec)
    assert load_schedule(schedule.spec) == schedule


def test_a_stored_one_off_still_loads_after_it_has_passed():
    assert load_schedule("2026-01-01 19:00 Europe/Berlin").start == date(2026, 1, 1)


def test_a_stored_every_n_days_needs_its_start_date():
    with pytest.raises(ScheduleError, match="from YYYY-MM-DD"):
        load_schedule("every 2 days 20:00 Europe/Berlin")


def test_off_loads_as_no_schedule():
    assert load_schedule("off") is None


# -- triggers ----------------------------------------------------------------------------------


def test_recurring_schedules_give_cron_triggers_and_one_offs_date_triggers():
    assert isinstance(parse("tue 19:00").trigger(), CronTrigger)
    assert isinstance(parse("every 2 days 19:00").trigger(), CronTrigger)
    assert isinstance(parse("30 19 * * 2").trigger(), CronTrigger)
    assert isinstance(parse("2026-12-01 19:00").trigger(), DateTrigger)


def test_triggers_carry_the_schedule_timezone():
    assert parse("tue 19:00 America/New_York").trigger().timezone == NEW_YORK


def test_apscheduler_accepts_the_triggers_as_jobs():
    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.start(paused=True)
    try:
        for spec in ("tue 19:00", "every 2 days 19:00", "30 19 * * 2", "2099-12-01 19:00"):
            job = scheduler.add_job(print, trigger=parse(spec).trigger())
            assert job.next_run_time is not None
    finally:
        scheduler.shutdown(wait=False)


def test_triggers_survive_pickling():
    trigger = parse("every 3 days 19:00").trigger()
    copy = pickle.loads(pickle.dumps(trigger))
    assert copy.get_next_fire_time(None, NOW) == trigger.get_next_fire_time(None, NOW)
    assert (copy.every_days, copy.anchor) == (3, date(2026, 11, 20))


# -- next_runs ---------------------------------------------------------------------------------


def test_next_runs_are_strictly_after_and_in_the_schedule_timezone():
    after = datetime(2026, 11, 24, 19, 0, tzinfo=BERLIN)  # exactly a session
    runs = next_runs(parse("tue,thu 19:00"), after)
    assert runs == [
        datetime(2026, 11, 26, 19, 0, tzinfo=BERLIN),
        datetime(2026, 12, 1, 19, 0, tzinfo=BERLIN),
        datetime(2026, 12, 3, 19, 0, tzinfo=BERLIN),
    ]
    assert all(run.tzinfo == BERLIN for run in runs)


def test_next_runs_accepts_an_after_in_another_timezone():
    runs = next_runs(parse("daily 08:00"), datetime(2026, 11, 20, 6, 59, tzinfo=UTC), 1)
    assert runs == [datetime(2026, 11, 20, 8, 0, tzinfo=BERLIN)]


def test_holidays_are_skipped_and_the_next_three_real_sessions_follow():
    holidays = [parse_holiday("2026-12-21..2027-01-04"), parse_holiday("2027-01-07")]
    after = datetime(2026, 12, 17, 20, 0, tzinfo=BERLIN)
    runs = next_runs(parse("tue,thu 19:00"), after, 3, holidays)
    assert local_dates(runs) == [date(2027, 1, 5), date(2027, 1, 12), date(2027, 1, 14)]


def test_holiday_bounds_are_inclusive():
    runs = next_runs(parse("daily 19:00"), NOW, 2, [(date(2026, 11, 20), date(2026, 11, 21))])
    assert local_dates(runs) == [date(2026, 11, 22), date(2026, 11, 23)]


def test_a_one_off_runs_once_and_then_never():
    schedule = parse("2026-12-01 19:00")
    assert next_runs(schedule, NOW) == [datetime(2026, 12, 1, 19, 0, tzinfo=BERLIN)]
    assert next_runs(schedule, datetime(2026, 12, 1, 19, 0, tzinfo=BERLIN)) == []


def test_a_one_off_on_a_holiday_never_runs():
    schedule = parse("2026-12-01 19:00")
    assert next_runs(schedule, NOW, holidays=[(date(2026, 12, 1), date(2026, 12, 1))]) == []


def test_every_n_days_runs_every_nth_day_from_its_anchor():
    runs = next_runs(parse("every 3 days 20:00 from 2026-11-19"), NOW, 3)
    assert local_dates(runs) == [date(2026, 11, 22), date(2026, 11, 25), date(2026, 11, 28)]


def test_every_n_days_with_a_future_start_waits_for_it():
    runs = next_runs(parse("every 2 days 20:00 from 2027-02-27"), NOW, 3)
    assert local_dates(runs) == [date(2027, 2, 27), date(2027, 3, 1), date(2027, 3, 3)]


def test_next_runs_with_count_zero_is_empty():
    assert next_runs(parse("daily 08:00"), NOW, 0) == []


# -- DST ---------------------------------------------------------------------------------------


def runs_on(spec: str, day: date, tz: ZoneInfo) -> list[datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=tz) - timedelta(days=1)
    return [run for run in next_runs(parse(spec, now=start), start, 5) if run.date() == day]


def test_berlin_spring_forward_fires_a_0230_session_once_at_0330():
    assert runs_on("daily 02:30", date(2026, 3, 29), BERLIN) == [
        datetime(2026, 3, 29, 3, 30, tzinfo=BERLIN)
    ]


def test_berlin_fall_back_fires_a_0230_session_once_at_the_first_0230():
    [run] = runs_on("daily 02:30", date(2026, 10, 25), BERLIN)
    assert run.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST


def test_new_york_spring_forward_fires_a_0230_session_once_at_0330():
    [run] = runs_on("daily 02:30 America/New_York", date(2026, 3, 8), NEW_YORK)
    assert run.astimezone(UTC) == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)  # 03:30 EDT


def test_new_york_fall_back_fires_a_0130_session_once_at_the_first_0130():
    [run] = runs_on("daily 01:30 America/New_York", date(2026, 11, 1), NEW_YORK)
    assert run.astimezone(UTC) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT


def test_new_york_fall_back_fires_a_0230_session_once():
    assert len(runs_on("daily 02:30 America/New_York", date(2026, 11, 1), NEW_YORK)) == 1


def test_plain_apscheduler_cron_fires_twice_on_fall_back_which_is_why_we_wrap_it():
    # Pins APScheduler 3.11 behaviour; if this starts failing, WallClockCronTrigger's
    # fold filter may no longer be needed (it stays harmless).
    trigger = CronTrigger(hour=2, minute=30, timezone=BERLIN)
    first = trigger.get_next_fire_time(None, datetime(2026, 10, 25, 0, 0, tzinfo=BERLIN))
    second = trigger.get_next_fire_time(first, first)
    assert first.date() == second.date() == date(2026, 10, 25)


def test_the_wrapped_trigger_driven_like_the_scheduler_fires_once_on_fall_back():
    trigger = parse("daily 02:30").trigger()
    fired = trigger.get_next_fire_time(None, datetime(2026, 10, 24, 12, 0, tzinfo=BERLIN))
    seen = []
    while fired.astimezone(UTC) < datetime(2026, 10, 27, tzinfo=UTC):
        seen.append(fired)
        fired = trigger.get_next_fire_time(fired, fired + timedelta(seconds=2))
    assert [run.date() for run in seen] == [date(2026, 10, 25), date(2026, 10, 26)]


def test_a_bot_started_inside_the_repeated_hour_does_not_replay_that_days_session():
    inside = datetime(2026, 10, 25, 1, 10, tzinfo=UTC)  # 02:10 CET, after 02:30 CEST
    [run] = next_runs(parse("daily 02:30"), inside, 1)
    assert run == datetime(2026, 10, 26, 2, 30, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("spec", "tz", "start"),
    [
        ("sun 19:00", BERLIN, datetime(2026, 3, 20)),
        ("sun 19:00", BERLIN, datetime(2026, 10, 16)),
        ("every 2 days 19:00", BERLIN, datetime(2026, 3, 26)),
        ("every 2 days 19:00", BERLIN, datetime(2026, 10, 22)),
        ("sun 19:00 America/New_York", NEW_YORK, datetime(2026, 3, 1)),
        ("every 2 days 19:00 America/New_York", NEW_YORK, datetime(2026, 10, 28)),
        ("0 19 * * 0", BERLIN, datetime(2026, 3, 20)),
    ],
)
def test_a_1900_session_stays_at_1900_local_across_the_dst_change(spec, tz, start):
    after = start.replace(tzinfo=tz)
    runs = next_runs(parse(spec, now=after), after, 4)
    assert [(run.hour, run.minute) for run in runs] == [(19, 0)] * 4
    assert len({run.utcoffset() for run in runs}) == 2  # the change happened in between


def test_every_2_days_across_spring_forward_is_47_real_hours_apart():
    after = datetime(2026, 3, 26, tzinfo=BERLIN)
    first, second, _ = next_runs(parse("every 2 days 19:00 from 2026-03-27"), after)
    assert (first.date(), second.date()) == (date(2026, 3, 27), date(2026, 3, 29))
    assert second.astimezone(UTC) - first.astimezone(UTC) == timedelta(hours=47)


# -- holidays ----------------------------------------------------------------------------------


def test_a_holiday_range_parses():
    assert parse_holiday("2026-12-21..2027-01-04") == (date(2026, 12, 21), date(2027, 1, 4))


def test_a_holiday_range_tolerates_spaces_and_to():
    assert parse_holiday(" 2026-12-21 .. 2027-01-04 ") == (date(2026, 12, 21), date(2027, 1, 4))
    assert parse_holiday("2026-12-21 to 2027-01-04") == (date(2026, 12, 21), date(2027, 1, 4))


def test_a_single_holiday_date_is_a_one_day_range():
    assert parse_holiday("2026-12-24") == (date(2026, 12, 24), date(2026, 12, 24))


def test_holidays_format_back_to_their_spec():
    assert format_holiday(parse_holiday("2026-12-21..2027-01-04")) == "2026-12-21..2027-01-04"
    assert format_holiday(parse_holiday("2026-12-24")) == "2026-12-24"


def test_a_holiday_ending_before_it_starts_is_refused():
    with pytest.raises(ScheduleError, match=r"ends \(2026-12-01\) before it starts"):
        parse_holiday("2026-12-21..2026-12-01")


@pytest.mark.parametrize("spec", ["", "christmas", "2026-12-21..", "1..2..3", "24.12.2026"])
def test_a_malformed_holiday_is_refused_with_an_example(spec):
    with pytest.raises(ScheduleError, match=r"2026-12-21\.\.2027-01-04") as info:
        parse_holiday(spec)
    assert "\n" not in str(info.value)


def test_an_impossible_holiday_date_is_refused():
    with pytest.raises(ScheduleError, match="'2026-13-01' is not a date"):
        parse_holiday("2026-13-01")


# -- pacing ------------------------------------------------------------------------------------


def test_pace_with_minutes_parses_to_offsets():
    pacing = parse_pace("reply +10m prompt +20m")
    assert pacing.offsets == {
        "letter": timedelta(0),
        "reply": timedelta(minutes=10),
        "prompt": timedelta(minutes=20),
    }


def test_pace_with_days_parses_and_round_trips():
    pacing = parse_pace("Reply +2d   PROMPT +3d")
    assert pacing.spec == "reply +2d prompt +3d"
    assert parse_pace(pacing.spec) == pacing


def test_pace_parts_may_come_in_either_order_and_without_plus():
    assert parse_pace("prompt 1h30m reply 1h").spec == "reply +1h prompt +1h30m"


def test_pace_with_only_a_reply_sends_the_prompt_with_it():
    assert parse_pace("reply +1h").prompt == timedelta(hours=1)


def test_pace_off_sends_everything_at_once():
    pacing = parse_pace("off")
    assert pacing == Pacing()
    assert pacing.spec == "off"
    assert set(pacing.offsets.values()) == {timedelta(0)}
    assert pacing.describe() == "letter, reply and prompt all at once"


def test_pace_describes_itself():
    assert parse_pace("reply +2d prompt +3d").describe() == (
        "letter at the session time, reply +2d, prompt +3d"
    )


def test_a_prompt_before_the_reply_is_refused():
    with pytest.raises(ScheduleError, match="can't come before the reply"):
        parse_pace("reply +20m prompt +10m")


@pytest.mark.parametrize(
    "spec", ["", "reply", "reply -10m", "reply +10x", "letter +5m", "reply +1h reply +2h", "fast"]
)
def test_a_malformed_pace_is_refused_with_an_example(spec):
    with pytest.raises(ScheduleError, match="reply \\+10m prompt \\+20m") as info:
        parse_pace(spec)
    assert "\n" not in str(info.value)


def test_a_pace_longer_than_30_days_is_refused():
    with pytest.raises(ScheduleError, match="at most \\+30d"):
        parse_pace("reply +31d")


def test_whole_day_offsets_keep_the_local_wall_clock_across_dst():
    session = datetime(2026, 3, 28, 19, 0, tzinfo=BERLIN)  # Saturday, CET
    reply = parse_pace("reply +2d prompt +3d").at(session, "reply", "Europe/Berlin")
    assert reply == datetime(2026, 3, 30, 19, 0, tzinfo=BERLIN)  # Monday, CEST
    assert reply.astimezone(UTC) - session.astimezone(UTC) == timedelta(hours=47)


def test_hour_and_minute_offsets_are_absolute_durations_across_dst():
    session = datetime(2026, 3, 29, 1, 30, tzinfo=BERLIN)
    prompt = parse_pace("reply +30m prompt +90m").at(session, "prompt", "Europe/Berlin")
    assert prompt == datetime(2026, 3, 29, 4, 0, tzinfo=BERLIN)
    assert prompt.astimezone(UTC) - session.astimezone(UTC) == timedelta(minutes=90)


def test_the_letter_goes_out_at_the_session_time():
    session = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)
    letter = parse_pace("reply +1d").at(session, "letter", "Europe/Berlin")
    assert letter == session and letter.tzinfo == BERLIN


# -- durations ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("90m", timedelta(minutes=90)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        (" 1H30M ", timedelta(hours=1, minutes=30)),
        ("+2h", timedelta(hours=2)),
    ],
)
def test_durations_parse(spec, expected):
    assert parse_duration(spec) == expected


@pytest.mark.parametrize("spec", ["", "2", "2x", "-2h", "h", "two hours", "1.5h"])
def test_a_malformed_duration_is_refused_with_examples(spec):
    with pytest.raises(ScheduleError, match='"90m", "2h" or "1d"'):
        parse_duration(spec)


@pytest.mark.parametrize("spec", ["0m", "31d"])
def test_a_duration_out_of_range_is_refused(spec):
    with pytest.raises(ScheduleError, match="out of range"):
        parse_duration(spec)


def test_durations_format_back_to_their_canonical_spec():
    assert format_duration(parse_duration("90m")) == "1h30m"
    assert format_duration(parse_duration("1d2h")) == "1d2h"
    assert parse_duration(format_duration(timedelta(days=2, minutes=5))) == timedelta(
        days=2, minutes=5
    )


def test_remind_takes_a_duration_or_off():
    assert parse_reminder("2h") == timedelta(hours=2)
    assert parse_reminder("Off") is None


def test_the_wall_clock_trigger_can_be_built_directly():
    trigger = WallClockCronTrigger(hour=19, minute=0, timezone=BERLIN)
    assert trigger.get_next_fire_time(None, NOW) == datetime(2026, 11, 20, 19, 0, tzinfo=BERLIN)


def test_check_schedule_accepts_a_past_one_off_and_refuses_what_parse_refuses():
    check_schedule("2020-01-01 10:00", "Europe/Berlin")  # no clock: the date is not judged
    check_schedule("every 3 days 20:00", "UTC")
    for bad in ("whenever", "* * * * *", "0 19 30 2 *", "tue 19:00 Mars/Olympus"):
        with pytest.raises(ScheduleError):
            check_schedule(bad, "UTC")
