"""A circle's settings (bot/settings.py): typed values stored as one JSON column, read back
into the same types; what no longer reads is reported in `problems`, never silently dropped;
the command-language strings of schema version 3 upgrade to typed settings (migration 4)."""

from __future__ import annotations

import inspect
import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from bot import migrations, reads
from bot.circles import Circles
from bot.migrations import LATEST, migrate
from bot.model import load_circle
from bot.schedule import Pacing, parse_pace, parse_schedule
from bot.settings import Settings, from_json, to_json
from bot.store import connect, open_store
from bot.text import organizer

CHAT = -1001
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
SPECS = [
    "tue,thu 19:00 Europe/Berlin",
    "daily 08:00",
    "weekdays 07:30 America/New_York",
    "every 2 days 20:00 from 2026-12-01 Europe/Berlin",
    "2026-12-24 18:00 Europe/Berlin",
    "0 19 * * 2 Europe/Berlin",
    "cron 30 8 1,15 * *",
]
CHRISTMAS = (date(2026, 12, 21), date(2027, 1, 4))
NEW_YEAR = (date(2027, 1, 1), date(2027, 1, 1))


def schedule(spec: str):
    parsed = parse_schedule(spec, "UTC", NOW)
    assert parsed is not None
    return parsed


@pytest.fixture
def circles(store, tiny_exchange):
    circles = Circles(store, {tiny_exchange.id: tiny_exchange})
    circles.start(CHAT, "tiny", NOW, 42)
    return circles


def stored(circles) -> dict:
    return json.loads(
        circles.store.scalar("SELECT settings FROM circles WHERE chat_id = ?", [CHAT])
    )


def store_raw(circles, data) -> None:
    text = data if isinstance(data, str) else json.dumps(data)
    circles.store.execute("UPDATE circles SET settings = ? WHERE chat_id = ?", [text, CHAT])


# -- round trip ------------------------------------------------------------------------


@pytest.mark.parametrize("spec", SPECS)
def test_every_kind_of_schedule_round_trips_through_json(spec):
    settings = Settings(
        schedule=schedule(spec),
        pacing=parse_pace("reply +1d2h prompt +3d"),
        holidays=(CHRISTMAS, NEW_YEAR),
        remind_before=timedelta(hours=2),
        schedule_chosen=True,
    )
    assert from_json(to_json(settings)) == settings
    assert from_json(to_json(settings)).schedule.spec == schedule(spec).spec


@pytest.mark.parametrize("spec", SPECS)
def test_every_kind_of_schedule_is_stored_and_read_back_by_the_engine(circles, spec):
    circles.set_schedule(CHAT, schedule(spec), NOW, 42)
    settings = load_circle(circles.store, CHAT).settings
    assert settings.schedule == schedule(spec)
    assert settings.problems == ()


def test_pacing_holidays_and_reminder_round_trip_through_the_engine(circles):
    pacing = parse_pace("reply +90m prompt +2d")
    circles.set_pacing(CHAT, pacing, NOW, 42)
    circles.add_holiday(CHAT, NEW_YEAR, NOW, 42)
    circles.add_holiday(CHAT, CHRISTMAS, NOW, 42)
    circles.set_reminder(CHAT, timedelta(minutes=45), NOW, 42)
    settings = load_circle(circles.store, CHAT).settings
    assert settings == Settings(
        pacing=pacing, holidays=(CHRISTMAS, NEW_YEAR), remind_before=timedelta(minutes=45)
    )
    assert stored(circles)["pacing"] == {"reply_minutes": 90, "prompt_minutes": 2 * 24 * 60}
    assert stored(circles)["holidays"] == [
        ["2026-12-21", "2027-01-04"],
        ["2027-01-01", "2027-01-01"],
    ]
    assert stored(circles)["remind_before_minutes"] == 45


def test_default_settings_round_trip_and_an_empty_column_reads_as_defaults():
    assert from_json(to_json(Settings())) == Settings()
    assert from_json(None) == Settings()
    assert from_json("{}") == Settings()
    assert Settings().pacing == Pacing()
    assert not Settings().paced


def test_clearing_the_schedule_is_remembered_as_a_choice(circles):
    circles.set_schedule(CHAT, None, NOW, 42)
    settings = load_circle(circles.store, CHAT).settings
    assert (settings.schedule, settings.schedule_chosen) == (None, True)
    assert from_json(to_json(settings)).schedule_chosen


# -- what no longer reads ----------------------------------------------------------------

GOOD = json.loads(
    to_json(
        Settings(
            schedule=schedule("tue 19:00 Europe/Berlin"),
            pacing=parse_pace("reply +10m prompt +20m"),
            holidays=(CHRISTMAS,),
            remind_before=timedelta(minutes=30),
        )
    )
)


@pytest.mark.parametrize(
    ("name", "value", "left"),
    [
        ("schedule", {**GOOD["schedule"], "kind": "fortnightly"}, None),
        ("schedule", {**GOOD["schedule"], "timezone": "Mars/Olympus"}, None),
        ("schedule", {"spec": "tue 25:00"}, None),
        ("pacing", {"reply_minutes": 20, "prompt_minutes": 10}, Pacing()),
        ("holidays", [["2026-12-24", "2026-12-20"]], ()),
        ("holidays", ["christmas"], ()),
        ("remind_before_minutes", -5, None),
    ],
)
def test_a_stored_value_that_no_longer_reads_is_reported_and_the_rest_still_reads(
    name, value, left
):
    settings = from_json(json.dumps({**GOOD, name: value}))
    assert len(settings.problems) == 1
    assert name in settings.problems[0]
    assert json.dumps(value) in settings.problems[0]  # what was stored, for the organizer
    field = {"remind_before_minutes": "remind_before"}.get(name, name)
    assert getattr(settings, field) == left
    rest = from_json(json.dumps(GOOD))
    for other in ("schedule", "pacing", "holidays", "remind_before"):
        if other != field:
            assert getattr(settings, other) == getattr(rest, other)


