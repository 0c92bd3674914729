"""The retention period: personal data older than `[storage] retention_days` is deleted, at
start-up and daily; 0 keeps everything; what names nobody (posts, poll counts) stays."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.config import ConfigError, load_config
from bot.retention import purge
from tests.bot_harness import ALICE, BOB, GROUP, Clock, running_bot

NOW = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)


async def answer_now(bot, user: int, text: str) -> None:
    """`user` answers point 1 (started and posted first, if it is not yet)."""
    if not bot.texts():
        await bot.command("/circle_start")
        await bot.command("/next")
    sent = bot.api.sent_messages(GROUP)
    letter = next(m for m in sent if m.get("text", "").startswith("Point 1"))
    await bot.act(lambda: bot.api.send_text(GROUP, user, text, reply_to=letter["message_id"]))


def count(store, table: str) -> int:
    return store.scalar(f"SELECT count(*) FROM {table}")


async def test_answers_older_than_the_retention_period_are_deleted_at_start_up(api, tmp_path):
    clock = Clock(NOW)
    async with running_bot(api, tmp_path, clock=clock) as bot:
        await answer_now(bot, ALICE, "An old answer.")
        clock.now = NOW + timedelta(days=40)
        await answer_now(bot, BOB, "A recent answer.")
    clock.now = NOW + timedelta(days=45)
    async with running_bot(api, tmp_path, clock=clock, retention_days=30) as bot:
        store = bot.app.bot_data.store
        texts = [row["text"] for row in store.all("SELECT text FROM answers")]
        assert texts == ["A recent answer."]
        members = {row["user_id"] for row in store.all("SELECT user_id FROM members")}
        assert ALICE not in members and BOB in members
        assert count(store, "posts") > 0  # what names nobody stays
        assert bot.app.job_queue.get_jobs_by_name("retention")


async def test_without_a_retention_period_nothing_is_deleted(api, tmp_path):
    clock = Clock(NOW)
    async with running_bot(api, tmp_path, clock=clock) as bot:
        await answer_now(bot, ALICE, "An old answer.")
    clock.now = NOW + timedelta(days=4000)
    async with running_bot(api, tmp_path, clock=clock) as bot:
        assert count(bot.app.bot_data.store, "answers") == 1
        assert not bot.app.job_queue.get_jobs_by_name("retention")


def test_purge_with_zero_days_deletes_nothing(store):
    assert purge(store, NOW, 0) == {}


def test_a_negative_retention_period_is_refused_in_one_line(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[storage]\nretention_days = -1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"storage\.retention_days must be 0"):
        load_config(config, environ={"TELEGRAM_BOT_TOKEN": "1:x"})
