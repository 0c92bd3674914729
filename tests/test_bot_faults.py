"""Polling and storage faults: the real Application, its own polling loop, the fake Bot API."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3

import pytest
from telegram import Update
from telegram.ext import TypeHandler

from bot import inbox
from bot.config import Config
from bot.telegram.polling import PollSettings, next_delay
from bot.telegram.runner import AlreadyRunning, lock_database, run_bot
from tests.bot_harness import ADMIN, ALICE, BOB, GROUP, make_config, running_bot


async def open_point(bot) -> int:
    await bot.command("/circle_start")
    await bot.command("/next")
    return next(
        m["message_id"] for m in bot.api.sent_messages(GROUP) if m["text"].startswith("Point 1")
    )


def stored_answers(bot) -> list[str]:
    return [row["text"] for row in bot.app.bot_data.store.all("SELECT text FROM answers")]


async def test_a_401_while_polling_ends_the_process_with_a_non_zero_code(api, tmp_path, caplog):
    async with running_bot(api, tmp_path) as bot:
        api.fail_next("getUpdates", 401)
        code = await asyncio.wait_for(bot.polling, 10)
    assert code == 2
    assert "Telegram refused the token while polling (401)" in caplog.text


async def test_a_409_that_lasts_says_another_instance_polls_and_exits_non_zero(
    api, tmp_path, caplog
):
    async with running_bot(api, tmp_path) as bot:
        api.fail_next("getUpdates", 409, times=1_000)
        code = await asyncio.wait_for(bot.polling, 10)
        api.clear_faults()
    assert code == 1
    assert "another instance polls this bot's token" in caplog.text
    assert caplog.text.count("another instance polls") == 1  # said once, not per retry


async def test_502s_and_lost_connections_are_retried_and_the_answer_still_arrives(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        post = await open_point(bot)
        api.fail_next("getUpdates", 502, times=3)
        api.drop_next("getUpdates", times=2)
        api.send_text(GROUP, ALICE, "through the storm", reply_to=post)
        await bot.settle()
        assert stored_answers(bot) == ["through the storm"]
        assert not bot.polling.done()


def test_the_retry_wait_doubles_and_is_capped_at_about_30_seconds():
    settings = PollSettings()
    delays, delay = [], 0.0
    for _ in range(10):
        delay = next_delay(delay, settings)
        delays.append(delay)
    assert delays[:3] == [1, 2, 4]
    assert max(delays) == 30 and delays[-1] == 30


def test_a_second_bot_on_the_same_database_refuses_naming_the_first_pid(tmp_path):
    first = lock_database(tmp_path / "circle.db")
    try:
        with pytest.raises(AlreadyRunning, match=rf"another circle-bot \(pid {os.getpid()}\)"):
            lock_database(tmp_path / "circle.db")
    finally:
        first.close()
    lock_database(tmp_path / "circle.db").close()  # free again once the first one ended


async def test_a_database_that_cannot_write_keeps_updates_with_telegram_and_resumes_by_itself(
    api, tmp_path, caplog
):
    api.private_chat(ADMIN)
    async with running_bot(api, tmp_path) as bot:
        post = await open_point(bot)
        store = bot.app.bot_data.store
        store.execute("PRAGMA query_only = ON")  # what a read-only file or a full disk does
        for n in range(3):
            api.send_text(GROUP, (ALICE, BOB)[n % 2], f"answer {n}", reply_to=post)
        notice = await api.await_for(lambda: api.sent_messages(ADMIN), timeout=10)
        await api.await_calls("getUpdates", count=len(api.calls_to("getUpdates")) + 3)
        assert len(api.pending_updates()) == 3  # not confirmed: Telegram keeps them
        group_before = bot.texts()
        store.execute("PRAGMA query_only = OFF")
        await bot.settle()
        assert sorted(stored_answers(bot)) == ["answer 0", "answer 1", "answer 2"]
        assert bot.texts()[: len(group_before)] == group_before
    assert len(notice) == 1 and "cannot write to its database" in notice[0]["text"]
    assert len(api.sent_messages(ADMIN)) == 1  # told once, not per answer
    assert not any("Sorry" in text for text in bot.texts())
    assert caplog.text.count("storage: cannot write to the database") == 1
    assert "the database writes again" in caplog.text


async def test_an_answer_whose_handling_meets_a_storage_fault_is_handled_again_later(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        post = await open_point(bot)
        store = bot.app.bot_data.store
        filled: list[int] = []

        async def disk_fills(update: Update, context) -> None:
            message = update.effective_message
            if message and message.text == "unlucky" and not filled:
                filled.append(update.update_id)
                store.execute("PRAGMA query_only = ON")  # after the inbox kept it

        bot.app.add_handler(TypeHandler(Update, disk_fills), group=-5)
        api.send_text(GROUP, ALICE, "unlucky", reply_to=post)
        await api.await_for(lambda: bot.app.bot_data.receiver.failed, timeout=10)
        assert stored_answers(bot) == []
        store.execute("PRAGMA query_only = OFF")
        await api.await_for(lambda: stored_answers(bot) == ["unlucky"], timeout=10)
        await bot.settle()
        assert not any("Sorry" in text for text in bot.texts())


async def test_answers_whose_shared_commit_fails_are_handled_again_and_stored_once(
    api, tmp_path, monkeypatch
):
    async with running_bot(api, tmp_path) as bot:
        post = await open_point(bot)
        store = bot.app.bot_data.store
        execute = store.db.execute
        failed: list[str] = []

        def disk_fills_at_the_commit(sql, *args, **kwargs):
            if sql == "COMMIT" and store.one("SELECT 1 FROM answers") and not failed:
                failed.append(sql)
                error = sqlite3.OperationalError("database or disk is full")
                error.sqlite_errorname = "SQLITE_FULL"
                raise error
            return execute(sql, *args, **kwargs)

        monkeypatch.setattr(store.db, "execute", disk_fills_at_the_commit)
        for n in range(3):
            api.send_text(GROUP, (ALICE, BOB)[n % 2], f"answer {n}", reply_to=post)
        await api.await_for(lambda: failed, timeout=10)
        await api.await_for(lambda: len(stored_answers(bot)) == 3, timeout=10)
        await bot.settle()
        assert sorted(stored_answers(bot)) == ["answer 0", "answer 1", "answer 2"]
        assert inbox.count_unhandled(store) == 0
        assert not store.db.conn.in_transaction


def test_a_database_that_cannot_be_written_at_start_up_is_one_line_and_exit_2(
    api, tmp_path, monkeypatch, caplog
):
    config: Config = make_config(api, tmp_path)
    monkeypatch.setattr("bot.store.BUSY_TIMEOUT_SECONDS", 0.05)
    sqlite3.connect(config.database).close()
    holder = sqlite3.connect(config.database, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process holds the write lock for good
    try:
        with caplog.at_level(logging.ERROR):
            code = run_bot(config)
    finally:
        holder.close()
    assert code == 2
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and str(config.database) in errors[0]
    assert "Traceback" not in caplog.text
