"""End to end: members answering, /help, /points, /mine and /forgetme."""

from tests.bot_harness import ADMIN, ALICE, BOB, GROUP, TINY, running_bot

# The first point of the test exchange with a poll (tests/content/tiny.toml).
POLL_POINT = next(n for n, point in enumerate(TINY.points, start=1) if point.poll)


async def start_and_post(bot) -> list[dict]:
    """Start the circle, post point 1, return its three messages."""
    await bot.command("/circle_start")
    before = len(bot.api.sent_messages(GROUP))
    await bot.command("/next")
    return bot.api.sent_messages(GROUP)[before:]


async def test_replies_to_any_message_of_a_point_are_kept_and_acknowledged(api, tmp_path):
    api.private_chat(ADMIN)  # /status names members only privately
    async with running_bot(api, tmp_path) as bot:
        letter, _, prompt = await start_and_post(bot)
        sent = await bot.act(
            lambda: api.send_text(GROUP, ALICE, "On the letter.", reply_to=letter["message_id"])
        )
        assert sent == []  # no message per answer: the group is not flooded
        bob = api.send_text(GROUP, BOB, "On the prompt.", reply_to=prompt["message_id"])
        await bot.settle()
        assert api.reactions(GROUP, bob["message_id"])
        (status,) = await bot.command("/status")
    assert "Answers on this point: 2" in status
    assert "Alice" in status and "Bob" in status


