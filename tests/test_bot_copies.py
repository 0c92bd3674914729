"""Every copy of a posted message counts: a reply to a copy Telegram took without telling us
(the documented at-least-once resend) is an answer to that post, like a reply to the copy the
bot confirmed."""

from __future__ import annotations

from tests.bot_harness import ALICE, BOB, GROUP, running_bot
from tests.test_bot_reliability import fire_retry


async def test_a_reply_to_either_copy_of_a_resent_letter_is_an_answer_to_point_one(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        await bot.command("/circle_start")
        api.drop_next("sendMessage", after_processing=True, chat_id=GROUP)
        await bot.command("/next")
        await fire_retry(bot)
        first, second = [
            m["message_id"] for m in api.sent_messages(GROUP) if "From the letter" in m["text"]
        ]
        await bot.act(lambda: api.send_text(GROUP, ALICE, "to the first copy", reply_to=first))
        await bot.act(lambda: api.send_text(GROUP, BOB, "to the second copy", reply_to=second))
        await bot.act(lambda: api.send_text(GROUP, BOB, "the first, again", reply_to=first))
        store = bot.app.bot_data.store
        rows = store.all("SELECT text, point_index, post_id FROM answers ORDER BY id")
        copies = store.all("SELECT message_id FROM post_copies")
    assert [row["text"] for row in rows] == [
        "to the first copy",
        "to the second copy",
        "the first, again",
    ]
    assert {row["point_index"] for row in rows} == {0}
    assert len({row["post_id"] for row in rows}) == 1  # one post, two copies
    assert copies == [{"message_id": first}]


async def test_a_reply_to_another_message_of_the_bot_is_still_no_answer(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        await bot.command("/circle_start")
        api.drop_next("sendMessage", after_processing=True, chat_id=GROUP)
        await bot.command("/next")
        await fire_retry(bot)
        welcome = api.sent_messages(GROUP)[0]["message_id"]
        await bot.act(lambda: api.send_text(GROUP, ALICE, "hello", reply_to=welcome))
        assert bot.app.bot_data.store.all("SELECT * FROM answers") == []
