"""Tests for bot.fakebotapi, driven through a real python-telegram-bot ``Bot``."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    ChatMemberAdministrator,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyParameters,
    Update,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import ApplicationBuilder, CommandHandler

from bot.fakebotapi import GROUP_ANONYMOUS_BOT_ID, FakeBotAPI
from tests.bot_harness import serving

TOKEN = "123:TEST"
ADA, BOB, CAROL = 42, 43, 44
GROUP, FORUM = -1001, -1002


@pytest.fixture
def api():
    with serving(FakeBotAPI(bot_token=TOKEN, bot_username="circle_test_bot")) as fake:
        fake.user(ADA, "Ada", username="ada")
        fake.user(BOB, "Bob")
        fake.user(CAROL, "Carol")
        fake.private_chat(ADA)
        fake.group(GROUP, "Circle", admins=[BOB], creator=ADA, members=[CAROL])
        fake.group(FORUM, "Forum", forum=True, admins=[BOB], creator=ADA)
        yield fake
        assert fake.internal_errors == []


@pytest.fixture
async def bot(api):
    async with Bot(TOKEN, base_url=api.base_url, base_file_url=api.base_file_url) as b:
        yield b


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d) for d in data]])


def seconds(value: int | dtm.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dtm.timedelta) else value


# -- basics ----------------------------------------------------------------------------------
async def test_get_me_and_addresses(api, bot):
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123, "circle_test_bot", True)
    assert api.base_url.startswith("http://127.0.0.1:") and api.base_url.endswith("/bot")
    assert api.calls_to("getMe")[0].status == "ok"
    method, params, at = api.calls[0]
    assert method == "getMe" and params == {} and at <= time.time()


async def test_wrong_token_and_unknown_method(api, bot):
    with pytest.raises(InvalidToken):
        await Bot("999:WRONG", base_url=api.base_url).get_me()
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("noSuchMethod")


async def test_send_message_html_reply_markup(api, bot):
    incoming = api.send_text(ADA, ADA, "hello bot")
    msg = await bot.send_message(
        ADA,
        "<b>Point 1</b> &amp; <i>more</i> 🙂",
        parse_mode="HTML",
        reply_parameters=ReplyParameters(incoming["message_id"]),
        reply_markup=keyboard("next"),
    )
    assert msg.text == "Point 1 & more 🙂"
    assert [(e.type, e.offset, e.length) for e in msg.entities] == [
        ("bold", 0, 7),
        ("italic", 10, 4),
    ]
    assert msg.reply_to_message.text == "hello bot"
    assert msg.from_user.id == 123 and msg.chat.type == "private"
    assert msg.reply_markup.inline_keyboard[0][0].callback_data == "next"
    stored = api.sent_messages(ADA)
    assert [m["message_id"] for m in stored] == [msg.message_id]
    assert msg.message_id == incoming["message_id"] + 1
    params = api.calls_to("sendMessage")[0].params
    assert params["chat_id"] == ADA and params["reply_parameters"]["message_id"] == 1


async def test_html_errors_and_limits(api, bot):
    with pytest.raises(BadRequest, match=r"(?i)Unsupported start tag"):
        await bot.send_message(ADA, "a <foo>b</foo>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(ADA, "1 < 2", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)Can't find end tag"):
        await bot.send_message(ADA, "<b>open", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(ADA, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(ADA, "x", reply_parameters=ReplyParameters(999))
    assert api.sent_messages() == []


async def test_forum_threads_and_replies(api, bot):
    topic = api.create_topic(FORUM, "Session 1", user_id=ADA)
    question = api.send_text(FORUM, BOB, "question?", thread_id=topic)
    assert question["message_thread_id"] == topic and question["is_topic_message"]
    answer = await bot.send_message(
        FORUM,
        "answer",
        message_thread_id=topic,
        reply_parameters=ReplyParameters(question["message_id"]),
    )
    assert answer.message_thread_id == topic and answer.is_topic_message
    assert answer.reply_to_message.message_id == question["message_id"]
    # A user's reply inherits the thread of the message it replies to.
    reply = api.send_text(FORUM, CAROL, "me too", reply_to=answer.message_id)
    assert reply["message_thread_id"] == topic
    assert reply["reply_to_message"]["text"] == "answer"
    assert "reply_to_message" not in reply["reply_to_message"]
    with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
        await bot.send_message(FORUM, "x", message_thread_id=9999)


async def test_chat_errors(api, bot):
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(-5555, "x")
    with pytest.raises(Forbidden, match=r"(?i)can't initiate conversation"):
        await bot.send_message(BOB, "x")
    api.user_blocked_bot(ADA)
    with pytest.raises(Forbidden, match=r"(?i)blocked by the user"):
        await bot.send_message(ADA, "x")
    api.send_text(ADA, ADA, "/start")  # writing to the bot again unblocks it
    await bot.send_message(ADA, "welcome back")
    api.set_member(GROUP, 123, "kicked")
    with pytest.raises(Forbidden, match=r"(?i)kicked"):
        await bot.send_message(GROUP, "x")


# -- updates -----------------------------------------------------------------------------
async def test_get_updates_offset_semantics(api, bot):
    first = api.send_text(GROUP, CAROL, "/start@circle_test_bot now")
    assert first["entities"] == [{"type": "bot_command", "offset": 0, "length": 22}]
    api.send_text(GROUP, BOB, "plain")
    updates = await bot.get_updates()
    assert [u.message.text for u in updates] == ["/start@circle_test_bot now", "plain"]
    assert updates[0].message.entities[0].type == "bot_command"
    again = await bot.get_updates()  # not confirmed yet: delivered again
    assert [u.update_id for u in again] == [u.update_id for u in updates]
    assert await bot.get_updates(offset=updates[-1].update_id + 1) == ()
    assert api.pending_updates() == []
    for i in range(3):
        api.send_text(GROUP, BOB, f"m{i}")
    assert [u.message.text for u in await bot.get_updates(limit=2)] == ["m0", "m1"]
    assert [u.message.text for u in await bot.get_updates(offset=-1)] == ["m2"]


async def test_a_long_queue_is_served_a_hundred_at_a_time_and_confirmed_from_the_front(api, bot):
    for i in range(250):
        api.send_text(GROUP, BOB, f"m{i}")
    seen, offset = [], 0
    while batch := await bot.get_updates(offset=offset):
        assert len(batch) <= 100
        seen += [u.message.text for u in batch]
        offset = batch[-1].update_id + 1
    assert seen == [f"m{i}" for i in range(250)]  # each once, in order
    assert api.pending_updates() == []


async def test_long_poll_wakes_and_times_out(api, bot):
    started = time.monotonic()
    assert await bot.get_updates(timeout=dtm.timedelta(milliseconds=200)) == ()
    assert 0.15 < time.monotonic() - started < 2

    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await api.await_for(lambda: len(api.calls_to("getUpdates")) == 2)
    await asyncio.sleep(0.05)  # let the server enter its wait
    started = time.monotonic()
    api.send_text(ADA, ADA, "wake up")
    updates = await poll
    assert time.monotonic() - started < 1
    assert updates[0].message.text == "wake up"


async def test_second_poller_conflicts_first(api, bot):
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await api.await_for(lambda: len(api.calls_to("getUpdates")) == 1)
    await asyncio.sleep(0.05)
    async with Bot(TOKEN, base_url=api.base_url) as other:  # e.g. a second bot instance
        assert await other.get_updates(timeout=dtm.timedelta(milliseconds=100)) == ()
    with pytest.raises(Conflict, match=r"(?i)terminated by other getUpdates"):
        await first


async def test_stop_unblocks_long_poll(api, bot):
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await api.await_for(lambda: len(api.calls_to("getUpdates")) == 1)
    started = time.monotonic()
    await asyncio.to_thread(api.stop)
    try:  # the poll either gets an empty result or sees the connection closed
        result = await poll
    except NetworkError:
        result = None
    assert result in (None, ())
    assert time.monotonic() - started < 2


async def test_user_actions_become_ptb_updates(api, bot):
    api.send_media(GROUP, CAROL, "voice")
    api.send_media(GROUP, CAROL, "photo", caption="look")
    api.send_media(GROUP, CAROL, "document")
    original = api.send_text(GROUP, CAROL, "typo")
    api.edit_text(GROUP, original["message_id"], "fixed")
    api.anonymous_admin_message(GROUP, "/pause", reply_to=original["message_id"])
    updates = [Update.de_json(u, bot) for u in api.pending_updates()]
    voice, photo, document, _, edited, anon = updates
    assert voice.message.voice.file_id and photo.message.photo[-1].width == 800
    assert photo.message.caption == "look" and document.message.document.file_name
    assert edited.edited_message.text == "fixed" and edited.edited_message.edit_date
    assert anon.message.from_user.id == GROUP_ANONYMOUS_BOT_ID
    assert anon.message.sender_chat.id == GROUP
    assert anon.message.reply_to_message.text == "fixed"  # replies show the current text
    assert anon.message.entities[0].type == "bot_command"


async def test_buttons_edits_and_callback_answers(api, bot):
    sent = await bot.send_message(GROUP, "Ready?", reply_markup=keyboard("yes", "no"))
    update = api.press_button(GROUP, CAROL, sent.message_id, "yes")
    query = Update.de_json(update, bot).callback_query
    assert query.data == "yes" and query.message.message_id == sent.message_id
    assert await bot.answer_callback_query(query.id, text="Noted")
    assert api.callback_answer(query.id) == {"text": "Noted"}
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query.id)
    with pytest.raises(ValueError):
        api.press_button(GROUP, CAROL, sent.message_id, "maybe")

    edited = await bot.edit_message_text("Ready!", GROUP, sent.message_id)
    assert edited.text == "Ready!" and edited.reply_markup is None and edited.edit_date
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("Ready!", GROUP, sent.message_id)
    await bot.edit_message_reply_markup(GROUP, sent.message_id, reply_markup=keyboard("go"))
    assert api.sent_messages(GROUP)[0]["reply_markup"]["inline_keyboard"][0][0]["text"] == "go"
    assert await bot.delete_message(GROUP, sent.message_id)
    assert api.is_deleted(GROUP, sent.message_id)
    assert api.sent_messages(GROUP, include_deleted=False) == []
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(GROUP, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(GROUP, "x", reply_markup=keyboard("x" * 65))


async def test_polls(api, bot):
    msg = await bot.send_poll(GROUP, "Next topic?", ["A", "B", "C"], is_anonymous=False)
    api.answer_poll(msg.poll.id, BOB, [2])
    update = api.answer_poll(msg.poll.id, CAROL, [2])
    answer = Update.de_json(update, bot).poll_answer
    assert answer.poll_id == msg.poll.id and answer.option_ids == (2,)
    assert answer.user.id == CAROL
    stopped = await bot.stop_poll(GROUP, msg.message_id)
    assert stopped.is_closed and stopped.total_voter_count == 2
    assert [o.voter_count for o in stopped.options] == [0, 0, 2]
    with pytest.raises(BadRequest, match=r"(?i)already been closed"):
        await bot.stop_poll(GROUP, msg.message_id)
    with pytest.raises(BadRequest, match=r"(?i)at least 2"):
        await bot.send_poll(GROUP, "?", ["only"])


async def test_an_anonymous_poll_counts_votes_and_tells_the_bot_with_a_poll_update(api, bot):
    msg = await bot.send_poll(GROUP, "Next topic?", ["A", "B"])
    assert msg.poll.is_anonymous
    api.answer_poll(msg.poll.id, BOB, [1])
    update = Update.de_json(api.answer_poll(msg.poll.id, CAROL, [1]), bot)
    assert update.poll_answer is None  # who voted is never sent for an anonymous poll
    assert update.poll.id == msg.poll.id and update.poll.total_voter_count == 2
    assert [o.voter_count for o in update.poll.options] == [0, 2]
    stopped = await bot.stop_poll(GROUP, msg.message_id)
    assert stopped.is_closed and stopped.total_voter_count == 2
    with pytest.raises(ValueError, match="closed"):
        api.answer_poll(msg.poll.id, BOB, [0])


async def test_commands_members_reactions(api, bot):
    scope = BotCommandScopeChat(GROUP)
    await bot.set_my_commands([BotCommand("start", "Start a circle")])
    await bot.set_my_commands([BotCommand("next", "Next point")], scope=scope)
    await bot.set_my_commands([BotCommand("start", "Starten")], language_code="de")
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    assert [c.command for c in await bot.get_my_commands(scope=scope)] == ["next"]
    assert (await bot.get_my_commands(language_code="de"))[0].description == "Starten"
    assert api.commands({"type": "chat", "chat_id": GROUP})[0]["command"] == "next"
    assert await bot.delete_my_commands(scope=scope)
    assert await bot.get_my_commands(scope=scope) == ()
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Bad-Name", "x")])

    admins = await bot.get_chat_administrators(GROUP)
    assert [type(a) for a in admins] == [ChatMemberOwner, *[ChatMemberAdministrator] * 2]
    assert [a.user.id for a in admins] == [ADA, BOB, 123]
    assert isinstance(await bot.get_chat_member(GROUP, CAROL), ChatMemberMember)
    api.set_member(GROUP, CAROL, "left")
    assert isinstance(await bot.get_chat_member(GROUP, CAROL), ChatMemberLeft)
    chat = await bot.get_chat(FORUM)
    assert chat.is_forum and chat.title == "Forum"

    note = api.send_text(GROUP, BOB, "nice point")
    assert await bot.set_message_reaction(GROUP, note["message_id"], "👍")
    assert api.reactions(GROUP, note["message_id"]) == [{"type": "emoji", "emoji": "👍"}]
    assert await bot.send_chat_action(GROUP, "typing")


# -- fault injection -----------------------------------------------------------------------
async def test_injected_errors_map_to_ptb_exceptions(api, bot, monkeypatch):
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # retry_after as timedelta, no deprecation warning
    api.fail_next("sendMessage", 429, retry_after=7)
    with pytest.raises(RetryAfter) as err:
        await bot.send_message(ADA, "x")
    assert seconds(err.value.retry_after) == 7
    await bot.send_message(ADA, "second try works")

    api.fail_next("sendMessage", 403)
    with pytest.raises(Forbidden):
        await bot.send_message(ADA, "x")
    api.fail_next("*", 400, "Bad Request: custom", times=2)
    for _ in range(2):
        with pytest.raises(BadRequest, match=r"(?i)custom"):
            await bot.get_me()
    api.fail_next("sendMessage", migrate_to=-100777, chat_id=GROUP)
    await bot.send_message(ADA, "other chats unaffected")
    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(GROUP, "x")
    assert migrated.value.new_chat_id == -100777
    assert [c.status for c in api.calls_to("sendMessage")] == [
        "error",
        "ok",
        "error",
        "ok",
        "error",
    ]
    assert [m["text"] for m in api.sent_messages()] == [
        "second try works",
        "other chats unaffected",
    ]


async def test_migrate_chat(api, bot):
    api.group(-77, "Old group", chat_type="group", creator=ADA)
    new_chat = api.migrate_chat(-77, -100077)
    assert new_chat["type"] == "supergroup"
    with pytest.raises(ChatMigrated) as err:
        await bot.send_message(-77, "hello?")
    assert err.value.new_chat_id == -100077
    msg = await bot.send_message(-100077, "hello!")
    assert msg.chat.id == -100077
    service = [u["message"] for u in api.pending_updates()]
    assert service[0]["migrate_to_chat_id"] == -100077
    assert service[1]["migrate_from_chat_id"] == -77


async def test_dropped_connections(api, bot):
    api.drop_next("sendMessage")
    with pytest.raises(NetworkError):
        await bot.send_message(ADA, "lost before processing")
    assert api.sent_messages() == []

    api.drop_next("sendMessage", after_processing=True)
    with pytest.raises(NetworkError):
        await bot.send_message(ADA, "delivered but unacknowledged")
    assert [m["text"] for m in api.sent_messages(ADA)] == ["delivered but unacknowledged"]
    assert api.calls_to("sendMessage")[-1].status == "dropped"
    msg = await bot.send_message(ADA, "connection is usable again")
    assert msg.message_id == 2


async def test_delayed_reply_times_out(api):
    api.delay_next("sendMessage", 0.5)
    async with Bot(TOKEN, base_url=api.base_url) as slow:
        with pytest.raises(TimedOut):
            await slow.send_message(ADA, "slow", read_timeout=0.1)
    assert [m["text"] for m in api.sent_messages()] == ["slow"]


async def test_latency_and_waiting_helpers(api, bot):
    api.latency = 0.05
    task = asyncio.create_task(bot.send_message(ADA, "a"))
    calls = await api.await_calls("sendMessage", 1, timeout=2)
    assert calls[0].params["text"] == "a" and calls[0].status == "ok"
    await task
    await asyncio.to_thread(api.wait_for_calls, "sendMessage", 1, 1)
    with pytest.raises(TimeoutError, match=r"(?i)saw 1"):
        await api.await_calls("sendMessage", 2, timeout=0.1)
    api.clear_calls()
    assert api.calls == []


# -- raw HTTP & integration ----------------------------------------------------------------
def _raw(url: str, data: bytes | None = None, ctype: str = "application/json") -> dict:
    request = urllib.request.Request(url, data=data, headers={"Content-Type": ctype})
    try:
        with urllib.request.urlopen(request, timeout=5) as resp:
            return json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return json.loads(err.read())


def test_raw_json_get_and_error_shapes(api):
    base = f"{api.base_url}{TOKEN}"
    body = json.dumps(
        {"chat_id": ADA, "text": "json body", "reply_markup": {"inline_keyboard": []}}
    )
    assert _raw(f"{base}/sendMessage", body.encode())["result"]["text"] == "json body"
    assert _raw(f"{base}/sendmessage?chat_id={ADA}&text=query")["result"]["text"] == "query"
    assert api.calls_to("sendMessage")[-1].method == "sendMessage"
    assert _raw(f"{api.base_url}1:X/getMe") == {
        "ok": False,
        "error_code": 401,
        "description": "Unauthorized",
    }
    assert _raw(f"{base}/nope") == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found: method not found",
    }
    assert _raw(f"{base}/sendMessage?chat_id=-9&text=x")["description"] == (
        "Bad Request: chat not found"
    )


async def test_application_polling_round_trip(api):
    async def start(update, context):
        await update.effective_message.reply_text(f"hi {update.effective_user.first_name}")

    app = ApplicationBuilder().token(TOKEN).base_url(api.base_url).build()
    app.add_handler(CommandHandler("start", start))
    async with app:
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await app.start()
        api.send_text(ADA, ADA, "/start")
        calls = await api.await_calls("sendMessage", 1)
        await app.updater.stop()
        await app.stop()
    assert calls[0].params["text"] == "hi Ada"
    assert [m["text"] for m in api.sent_messages(ADA)] == ["hi Ada"]


def test_module_entry_point_prints_base_url():
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.fakebotapi", "--token", "7:X"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith("base_url=http://127.0.0.1:")
        me = _raw(line.removeprefix("base_url=") + "7:X/getMe")
        assert me["ok"] and me["result"]["id"] == 7
    finally:
        proc.terminate()
        proc.wait(timeout=5)
