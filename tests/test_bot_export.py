"""End to end: /export sends the minutes to the organizer's private chat, never to the group.

In the fake Bot API a user can receive private messages only after `api.private_chat(user)`
(they pressed Start); before that, sending to them fails with 403 Forbidden, as on Telegram.
"""

import csv
import io
import json

import pytest

from bot.fakebotapi import FakeBotAPI
from tests.bot_harness import ADMIN, ALICE, BOB, GROUP, TINY, running_bot


async def discuss(bot) -> None:
    """Start the circle, post point 1, and let Alice (text) and Bob (voice) answer it."""
    await bot.command("/circle_start")
    before = len(bot.api.sent_messages(GROUP))
    await bot.command("/next")
    _, _, prompt = bot.api.sent_messages(GROUP)[before:]
    bot.api.send_text(GROUP, ALICE, "Both sides, honestly.", reply_to=prompt["message_id"])
    bot.api.send_media(GROUP, BOB, "voice", reply_to=prompt["message_id"])
    await bot.settle()


def documents(api: FakeBotAPI) -> list:
    return [call for call in api.calls_to("sendDocument") if call.status == "ok"]


async def test_organizer_gets_the_minutes_as_a_private_document(api, tmp_path):
    api.private_chat(ADMIN)
    async with running_bot(api, tmp_path) as bot:
        await discuss(bot)
        before = len(bot.texts(GROUP))
        await bot.command("/export")
        in_group = bot.texts(GROUP)[before:]
    assert in_group == []  # the group sees a 👌 on the command, nothing more
    (call,) = documents(api)
    assert call.params["chat_id"] == ADMIN
    upload = call.params["document"]
    assert upload.filename == f"minutes-{TINY.id}-run1.md"
    text = upload.data.decode("utf-8")
    assert f"# Minutes: {TINY.title}" in text
    # 17:00 UTC in the circle's Berlin time, linked to the message in the group
    assert "**Alice** · [2026-12-01 18:00](<https://t.me/c/123/" in text
    assert "> Both sides, honestly." in text
    assert "> [\\[voice\\]](<https://t.me/c/123/" in text  # the voice message, one tap away
    assert "run 1, in Reading group" in call.params["caption"]
    # Nothing of the minutes reaches the group.
    assert not any("document" in message for message in api.sent_messages(GROUP))
    assert api.sent_messages(ADMIN)[0]["document"]["file_name"] == upload.filename


async def test_export_accepts_a_run_and_a_format_in_either_order(api, tmp_path):
    api.private_chat(ADMIN)
    async with running_bot(api, tmp_path) as bot:
        await discuss(bot)
        await bot.command("/export csv 1")
        await bot.command("/export json")
    csv_call, json_call = documents(api)
    assert csv_call.params["document"].filename == f"minutes-{TINY.id}-run1.csv"
    rows = list(csv.DictReader(io.StringIO(csv_call.params["document"].data.decode(), newline="")))
    assert [(row["author"], row["media_kind"]) for row in rows] == [("Alice", ""), ("Bob", "voice")]
    data = json.loads(json_call.params["document"].data)
    assert data["points"][0]["answers"][0]["text"] == "Both sides, honestly."


async def test_a_member_who_is_not_an_admin_cannot_export(api, tmp_path):
    api.private_chat(ALICE)
    async with running_bot(api, tmp_path) as bot:
        await discuss(bot)
        (reply,) = await bot.command("/export", user=ALICE)
    assert "Only this group's administrators" in reply
    assert documents(api) == []


async def test_an_organizer_without_a_private_chat_is_told_how_to_open_one(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        await discuss(bot)
        (reply,) = await bot.command("/export")
    assert "open a private chat with me and press Start" in reply
    markup = api.sent_messages(GROUP)[-1]["reply_markup"]
    assert (
        markup["inline_keyboard"][0][0]["url"]
        == f"https://t.me/circle_test_bot?start=export-{GROUP}"
    )
    assert documents(api) == []
    assert not any("document" in message for message in api.sent_messages(GROUP))


async def test_the_export_deep_link_sends_the_minutes_once_start_is_pressed(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        await discuss(bot)
        await bot.command("/export")  # no private chat yet: the button carries export-<group>
        api.private_chat(ADMIN)
        await bot.act(lambda: api.send_text(ADMIN, ADMIN, f"/start export-{GROUP}"))
    (call,) = documents(api)
    assert int(call.params["chat_id"]) == ADMIN
    assert call.result["document"]["file_name"].endswith(".md")


async def test_an_anonymous_admin_is_asked_to_export_from_their_own_account(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        await discuss(bot)
        (reply,) = await bot.act(lambda: api.anonymous_admin_message(GROUP, "/export"))
    assert "Send /export from your own account" in reply
    assert api.calls_to("sendDocument") == []


@pytest.mark.parametrize("args", ["pdf", "0", "1 2", "csv json", "last"])
async def test_bad_arguments_get_the_accepted_forms_and_an_example(api, tmp_path, args):
    api.private_chat(ADMIN)
    async with running_bot(api, tmp_path) as bot:
        await bot.command("/circle_start")
        (reply,) = await bot.command(f"/export {args}")
    assert reply == (
        "Usage: /export [run] [md|html|csv|json], for example /export "
        "(current run, Markdown), /export html or /export 2 csv."
    )
    assert api.calls_to("sendDocument") == []


async def test_export_of_a_run_that_does_not_exist_is_refused_in_the_group(api, tmp_path):
    api.private_chat(ADMIN)
    async with running_bot(api, tmp_path) as bot:
        await bot.command("/circle_start")
        (reply,) = await bot.command("/export 4")
    assert reply == "There is no run 4 in this circle: it has run 1 only."
    assert api.calls_to("sendDocument") == []


async def test_export_without_a_circle_says_there_is_none(api, tmp_path):
    api.private_chat(ADMIN)
    async with running_bot(api, tmp_path) as bot:
        (reply,) = await bot.command("/export")
    assert reply.startswith("There is no circle in this chat")


async def test_export_is_among_the_organizer_commands(api, tmp_path):
    async with running_bot(api, tmp_path):
        scope = {"type": "all_chat_administrators"}
        names = [command["command"] for command in api.commands(scope)]
    assert "export" in names
    assert "export" not in [c["command"] for c in api.commands({"type": "all_group_chats"})]
