"""End to end: /stats and /search go to the organizer's private chat only, never to the group,
and are refused to members who are not organizers."""

import pytest

from tests.bot_harness import ADMIN, ALICE, BOB, GROUP, running_bot


async def in_group(bot, command: str, **kwargs) -> list[str]:
    """What the group sees of a command (the bot's private messages are left out)."""
    before = len(bot.texts(GROUP))
    await bot.command(command, **kwargs)
    return bot.texts(GROUP)[before:]


async def discuss(bot) -> None:
    await bot.command("/circle_start")
    before = len(bot.api.sent_messages(GROUP))
    await bot.command("/next")
    _, _, prompt = bot.api.sent_messages(GROUP)[before:]
    bot.api.send_text(GROUP, ALICE, "The students wanted reform.", reply_to=prompt["message_id"])
    bot.api.send_text(GROUP, BOB, "Reform, and more.", reply_to=prompt["message_id"])
    await bot.settle()


async def test_stats_go_privately_with_a_chart(api, tmp_path):
    api.private_chat(ADMIN)
    async with running_bot(api, tmp_path) as bot:
        await discuss(bot)
        seen = await in_group(bot, "/stats")
    assert seen == []  # the group sees a 👌 on the command, nothing more
    report, chart = api.sent_messages(ADMIN)
    assert "Answers per point:" in report["text"] and "Alice: 1 answer, 1 point" in report["text"]
    assert "photo" in chart
    (call,) = [c for c in api.calls_to("sendPhoto") if c.status == "ok"]
    assert call.params["chat_id"] == ADMIN
    assert call.params["photo"].data.startswith(b"\x89PNG\r\n\x1a\n")
    assert not any("photo" in m for m in api.sent_messages(GROUP))


async def test_search_answers_privately_with_ranked_hits(api, tmp_path):
    api.private_chat(ADMIN)
    async with running_bot(api, tmp_path) as bot:
        await discuss(bot)
        seen = await in_group(bot, "/search reform")
    assert seen == []  # the group sees a 👌 on the command, nothing more
    (hits,) = api.sent_messages(ADMIN)
    assert hits["text"].startswith("Answers matching “reform”")
    assert "Point 1 (run 1) · Alice" in hits["text"] and "Bob" in hits["text"]
    assert "https://t.me/c/123/" in hits["text"]


@pytest.mark.parametrize("command", ["/stats", "/search reform", "/export"])
async def test_members_who_are_not_organizers_are_refused(api, tmp_path, command):
    api.private_chat(ALICE)
    async with running_bot(api, tmp_path) as bot:
        await discuss(bot)
        (reply,) = await bot.command(command, user=ALICE)
    assert reply.startswith("Only this group's administrators")
    assert api.sent_messages(ALICE) == []


@pytest.mark.parametrize("command", ["/stats", "/search reform"])
async def test_without_a_private_chat_nothing_is_posted_in_the_group(api, tmp_path, command):
    async with running_bot(api, tmp_path) as bot:
        await discuss(bot)
        (reply,) = await in_group(bot, command)
    assert "Start" in reply or "private" in reply
    assert not any("photo" in m for m in api.sent_messages(GROUP))
