"""End to end: organizer commands against the real Application and the fake Bot API."""

import pytest

from bot import reads
from bot.exchange import paragraphs
from bot.render import render_point
from bot.telegram.app import build_application
from tests.bot_harness import (
    ADMIN,
    ALICE,
    GROUP,
    SEED,
    TINY,
    headings,
    make_config,
    point_headings,
    running_bot,
    seed_exchange,
)

POINTS = len(TINY.points)


async def test_organizer_starts_a_circle_and_posts_the_first_point(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        (reply,) = await bot.command("/circle_start")
        assert TINY.title in reply
        assert f"{POINTS} points" in reply
        assert "/schedule" in reply
        sent = await bot.command("/next")
    first = TINY.points[0]
    assert len(sent) == len(render_point(TINY, 0)) == 3  # point 1 is plain: no poll, no split
    assert headings(sent) == point_headings(1)
    assert sent[0].startswith(f"{point_headings(1)[0]} · {first.title}")
    assert paragraphs(first.letter)[0] in sent[0]  # as written: "3 < 4" is not "3 &lt; 4"
    assert paragraphs(first.reply)[0] in sent[1]
    assert "Reply to this message to answer" in sent[2]


async def test_the_whole_seed_exchange_is_posted_in_order_then_the_circle_finishes(api, tmp_path):
    """The smoke test of the shipped exchange: its structure, never its wording."""
    seed = seed_exchange()
    count = len(seed.points)
    async with running_bot(api, tmp_path, **SEED) as bot:
        (started,) = await bot.command("/circle_start")
        assert f"{count} points" in started
        for number, point in enumerate(seed.points, start=1):
            sent = await bot.command("/next")
            assert headings(sent) == point_headings(number, exchange=seed)
            if point.poll:
                assert sent[-1] == f"[poll] {point.poll.question}"
            else:
                assert "Reply to this message to answer" in sent[-1]
        digest, last = await bot.command("/next")  # the closed point's digest, then the end
        assert digest.startswith(f"📝 Point {count}")
        assert "That was the last point" in last
        refused = await bot.command("/next")
        assert "finished" in refused[0]
    everything = [h for n in range(1, count + 1) for h in point_headings(n, exchange=seed)]
    assert headings(bot.texts()) == everything
    posted = "\n".join(bot.texts())
    assert posted.count("[poll]") == sum(point.poll is not None for point in seed.points)


async def test_posts_are_html_with_quotes_and_never_link_previews(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        await bot.command("/circle_start")
        await bot.command("/next")
    letter, reply, _ = (call.params for call in api.calls_to("sendMessage")[-3:])
    assert letter["parse_mode"] == "HTML"
    # Both sides alike: short excerpts are plain quotes, neither hidden behind a tap.
    assert "<blockquote>" in letter["text"]
    assert "<blockquote>" in reply["text"]
    assert letter["link_preview_options"] == {"is_disabled": True}


async def test_a_member_who_is_not_an_admin_is_refused_politely(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        (reply,) = await bot.command("/circle_start", user=ALICE)
        assert "Only this group's administrators" in reply
        # Refused once, not again within a few minutes (the group is not flooded) …
        assert await bot.command("/next", user=ALICE) == []
        bot.clock.advance(minutes=6)
        # … and again after them.
        (reply,) = await bot.command("/next", user=ALICE)
        assert "Only this group's administrators" in reply
        assert await bot.command("/status") == [
            "There is no circle in this chat: start one with /circle_start [exchange]."
        ]


async def test_anonymous_admin_posting_as_the_group_may_steer(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        sent = await bot.act(lambda: api.anonymous_admin_message(GROUP, "/circle_start"))
        assert f"{POINTS} points" in sent[0]


async def test_organizer_ids_from_config_may_steer_without_being_admin(api, tmp_path):
    async with running_bot(api, tmp_path, organizer_ids=frozenset({ALICE})) as bot:
        (reply,) = await bot.command("/circle_start", user=ALICE)
        assert f"{POINTS} points" in reply


async def test_commands_work_with_the_bot_username_suffix(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        (reply,) = await bot.command("/circle_start@circle_test_bot")
        assert f"{POINTS} points" in reply


async def test_a_command_addressed_to_another_bot_is_ignored(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        assert await bot.command("/circle_start@other_bot") == []


async def test_next_before_circle_start_is_refused_in_plain_words(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        (reply,) = await bot.command("/next")
    # Sent as HTML, so the escaped refusal reads as written ("&lt;" would show otherwise).
    assert reply == "There is no circle in this chat: start one with /circle_start [exchange]."
    assert api.calls_to("sendMessage")[-1].params["parse_mode"] == "HTML"


async def test_editing_an_old_command_does_not_run_it_again(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        await bot.command("/circle_start")
        command = api.send_text(GROUP, ADMIN, "/next")
        await bot.settle()
        posted = len(bot.texts())
        assert await bot.act(lambda: api.edit_text(GROUP, command["message_id"], "/next ")) == []
        assert len(bot.texts()) == posted


NO_ARGUMENT = {"/next", "/pause", "/resume", "/skip", "/circle_stop", "/status"}


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/goto", "Usage: /goto N with a point number, for example /goto 3."),
        ("/goto three", "Usage: /goto N with a point number, for example /goto 3."),
        ("/goto 99", f"There are {POINTS} points: choose 1–{POINTS}."),
        ("/goto 0", f"There are {POINTS} points: choose 1–{POINTS}."),
        ("/circle_start a b", "Usage: /circle_start [exchange], for example /circle_start"),
        ("/circle_start nope", f"Unknown exchange 'nope'. Known exchanges: {TINY.id}."),
        ("/restart a b", f"Usage: /restart [exchange], for example /restart or /restart {TINY.id}"),
        ("/goto ²", "Usage: /goto N with a point number"),
        ("/skip 3", "/skip takes no argument; to jump to a point use /goto 3."),
        ("/next 3", "/next takes no argument."),
        ("/pause 1h", "/pause takes no argument."),
        ("/resume now", "/resume takes no argument."),
        ("/circle_stop please", "/circle_stop takes no argument."),
        ("/status 2", "/status takes no argument."),
    ],
)
async def test_wrong_arguments_get_one_line_saying_what_is_accepted(
    api, tmp_path, command, expected
):
    async with running_bot(api, tmp_path) as bot:
        if not command.startswith("/circle_start"):
            await bot.command("/circle_start")
        (reply,) = await bot.command(command)
        assert reply.startswith(expected)
        assert "\n" not in reply
        if command.split()[0] in NO_ARGUMENT:  # refused: nothing was done
            assert not any(text.startswith("Point ") for text in bot.texts())
            assert "State: running (point not posted yet)" in (await bot.command("/status"))[0]


async def test_pause_resume_skip_goto_stop_and_restart(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        await bot.command("/circle_start")
        assert "already running" in (await bot.command("/circle_start"))[0]
        assert await bot.command("/resume") == ["The circle is not paused."]
        assert "Paused" in (await bot.command("/pause"))[0]
        assert "paused" in (await bot.command("/next"))[0]
        assert "/resume, then /next posts it" in (await bot.command("/goto 1"))[0]
        assert "Resumed" in (await bot.command("/resume"))[0]
        assert "Point 2 is next" in (await bot.command("/skip"))[0]
        assert headings(await bot.command("/next")) == point_headings(2)
        assert "Point 3 is now current" in (await bot.command("/goto 3"))[0]
        assert headings(await bot.command("/next")) == point_headings(3)
        assert "stopped" in (await bot.confirmed("/circle_stop"))[0]
        assert "Run 2 begins at point 1" in (await bot.confirmed("/restart"))[0]
        assert headings(await bot.command("/next")) == point_headings(1)


async def test_status_shows_point_state_and_who_answered(api, tmp_path):
    api.private_chat(ADMIN)  # names go only privately
    async with running_bot(api, tmp_path) as bot:
        await bot.command("/circle_start")
        sent_before = len(api.sent_messages(GROUP))
        await bot.command("/next")
        prompt = api.sent_messages(GROUP)[sent_before + 2]
        await bot.act(
            lambda: api.send_text(GROUP, ALICE, "I agree.", reply_to=prompt["message_id"])
        )
        (status,) = await bot.command("/status")
    assert TINY.title in status
    assert f"{point_headings(1)[0]}: {TINY.points[0].title}" in status
    assert "State: running" in status
    assert "Next scheduled post:" in status
    assert "Answers on this point: 1" in status
    assert "Answered: Alice" in status


async def test_commands_are_published_per_scope(api, tmp_path):
    async with running_bot(api, tmp_path):
        members = {c["command"] for c in api.commands({"type": "all_group_chats"})}
        admins = {c["command"] for c in api.commands({"type": "all_chat_administrators"})}
    assert {"help", "points", "mine", "forgetme"} <= members
    assert "next" not in members
    assert {"circle_start", "next", "pause", "status", "help"} <= admins


async def test_in_a_forum_the_circle_posts_into_the_topic_where_it_started(forum_api, tmp_path):
    api = forum_api
    topic = api.create_topic(GROUP, "Reading circle", user_id=ADMIN)
    async with running_bot(api, tmp_path) as bot:
        await bot.command("/circle_start", thread_id=topic)
        await bot.command("/next", thread_id=topic)
    posts = api.sent_messages(GROUP)
    assert len(posts) == 1 + len(render_point(TINY, 0))  # the start's reply, then point 1
    assert {message.get("message_thread_id") for message in posts} == {topic}


async def test_an_unexpected_error_is_logged_and_the_user_gets_a_short_apology(
    api, tmp_path, caplog, monkeypatch
):
    async with running_bot(api, tmp_path) as bot:
        await bot.command("/circle_start")

        def broken(*args, **kwargs):
            raise RuntimeError("disk on fire")

        monkeypatch.setattr(reads, "status", broken)
        (reply,) = await bot.command("/status")
    assert reply == "Sorry, something went wrong on my side; please try again in a minute."
    assert any("unhandled error" in record.message for record in caplog.records)


def test_every_send_goes_through_a_rate_limiter_set_to_telegrams_limits(api, tmp_path):
    app = build_application(make_config(api, tmp_path))
    limits = app.bot.rate_limiter.limits
    assert (limits.overall, limits.second) == (30, 1)
    assert (limits.group, limits.minute) == (20, 60)
    assert limits.max_retries >= 1
