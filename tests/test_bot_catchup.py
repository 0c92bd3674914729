"""End to end (issue 13): catch-up in private, an answer written while the bot was down, and
late answers in the next digest. On the tiny exchange (tests/content/tiny.toml)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlite_utils

from tests.bot_harness import ALICE, BOB, GROUP, Clock, bot_at, running_bot

START = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def answers(tmp_path) -> list[dict]:
    db = sqlite_utils.Database(tmp_path / "circle.db")
    rows = list(db.query("SELECT * FROM answers ORDER BY id"))
    db.close()
    return rows


async def test_catchup_sends_two_missed_points_one_at_a_time_and_keeps_each_answer(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        await bot.command("/circle_start")
        for _ in range(3):
            await bot.command("/next")  # points 1 and 2 went by; point 3 is out
        await bot.act(lambda: api.send_text(BOB, BOB, "/start"))
        await bot.command("/catchup", user=BOB)
        assert "sent you the points you missed" in bot.texts(GROUP)[-1]
        private = bot.texts(BOB)
        assert "You missed 2 points" in private[1]
        assert [t.split(" · ")[0] for t in private[2:]] == ["Point 1/4"] * 3
        prompt = api.sent_messages(BOB)[-1]
        await bot.act(lambda: api.send_text(BOB, BOB, "On one.", reply_to=prompt["message_id"]))
        after_first = bot.texts(BOB)[len(private) :]
        assert "The next one" in after_first[0]
        assert [t.split(" · ")[0] for t in after_first[1:]] == ["Point 2/4"] * 3
        prompt = api.sent_messages(BOB)[-1]
        await bot.act(lambda: api.send_text(BOB, BOB, "On two.", reply_to=prompt["message_id"]))
        assert "You are up to date" in bot.texts(BOB)[-1]
        (digest, *_) = await bot.command("/next")  # point 3 closes
    stored = [(a["point_index"], a["text"], a["given_in_private"]) for a in answers(tmp_path)]
    assert stored == [(0, "On one.", 1), (1, "On two.", 1)]
    assert "1 late answer to point 1." in digest and "1 late answer to point 2." in digest


async def test_the_catchup_deep_link_finishes_the_job_in_the_private_chat(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        await bot.command("/circle_start")
        await bot.command("/next")
        await bot.command("/next")
        await bot.command("/catchup", user=BOB)  # no private chat yet
        (button,) = api.sent_messages(GROUP)[-1]["reply_markup"]["inline_keyboard"][0]
        assert button["url"].endswith(f"start=catchup-{GROUP}")
        await bot.act(lambda: api.send_text(BOB, BOB, f"/start catchup-{GROUP}"))
    assert "You missed 1 point" in bot.texts(BOB)[0]


async def test_an_answer_written_while_the_bot_was_down_is_in_its_points_digest_with_its_time(
    api, tmp_path
):
    clock = Clock(START)
    async with bot_at(api, tmp_path, clock) as bot:
        await bot.command("/circle_start")
        await bot.command("/schedule daily 19:00")
        await bot.command("/next")
        prompt = api.sent_messages(GROUP)[-1]
    written = clock.now = datetime(2026, 12, 1, 17, 30, tzinfo=UTC)  # the bot is down
    api.send_text(GROUP, ALICE, "Written in the dark.", reply_to=prompt["message_id"])
    clock.now = datetime(2026, 12, 1, 18, 20, tzinfo=UTC)  # 19:20 Berlin: the 19:00 is late
    async with bot_at(api, tmp_path, clock) as bot:
        await bot.settle()
        texts = bot.texts(GROUP)
    digest = next(t for t in texts if "is closed" in t)
    assert "1 answer from 1 member: Alice" in digest
    late_note = next(t for t in texts if "session late" in t)
    assert texts.index(late_note) < texts.index(digest)  # the session ran after the reading
    (stored,) = answers(tmp_path)
    assert stored["created_at"] == written.isoformat()


async def test_answers_to_a_closed_point_appear_once_in_the_next_digest(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        await bot.command("/circle_start")
        await bot.command("/next")
        letter = api.sent_messages(GROUP)[-3]
        (closed, *_) = await bot.command("/next")  # point 1 closes without answers
        assert "No answers this time." in closed and "late" not in closed
        for user, text in ((ALICE, "Late one"), (BOB, "Late two")):
            await bot.act(
                lambda u=user, t=text: api.send_text(GROUP, u, t, reply_to=letter["message_id"])
            )
        (digest, *_) = await bot.command("/next")  # point 2 closes
        assert "2 late answers to point 1." in digest  # one line for the point
        (following, *_) = await bot.command("/next")
    assert "late" not in following


async def test_a_member_of_two_circles_chooses_which_one_to_catch_up_on_in_private(api, tmp_path):
    other = -100777
    api.group(other, "Second group", admins=[1], creator=1, members=[BOB])
    async with running_bot(api, tmp_path) as bot:
        for chat in (GROUP, other):
            await bot.act(lambda chat=chat: api.send_text(chat, 1, "/circle_start"))
            for _ in range(2):  # point 1 went by; point 2 is out
                await bot.act(lambda chat=chat: api.send_text(chat, 1, "/next"))
            await bot.act(lambda chat=chat: api.send_text(chat, BOB, "/points"))  # Bob is known
        await bot.act(lambda: api.send_text(BOB, BOB, "/start"))
        await bot.act(lambda: api.send_text(BOB, BOB, "/catchup"))
        (ask,) = [m for m in api.sent_messages(BOB) if "reply_markup" in m][-1:]
        choices = [row[0] for row in ask["reply_markup"]["inline_keyboard"]]
        assert [c["text"] for c in choices] == ["Reading group", "Second group"]
        refused = api.press_button(BOB, ALICE, ask["message_id"], f"catchup:{other}")
        await bot.settle()
        assert "not one of yours" in api.callback_answer(refused["callback_query"]["id"])["text"]
        before = len(bot.texts(BOB))
        await bot.act(lambda: api.press_button(BOB, BOB, ask["message_id"], f"catchup:{other}"))
        sent = bot.texts(BOB)[before:]
    assert any("You missed 1 point" in text for text in sent)
    assert [t.split(" · ")[0] for t in sent if t.startswith("Point ")] == ["Point 1/4"] * 3