async def test_chatter_that_replies_to_no_bot_message_is_not_an_answer(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        await start_and_post(bot)
        chat = api.send_text(GROUP, ALICE, "Hello all")
        await bot.act(lambda: api.send_text(GROUP, BOB, "Hi Alice", reply_to=chat["message_id"]))
        (status,) = await bot.command("/status")
    assert "Answers on this point: 0" in status


async def test_media_answers_keep_their_kind_and_caption(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        _, _, prompt = await start_and_post(bot)
        for kind in ("voice", "photo", "document"):
            api.send_media(GROUP, ALICE, kind, caption=f"my {kind}", reply_to=prompt["message_id"])
        await bot.settle()
        api.private_chat(ALICE)
        await bot.command("/mine", user=ALICE)
    (private,) = [m["text"] for m in api.sent_messages(ALICE)]
    assert "[voice] my voice" in private
    assert "[photo] my photo" in private
    assert "[document] my document" in private


async def test_an_edited_answer_is_updated(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        _, _, prompt = await start_and_post(bot)
        mine = api.send_text(GROUP, ALICE, "First thought", reply_to=prompt["message_id"])
        await bot.settle()
        await bot.act(lambda: api.edit_text(GROUP, mine["message_id"], "Second thought"))
        api.private_chat(ALICE)
        await bot.command("/mine", user=ALICE)
    (private,) = [m["text"] for m in api.sent_messages(ALICE)]
    assert "Second thought" in private
    assert "First thought" not in private
    assert "(edited)" in private


async def test_an_answer_to_an_older_point_counts_for_that_point(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        letter, _, _ = await start_and_post(bot)
        await bot.command("/next")
        await bot.act(
            lambda: api.send_text(GROUP, ALICE, "Late on point 1", reply_to=letter["message_id"])
        )
        api.private_chat(ALICE)
        await bot.command("/mine", user=ALICE)
        (status,) = await bot.command("/status")
    (private,) = [m["text"] for m in api.sent_messages(ALICE)]
    assert f"Point 1: {TINY.points[0].title}" in private
    assert "Answers on this point: 0" in status


async def test_help_explains_how_to_answer(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        (text,) = await bot.command("/help", user=BOB)
    assert "reply to any of my messages" in text.lower()
    assert "/forgetme" in text


async def test_points_marks_discussed_and_current(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        await start_and_post(bot)
        await bot.command("/next")
        (text,) = await bot.command("/points", user=BOB)
    lines = text.splitlines()
    assert lines[0] == "Points"
    assert lines[1].startswith(f"✓ 1. {TINY.points[0].title}")
    assert lines[2].startswith(f"▶ 2. {TINY.points[1].title}")
    assert lines[3].startswith(f"· 3. {TINY.points[2].title}")
    assert len(lines) == 1 + len(TINY.points)


async def test_mine_goes_privately_and_never_to_the_group(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        _, _, prompt = await start_and_post(bot)
        await bot.act(
            lambda: api.send_text(GROUP, ALICE, "My private view", reply_to=prompt["message_id"])
        )
        api.private_chat(ALICE)
        (group_reply,) = [t for t in await bot.command("/mine", user=ALICE) if "privately" in t]
    assert "sent your answers to you privately" in group_reply
    assert not any("My private view" in text for text in bot.texts(GROUP))
    assert "My private view" in api.sent_messages(ALICE)[0]["text"]


async def test_mine_shows_times_in_the_circles_zone_and_keeps_an_answers_lines(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:  # the circle is in Europe/Berlin
        _, _, prompt = await start_and_post(bot)
        answer = "First line.\nSecond line.\n\nA new paragraph."
        await bot.act(lambda: api.send_text(GROUP, ALICE, answer, reply_to=prompt["message_id"]))
        api.private_chat(ALICE)
        await bot.command("/mine", user=ALICE)
    text = api.sent_messages(ALICE)[0]["text"]
    assert "2026-12-01 18:00 CET" in text  # 17:00 UTC
    assert answer in text


async def test_mine_without_a_private_chat_says_how_to_open_one(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        await start_and_post(bot)
        (reply,) = await bot.command("/mine", user=BOB)
    assert "open a private chat with me and press Start" in reply
    markup = api.sent_messages(GROUP)[-1]["reply_markup"]
    assert (
        markup["inline_keyboard"][0][0]["url"] == f"https://t.me/circle_test_bot?start=mine-{GROUP}"
    )


async def test_forgetme_deletes_only_after_the_member_confirms(api, tmp_path):
    api.private_chat(ADMIN)  # /status names members only privately
    async with running_bot(api, tmp_path) as bot:
        _, _, prompt = await start_and_post(bot)
        await bot.act(
            lambda: api.send_text(GROUP, ALICE, "Delete me", reply_to=prompt["message_id"])
        )
        await bot.act(lambda: api.send_text(GROUP, BOB, "Keep me", reply_to=prompt["message_id"]))
        (question,) = await bot.command("/forgetme", user=ALICE)
        assert "cannot be undone" in question
        ask = api.sent_messages(GROUP)[-1]
        # Bob cannot press Alice's button.
        await bot.act(lambda: api.press_button(GROUP, BOB, ask["message_id"], f"forget:{ALICE}"))
        assert "Answers on this point: 2" in (await bot.command("/status"))[0]
        await bot.act(lambda: api.press_button(GROUP, ALICE, ask["message_id"], f"forget:{ALICE}"))
        assert "deleted 1 answer" in api.message(GROUP, ask["message_id"])["text"]
        (status,) = await bot.command("/status")
        kept = [
            row["payload"] for row in bot.app.bot_data.store.all("SELECT payload FROM update_inbox")
        ]
    assert "Answers on this point: 1" in status
    assert "Alice" not in status.split("Answered:")[1].split("\n")[0]
    # The inbox's handled copies of her messages went too (the button press itself is
    # marked handled only after it ran); Bob's stay until purged.
    assert not any("Delete me" in payload for payload in kept)
    assert any("Keep me" in payload for payload in kept)


async def test_forgetme_cancel_deletes_nothing(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        _, _, prompt = await start_and_post(bot)
        await bot.act(lambda: api.send_text(GROUP, ALICE, "Stay", reply_to=prompt["message_id"]))
        await bot.command("/forgetme", user=ALICE)
        ask = api.sent_messages(GROUP)[-1]
        await bot.act(lambda: api.press_button(GROUP, ALICE, ask["message_id"], f"keep:{ALICE}"))
        assert api.message(GROUP, ask["message_id"])["text"] == "Nothing was deleted."
        assert "Answers on this point: 1" in (await bot.command("/status"))[0]


async def test_private_start_greets_and_points_to_the_group(api, tmp_path):
    api.private_chat(ADMIN)
    async with running_bot(api, tmp_path) as bot:
        await bot.act(lambda: api.send_text(ADMIN, ADMIN, "/start"))
    assert "/mine there sends your answers here" in api.sent_messages(ADMIN)[0]["text"]


async def test_the_export_deep_link_greeting_says_what_to_do_next(api, tmp_path):
    api.private_chat(ADMIN)
    async with running_bot(api, tmp_path) as bot:
        await bot.act(lambda: api.send_text(ADMIN, ADMIN, "/start export"))
    assert "send /export in your group again" in api.sent_messages(ADMIN)[0]["text"]


async def test_mine_sends_a_long_answer_whole_over_several_messages(api, tmp_path):
    long_answer = " ".join(f"Sentence {n} says <this> & that." for n in range(400))
    async with running_bot(api, tmp_path) as bot:
        _, _, prompt = await start_and_post(bot)
        await bot.act(
            lambda: api.send_text(GROUP, ALICE, long_answer, reply_to=prompt["message_id"])
        )
        api.private_chat(ALICE)
        await bot.command("/mine", user=ALICE)
    private = [m["text"] for m in api.sent_messages(ALICE)]
    assert len(private) >= 3
    assert all(len(text) <= 4096 for text in private)
    for n in range(400):
        assert any(f"Sentence {n} says <this> & that." in text for text in private), n


async def test_anonymous_admins_are_asked_to_use_their_own_account_for_personal_data(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        await start_and_post(bot)
        for command in ("/mine", "/forgetme"):
            (reply,) = await bot.act(lambda c=command: api.anonymous_admin_message(GROUP, c))
            assert reply.startswith("You are posting anonymously")


async def test_a_reply_to_the_poll_counts_as_an_answer(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        await bot.command("/circle_start")
        await bot.command(f"/goto {POLL_POINT}")
        before = len(api.sent_messages(GROUP))
        await bot.command("/next")
        poll = next(m for m in api.sent_messages(GROUP)[before:] if "poll" in m)
        await bot.act(
            lambda: api.send_text(GROUP, ALICE, "Undecided, because…", reply_to=poll["message_id"])
        )
        (status,) = await bot.command("/status")
    assert "Answers on this point: 1" in status


async def test_polls_are_anonymous_so_no_member_sees_another_members_vote(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        await bot.command("/circle_start")
        await bot.command(f"/goto {POLL_POINT}")
        await bot.command("/next")
    (call,) = api.calls_to("sendPoll")
    assert call.params["is_anonymous"] is True


async def test_circle_start_and_help_name_the_source_and_further_reading(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        (started,) = await bot.command("/circle_start")
        (help_text,) = await bot.command("/help", user=ALICE)
    for text in (started, help_text):
        assert "Source: https://example.org/tiny-exchange" in text
        assert "Further reading:\n• https://example.org/background?a=1&b=2" in text


async def test_replies_to_the_bots_own_command_answers_are_not_answers(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        await start_and_post(bot)
        await bot.command("/status")
        status_message = api.sent_messages(GROUP)[-1]
        await bot.act(
            lambda: api.send_text(GROUP, ALICE, "thanks", reply_to=status_message["message_id"])
        )
        (status,) = await bot.command("/status")
    assert "Answers on this point: 0" in status


async def test_a_command_sent_as_a_reply_to_a_point_is_not_an_answer(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        _, _, prompt = await start_and_post(bot)
        await bot.act(lambda: api.send_text(GROUP, ALICE, "/points", reply_to=prompt["message_id"]))
        (status,) = await bot.command("/status")
    assert "Answers on this point: 0" in status


async def test_a_forged_forget_button_deletes_only_the_pressers_own_answers(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        _, _, prompt = await start_and_post(bot)
        await bot.act(lambda: api.send_text(GROUP, ALICE, "Alice's", reply_to=prompt["message_id"]))
        await bot.command("/forgetme", user=BOB)
        ask = api.sent_messages(GROUP)[-1]
        # Bob presses a button carrying Alice's id: refused, nothing deleted.
        await bot.act(
            lambda: api.press_button(GROUP, BOB, ask["message_id"], f"forget:{ALICE}", strict=False)
        )
        (status,) = await bot.command("/status")
    assert "Answers on this point: 1" in status


async def test_status_names_members_who_spoke_but_have_not_answered(api, tmp_path):
    api.private_chat(ADMIN)  # /status names members only privately
    async with running_bot(api, tmp_path) as bot:
        await start_and_post(bot)
        await bot.command("/points", user=BOB)
        (status,) = await bot.command("/status")
    assert "Not yet: " in status
    assert "Bob" in status.split("Not yet: ")[1]


async def test_a_group_command_in_a_private_chat_says_where_it_works(api, tmp_path):
    api.private_chat(ALICE)
    async with running_bot(api, tmp_path) as bot:
        await bot.act(lambda: api.send_text(ALICE, ALICE, "/points"))
    assert "works in the group where the circle runs" in api.sent_messages(ALICE)[0]["text"]
