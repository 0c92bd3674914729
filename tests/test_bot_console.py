"""End to end (issue 13): the organizer console in private, private replies, participation,
nudges, confirmation and onboarding. On the tiny exchange; the fake Bot API gives a user a
private chat only once they write to the bot (`api.send_text(user, user, "/start")`)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from tests.bot_harness import ADMIN, ALICE, BOB, GROUP, Clock, bot_at, fire, jobs, running_bot

OTHER = -100456
CAROL = 4
BERLIN = ZoneInfo("Europe/Berlin")


def buttons(message: dict) -> list[dict]:
    return [b for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]


async def start_private(bot, user: int) -> None:
    await bot.act(lambda: bot.api.send_text(user, user, "/start"))


async def test_an_organizer_picks_a_group_in_private_and_schedules_it_while_the_group_sees_nothing(
    api, tmp_path
):
    api.group(OTHER, "Second group", admins=[ADMIN], creator=ADMIN, members=[BOB])
    async with running_bot(api, tmp_path) as bot:
        await bot.command("/circle_start")
        await bot.act(lambda: api.send_text(OTHER, ADMIN, "/circle_start"))
        await start_private(bot, ADMIN)
        in_group = len(bot.texts(GROUP))
        await bot.act(lambda: api.send_text(ADMIN, ADMIN, "/schedule daily 08:00"))
        ask = api.sent_messages(ADMIN)[-1]
        assert "Which group" in ask["text"]
        assert [b["text"] for b in buttons(ask)] == ["Reading group", "Second group"]
        await bot.act(lambda: api.press_button(ADMIN, ADMIN, ask["message_id"], f"console:{GROUP}"))
        private = bot.texts(ADMIN)
        assert "now steer Reading group" in api.message(ADMIN, ask["message_id"])["text"]
        assert "The circle meets every day at 08:00" in private[-1]
        assert jobs(bot, "session:") == [f"session:{GROUP}"]
        # The choice is remembered: the next command goes to the same group at once.
        (paced,) = await bot.act(lambda: api.send_text(ADMIN, ADMIN, "/pace reply +10m"))
        assert "Pacing" in paced
        assert bot.texts(GROUP)[in_group:] == []  # the group saw nothing of it


async def test_with_a_private_chat_an_organizer_reply_goes_there_and_the_group_sees_a_reaction(
    api, tmp_path
):
    async with running_bot(api, tmp_path) as bot:
        await start_private(bot, ADMIN)
        command = api.send_text(GROUP, ADMIN, "/circle_start")
        await bot.settle()
        assert bot.texts(GROUP) == []
        assert "has started" in bot.texts(ADMIN)[-1]
        assert api.reactions(GROUP, command["message_id"])


async def test_without_a_private_chat_the_reply_stays_in_the_group_with_a_button(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        (reply,) = await bot.command("/circle_start")
    assert "has started" in reply
    (button,) = buttons(api.sent_messages(GROUP)[-1])
    assert button["url"] == f"https://t.me/circle_test_bot?start=console-{GROUP}"


async def test_status_counts_silent_members_from_chat_member_updates_and_names_them_privately(
    api, tmp_path
):
    api.user(CAROL, "Carol")
    async with running_bot(api, tmp_path) as bot:
        await bot.command("/circle_start")
        api.member_update(GROUP, CAROL, "member")  # joins, never says a word
        await bot.settle()
        await bot.command("/next")
        prompt = api.sent_messages(GROUP)[-1]
        await bot.act(lambda: api.send_text(GROUP, ALICE, "Mine.", reply_to=prompt["message_id"]))
        in_group = len(bot.texts(GROUP))
        await start_private(bot, ADMIN)
        (status,) = await bot.command("/status")
    assert "Of the 2 members I know of (from the group's member updates)" in status
    assert "Answered: Alice" in status
    not_yet = status.split("Not yet: ")[1]
    assert "Carol" in not_yet and "Ada" not in not_yet  # the organizer is not a non-answerer
    assert bot.texts(GROUP)[in_group:] == []


async def test_status_without_a_private_chat_shows_counts_but_no_names_in_the_group(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        await bot.command("/circle_start")
        await bot.command("/points", user=BOB)
        (status,) = await bot.command("/status")
    assert "Bob" not in status and "Not yet" not in status
    assert "members I know of" in status
    (button,) = buttons(api.sent_messages(GROUP)[-1])
    assert button["url"].endswith(f"start=status-{GROUP}")


async def test_nudges_go_only_to_members_who_opted_in_and_have_not_answered(api, tmp_path):
    api.user(CAROL, "Carol")
    api.group(GROUP, "Reading group", admins=[ADMIN], creator=ADMIN, members=[ALICE, BOB, CAROL])
    async with running_bot(api, tmp_path) as bot:
        for user in (ALICE, BOB, CAROL):
            await start_private(bot, user)
        await bot.command("/circle_start")
        await bot.command("/next")
        prompt = api.sent_messages(GROUP)[-1]
        await bot.command("/nudgeme", user=ALICE)
        assert "remind you privately" in bot.texts(ALICE)[-1]
        await bot.act(lambda: api.press_button(GROUP, BOB, prompt["message_id"], "nudgeme"))
        await bot.command("/points", user=CAROL)  # known, but never opted in
        await bot.act(lambda: api.send_text(GROUP, ALICE, "Done.", reply_to=prompt["message_id"]))
        before = {user: len(bot.texts(user)) for user in (ALICE, BOB, CAROL)}
        await bot.command("/nudge")
        assert "reminded 1 member privately" in bot.texts(GROUP)[-1]
        await bot.command("/nudge")  # once per point: nobody is nudged twice
        assert "reminded 0 members" in bot.texts(GROUP)[-1]
    new = {user: bot.texts(user)[before[user] :] for user in (ALICE, BOB, CAROL)}
    assert new[ALICE] == [] and new[CAROL] == []
    (nudge,) = new[BOB]
    assert "Point 1 in Reading group closes soon" in nudge
    assert not any("Bob" in text for text in bot.texts(GROUP))


async def test_the_private_nudge_job_runs_before_the_session_that_closes_the_point(api, tmp_path):
    clock = Clock(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    async with bot_at(api, tmp_path, clock) as bot:
        await start_private(bot, BOB)
        await bot.command("/circle_start")
        await bot.command("/schedule daily 19:00")
        await bot.command("/next")
        await bot.command("/nudgeme", user=BOB)
        (job,) = bot.app.job_queue.get_jobs_by_name(f"nudge:{GROUP}")
        assert job.next_t == datetime(2026, 12, 1, 17, 0, tzinfo=BERLIN)
        clock.now = datetime(2026, 12, 1, 17, 0, tzinfo=BERLIN)
        before = len(bot.texts(BOB))
        await fire(bot, f"nudge:{GROUP}")
    assert "closes soon" in bot.texts(BOB)[before]


async def test_only_the_organizer_who_asked_can_confirm_a_stop_and_resume_continues_there(
    api, tmp_path
):
    api.set_member(GROUP, BOB, "administrator")
    async with running_bot(api, tmp_path) as bot:
        await bot.command("/circle_start")
        await bot.command("/next")
        await bot.command("/next")
        (question,) = await bot.command("/circle_stop")
        assert "Stop the circle?" in question
        ask = api.sent_messages(GROUP)[-1]
        yes = buttons(ask)[0]["callback_data"]
        update = api.press_button(GROUP, BOB, ask["message_id"], yes)  # another organizer
        await bot.settle()
        refused = api.callback_answer(update["callback_query"]["id"])
        assert "Only the organizer who asked" in refused["text"]
        assert "State: running" in (await bot.command("/status"))[0]
        await bot.act(lambda: api.press_button(GROUP, ADMIN, ask["message_id"], yes))
        assert "stopped" in api.message(GROUP, ask["message_id"])["text"]
        assert "Resumed" in (await bot.command("/resume"))[0]
        (status,) = await bot.command("/status")
    assert "Point 2/" in status and "State: running" in status


async def test_added_to_a_group_the_bot_introduces_itself_once(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        await bot.act(lambda: api.add_bot_to_group(OTHER, "New group", by=ADMIN))
        (hello,) = bot.texts(OTHER)
    assert "Make me an admin, or keep privacy mode on" in hello
    assert "/circle_start" in hello


async def test_a_plain_private_message_lists_the_members_circles(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        await bot.command("/circle_start")
        await bot.command("/points", user=ALICE)
        (answer,) = await bot.act(lambda: api.send_text(ALICE, ALICE, "hello?"))
    assert "Your circles: Reading group" in answer and "/mine" in answer


async def test_help_shows_organizer_commands_only_to_organizers(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        (member_help,) = await bot.command("/help", user=ALICE)
        (organizer_help,) = await bot.command("/help")
    assert "/catchup" in member_help and "/export" not in member_help
    assert "/export" in organizer_help and "/console" in organizer_help


async def test_points_link_each_point_to_its_first_message(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        await bot.command("/circle_start")
        await bot.command("/next")
        first = api.sent_messages(GROUP)[-3]
        await bot.command("/points", user=ALICE)
    html = api.calls_to("sendMessage")[-1].params["text"]
    assert f'href="https://t.me/c/123/{first["message_id"]}"' in html