@pytest.mark.parametrize("text", ["{oops", "[1, 2]", '"daily 08:00"'])
def test_a_settings_column_that_is_not_a_json_object_is_reported(text):
    settings = from_json(text)
    assert settings.problems
    assert (settings.schedule, settings.holidays) == (None, ())


def test_a_setting_that_no_longer_reads_is_shown_in_status(circles):
    store_raw(circles, {**GOOD, "schedule": {**GOOD["schedule"], "kind": "fortnightly"}})
    status = reads.status(circles.store, circles.exchanges, CHAT, NOW)
    assert len(status.problems) == 1
    assert "fortnightly" in status.problems[0]
    assert "A setting could not be read" in organizer.status(status, None)


def test_setting_it_again_clears_the_problem(circles):
    store_raw(circles, {**GOOD, "schedule": {**GOOD["schedule"], "kind": "fortnightly"}})
    result = circles.set_schedule(CHAT, schedule("tue 19:00 Europe/Berlin"), NOW, 42)
    assert result.settings.problems == ()
    expected = replace(from_json(json.dumps(GOOD)), schedule_chosen=True)
    assert load_circle(circles.store, CHAT).settings == expected


def test_changing_another_setting_keeps_a_stored_value_that_does_not_read(circles):
    broken = {**GOOD["schedule"], "kind": "fortnightly"}
    store_raw(circles, {**GOOD, "schedule": broken})
    circles.set_pacing(CHAT, parse_pace("reply +1h prompt +2h"), NOW, 42)
    assert stored(circles)["schedule"] == broken
    assert load_circle(circles.store, CHAT).settings.problems != ()


# -- upgrade from schema version 3 -------------------------------------------------------

V3_CIRCLE = {
    "exchange_id": "tiny",
    "state": "running",
    "current_point": 0,
    "cursor": 1,
    "timezone": "Europe/Berlin",
    "created_at": NOW.isoformat(),
    "updated_at": NOW.isoformat(),
}


def migrate_to_version_3(db) -> None:
    """Schema version 3 on a fresh file (bot/migrations.py's API is being reworked: it takes
    `target=3`, or `stop_before=` the name of the fourth migration)."""
    if "target" in inspect.signature(migrate).parameters:
        migrate(db, target=3)
    else:
        migrate(db, stop_before=migrations.SCHEMA.names[3])
    assert migrations.version(db) == 3


def test_a_version_3_database_upgrades_its_settings_to_typed_values(db_path, tiny_exchange):
    db = connect(db_path)
    migrate_to_version_3(db)
    rows = [
        {
            "chat_id": CHAT,
            "schedule": "tue,thu 19:00 Europe/Berlin",
            "pacing": "reply +10m prompt +20m",
            "holidays": '["2026-12-24"]',
            "remind_before_minutes": 120,
        },
        {
            "chat_id": -2002,
            "schedule": "tue,thu 25:00 Europe/Berlin",
            "pacing": "reply whenever",
            "holidays": '["2026-12-21..2027-01-04"]',
            "remind_before_minutes": None,
        },
        {"chat_id": -3003, "schedule": None, "pacing": None, "holidays": "[]"},
    ]
    for row in rows:
        values = {**V3_CIRCLE, **row}
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        db.execute(f"INSERT INTO circles ({columns}) VALUES ({marks})", list(values.values()))
    db.execute(
        "INSERT INTO audit_log (circle_id, chat_id, action, at) VALUES (1, ?, 'set_schedule', ?)",
        [CHAT, NOW.isoformat()],
    )
    db.close()

    store = open_store(db_path)
    try:
        assert store.schema_version == LATEST
        good = load_circle(store, CHAT)
        assert good.settings == Settings(
            schedule=parse_schedule("tue,thu 19:00", "Europe/Berlin", NOW),
            pacing=Pacing(reply=timedelta(minutes=10), prompt=timedelta(minutes=20)),
            holidays=((date(2026, 12, 24), date(2026, 12, 24)),),
            remind_before=timedelta(minutes=120),
            schedule_chosen=True,  # it was set by an organizer (audit log)
        )
        assert (good.point_index, good.visit) == (0, 1)  # current_point, cursor renamed

        broken = load_circle(store, -2002)
        problems = " | ".join(broken.settings.problems)
        assert len(broken.settings.problems) == 2
        assert "tue,thu 25:00" in problems
        assert "reply whenever" in problems
        assert (broken.settings.schedule, broken.settings.pacing) == (None, Pacing())
        assert broken.settings.holidays == ((date(2026, 12, 21), date(2027, 1, 4)),)
        assert broken.settings.schedule_chosen is False
        raw = json.loads(store.scalar("SELECT settings FROM circles WHERE chat_id = -2002"))
        assert raw["schedule"] == {"spec": "tue,thu 25:00 Europe/Berlin"}  # kept as written
        status = reads.status(store, {tiny_exchange.id: tiny_exchange}, -2002, NOW)
        assert status.problems == broken.settings.problems

        assert load_circle(store, -3003).settings == Settings()
        columns = {row["name"] for row in store.all("PRAGMA table_info(circles)")}
        assert {"schedule", "pacing", "holidays", "remind_before_minutes"}.isdisjoint(columns)
    finally:
        store.close()
