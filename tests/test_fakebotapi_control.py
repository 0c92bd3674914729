"""The fake's HTTP control API (``/_control/``), without a browser: act as people over HTTP,
then check what the bot would get from ``getUpdates`` and what the world holds."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from bot.fakebotapi import FakeBotAPI
from bot.fakebotapi.demo import ADA, ALICE, BOB, DEMO_GROUP, build_demo_world
from tests.fakebotapi_http import bot, control, kinds, request, updates, upload


@pytest.fixture
def api():
    with FakeBotAPI(bot_token="123:TEST", bot_username="circle_test_bot") as fake:
        build_demo_world(fake)
        yield fake
        assert fake.internal_errors == []


def message_view(api, chat_id, message_id):
    views = control(api, f"messages?chat_id={chat_id}")
    return next(v for v in views if v["message_id"] == message_id)


def test_world_lists_people_chats_and_hooks(api):
    world = control(api, "world")
    assert [u["name"] for u in world["users"]] == ["Ada", "Alice", "Bob"]
    (group,) = world["chats"]
    assert group["title"] == "Reading group"
    assert {m["user_id"]: m["status"] for m in group["members"]} == {
        ADA: "creator",
        ALICE: "member",
        BOB: "member",
    }
    assert world["hooks"] == {"clock": False, "agenda": False}
    assert world["bot"]["username"] == "circle_test_bot"
    assert control(api, "users") == world["users"]
    assert control(api, "chats") == world["chats"]


def test_send_a_command_and_a_reply_as_a_member(api):
    command = control(api, "send", {"chat_id": DEMO_GROUP, "user_id": ADA, "text": "/begin 1"})
    posted = bot(api, "sendMessage", chat_id=DEMO_GROUP, text="Point 1")
    answer = control(
        api,
        "send",
        {
            "chat_id": DEMO_GROUP,
            "user_id": ALICE,
            "text": "My answer",
            "reply_to": posted["message_id"],
        },
    )
    got = updates(api)
    assert kinds(got) == ["message", "message"]
    assert got[0]["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert got[0]["message"]["from"]["id"] == ADA
    reply = got[1]["message"]
    assert reply["message_id"] == answer["message_id"] != command["message_id"]
    assert reply["reply_to_message"]["text"] == "Point 1"
    assert reply["from"]["id"] == ALICE
    view = message_view(api, DEMO_GROUP, answer["message_id"])
    assert view["message"]["reply_to_message"]["message_id"] == posted["message_id"]
    assert not view["from_bot"] and message_view(api, DEMO_GROUP, posted["message_id"])["from_bot"]


def test_edit_an_earlier_message(api):
    sent = control(api, "send", {"chat_id": DEMO_GROUP, "user_id": BOB, "text": "first try"})
    updates(api)
    body = {"chat_id": DEMO_GROUP, "message_id": sent["message_id"], "text": "second try"}
    error = control(api, "edit", {**body, "user_id": ALICE}, status=403)
    assert "did not write" in error
    control(api, "edit", {**body, "user_id": BOB})
    (update,) = updates(api)
    assert update["edited_message"]["text"] == "second try"
    assert "edit_date" in update["edited_message"]
    assert message_view(api, DEMO_GROUP, sent["message_id"])["edited"] is True


def test_vote_in_a_poll(api):
    poll = bot(
        api,
        "sendPoll",
        chat_id=DEMO_GROUP,
        question="Next?",
        options=["A", "B"],
        is_anonymous=False,
    )
    where = {"chat_id": DEMO_GROUP, "message_id": poll["message_id"]}
    control(api, "vote", {**where, "user_id": ALICE, "option_ids": [1]})
    control(api, "vote", {"poll_id": poll["poll"]["id"], "user_id": BOB, "option_ids": [1]})
    got = updates(api)
    assert kinds(got) == ["poll_answer", "poll_answer"]
    assert got[0]["poll_answer"]["user"]["id"] == ALICE
    assert got[0]["poll_answer"]["option_ids"] == [1]
    view = message_view(api, DEMO_GROUP, poll["message_id"])
    assert [o["voter_count"] for o in view["message"]["poll"]["options"]] == [0, 2]
    assert view["votes"] == {str(ALICE): [1], str(BOB): [1]}
    control(api, "vote", {**where, "user_id": ALICE, "option_ids": []})  # retract
    assert message_view(api, DEMO_GROUP, poll["message_id"])["votes"] == {str(BOB): [1]}
    assert "out of range" in control(
        api, "vote", {**where, "user_id": BOB, "option_ids": [5]}, status=400
    )


def test_press_an_inline_button_and_see_the_answer_in_the_stream(api):
    keyboard = {"inline_keyboard": [[{"text": "Digest", "callback_data": "digest:1"}]]}
    msg = bot(api, "sendMessage", chat_id=DEMO_GROUP, text="Pick", reply_markup=keyboard)
    seq = control(api, "world")["seq"]
    where = {"chat_id": DEMO_GROUP, "message_id": msg["message_id"], "user_id": BOB}
    assert "no button" in control(api, "press", {**where, "data": "nope"}, status=400)
    update = control(api, "press", {**where, "data": "digest:1"})
    (got,) = updates(api)
    query = got["callback_query"]
    assert query == update["callback_query"]
    assert query["data"] == "digest:1" and query["from"]["id"] == BOB
    bot(api, "answerCallbackQuery", callback_query_id=query["id"], text="Sent you the digest")
    events = control(api, f"events?since={seq}&timeout=5")["events"]
    answers = [e["data"] for e in events if e["type"] == "callback" and e["data"]["answered"]]
    assert answers[-1]["answer"] == {"text": "Sent you the digest"}


def test_add_a_member_and_open_their_private_chat(api):
    carol = control(api, "users", {"first_name": "<i>Carol</i>", "chat_id": DEMO_GROUP})
    assert carol["id"] == BOB + 1 and carol["name"] == "<i>Carol</i>"
    group = control(api, "chats")[0]
    assert {"user_id": carol["id"], "status": "member"} in group["members"]
    control(api, "members", {"chat_id": DEMO_GROUP, "user_id": BOB, "status": "administrator"})
    statuses = {m["user_id"]: m["status"] for m in control(api, "chats")[0]["members"]}
    assert statuses[BOB] == "administrator"
    code, reply = request(
        f"{api.base_url}{api.token}/sendMessage", {"chat_id": carol["id"], "text": "hi"}
    )
    assert code == 403, reply  # she hasn't pressed Start yet
    control(api, "start", {"user_id": carol["id"]})
    (update,) = updates(api)
    assert update["message"]["text"] == "/start"
    assert update["message"]["chat"] == {
        "id": carol["id"],
        "type": "private",
        "first_name": "<i>Carol</i>",
    }
    bot(api, "sendMessage", chat_id=carol["id"], text="Welcome")
    private = next(c for c in control(api, "chats") if c["id"] == carol["id"])
    assert private["started"] is True and private["owner"] == carol["id"]
    texts = [m["message"]["text"] for m in control(api, f"messages?chat_id={carol['id']}")]
    assert texts == ["/start", "Welcome"]


def test_event_stream_long_poll_wakes_on_a_change(api):
    seq = control(api, "world")["seq"]
    assert control(api, f"events?since={seq}&timeout=0") == {"seq": seq, "events": []}
    timer = threading.Timer(
        0.3,
        lambda: bot(api, "sendMessage", chat_id=DEMO_GROUP, text="<b>Hi</b>", parse_mode="HTML"),
    )
    timer.start()
    started = time.monotonic()
    result = control(api, f"events?since={seq}&timeout=10")
    assert time.monotonic() - started < 5
    (event,) = result["events"]
    assert event["type"] == "message" and event["seq"] == result["seq"] == seq + 1
    assert event["data"]["message"]["entities"] == [{"type": "bold", "offset": 0, "length": 2}]
    reset = control(api, "events?since=999999")["events"]
    assert [e["type"] for e in reset] == ["reset"] and reset[0]["data"]["messages"]


def test_server_sent_events(api):
    seq = control(api, "world")["seq"]
    stream = urllib.request.urlopen(f"{api.control_url}/stream?since={seq}", timeout=10)
    try:
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        assert stream.readline() == b"retry: 1000\n"
        control(api, "send", {"chat_id": DEMO_GROUP, "user_id": ALICE, "text": "live"})
        lines = [stream.readline() for _ in range(4)]
    finally:
        stream.close()
    assert lines[1] == f"id: {seq + 1}\n".encode()
    event = json.loads(lines[2].removeprefix(b"data: "))
    assert event["type"] == "message" and event["data"]["message"]["text"] == "live"


def test_uploaded_files_are_served(api):
    doc = upload(
        api,
        "sendDocument",
        "document",
        "minutes é.csv",
        "text/csv",
        b"a,b\n1,2\n",
        chat_id=DEMO_GROUP,
    )
    photo = upload(
        api, "sendPhoto", "photo", "p.png", "image/png", b"\x89PNG fake", chat_id=DEMO_GROUP
    )
    doc_view = message_view(api, DEMO_GROUP, doc["message_id"])
    with urllib.request.urlopen(api.url + doc_view["file_url"]) as reply:
        assert reply.read() == b"a,b\n1,2\n"
        assert (
            reply.headers["Content-Disposition"]
            == "attachment; filename*=UTF-8''minutes%20%C3%A9.csv"
        )
    photo_view = message_view(api, DEMO_GROUP, photo["message_id"])
    assert photo_view["file_url"].endswith(photo["photo"][-1]["file_id"])
    with urllib.request.urlopen(api.url + photo_view["file_url"]) as reply:
        assert reply.read() == b"\x89PNG fake"
        assert reply.headers["Content-Type"] == "image/png"
        assert reply.headers["Content-Disposition"].startswith("inline")
    with urllib.request.urlopen(api.url + photo_view["file_url"] + "?download") as reply:
        assert reply.headers["Content-Disposition"].startswith("attachment")
    again = bot(api, "sendDocument", chat_id=DEMO_GROUP, document=doc["document"]["file_id"])
    assert message_view(api, DEMO_GROUP, again["message_id"])["file_url"]
    code, reply = request(f"{api.control_url}/file/nope")
    assert code == 404 and "no bytes" in reply["error"]


def test_clock_without_hooks_is_a_clear_error(api):
    error = control(api, "clock", {"jump": "next"}, status=409)
    assert "no clock hook registered" in error
    assert "no agenda hook registered" in control(api, "agenda", status=409)
    assert "'jump' must be one of next, hour, day" in control(
        api, "clock", {"jump": "week"}, status=400
    )


def test_clock_hooks_are_called(api):
    jumps: list[str] = []

    def advance(kind: str) -> dict:
        jumps.append(kind)
        return {"now": f"after {kind}", "fired": len(jumps)}

    api.set_rehearsal_hooks(advance=advance, agenda=lambda: ["Wed 4 Jun 18:00 · point 2"])
    world = control(api, "world")
    assert world["hooks"] == {"clock": True, "agenda": True}
    assert control(api, "clock", {"jump": "next"}) == {"now": "after next", "fired": 1}
    control(api, "clock", {"jump": "day"})
    assert jumps == ["next", "day"]
    assert control(api, "agenda") == {"sessions": ["Wed 4 Jun 18:00 · point 2"]}
    events = control(api, f"events?since={world['seq']}")["events"]
    assert [e["data"]["jump"] for e in events if e["type"] == "clock"] == ["next", "day"]

    def broken(kind: str) -> dict:
        raise RuntimeError("scheduler is down")

    api.set_rehearsal_hooks(advance=broken)
    assert "scheduler is down" in control(api, "clock", {"jump": "hour"}, status=500)
    assert control(api, "world")["hooks"] == {"clock": True, "agenda": False}


def test_bad_requests_get_json_errors(api):
    assert "missing 'user_id'" in control(
        api, "send", {"chat_id": DEMO_GROUP, "text": "x"}, status=400
    )
    assert "unknown user" in control(
        api, "send", {"chat_id": DEMO_GROUP, "user_id": 999, "text": "x"}, status=400
    )
    assert "use POST" in control(api, "send", status=405)
    assert "no control endpoint" in control(api, "nothing", status=404)
    # Other web pages can't drive the fake: no JSON content type, or a foreign Host header.
    req = urllib.request.Request(
        f"{api.control_url}/send", data=b"{}", headers={"Content-Type": "text/plain"}
    )
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(req)
    assert exc.value.code == 415
    code, reply = request(f"{api.control_url}/world", headers={"Host": "evil.example:80"})
    assert code == 403, reply


def test_the_page_is_served(api):
    with urllib.request.urlopen(api.url + "/") as reply:  # redirected to /rehearsal/
        assert reply.url == api.page_url
        assert b'<div id="messages"' in reply.read()
        assert "default-src 'self'" in reply.headers["Content-Security-Policy"]
    for asset in ("app.js", "render.js", "bubble.js", "style.css"):
        with urllib.request.urlopen(api.page_url + asset) as reply:
            assert reply.status == 200
    code, _ = request(api.page_url + "../../etc/passwd")
    assert code == 404


def test_standalone_demo_prints_the_page_url():
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.fakebotapi", "--demo"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        lines = dict(proc.stdout.readline().strip().split("=", 1) for _ in range(5))
        assert lines["page"].endswith("/rehearsal/")
        with urllib.request.urlopen(lines["control"] + "/chats", timeout=10) as reply:
            (group,) = json.load(reply)["result"]
        assert group["title"] == "Reading group"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
