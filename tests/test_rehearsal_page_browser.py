"""The rehearsal page in a real browser: Debian's Chromium (/usr/bin/chromium), headless,
driven by Playwright's Python package (its bundled driver; Playwright's own browser download
is never used).  The test plays the bot with raw Bot API calls and plays the people through
the page, then checks both what the page shows and what ``getUpdates`` hands the bot.

No skipping: without /usr/bin/chromium this fails (``.ci/run`` installs it when missing).
``REHEARSAL_SCREENSHOT=docs/rehearsal.png`` also saves a screenshot of the page in use.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from bot.fakebotapi import FakeBotAPI
from bot.fakebotapi.demo import ADA, ALICE, BOB, DEMO_GROUP, build_demo_world
from tests.chromium import chromium
from tests.fakebotapi_http import bot, control, kinds, updates, upload

G = DEMO_GROUP
POINT = (
    "<b>Point 1 of 6 · Letter I</b>\n<i>Elisabeth to Descartes</i>, 16 May 1643\n\n"
    "<blockquote expandable>How can the soul of a human being, being only a thinking "
    "substance, determine the bodily spirits to perform voluntary actions? For it seems that "
    "all determination of movement happens through the impulsion of the thing moved.</blockquote>\n"
    'Answer by <u>replying</u> to this message · <a href="https://example.org/letter-1">full '
    "text</a> · <code>/mine</code> · <tg-spoiler>she is not convinced</tg-spoiler>"
)


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> Iterator[BrowserContext]:
    with chromium(tmp_path_factory.mktemp("chromium-profile")) as context:
        yield context


@pytest.fixture
def api():
    with FakeBotAPI(bot_token="123:TEST", bot_username="circle_test_bot") as fake:
        build_demo_world(fake)
        yield fake
        assert fake.internal_errors == []


@pytest.fixture
def page(browser: BrowserContext, api: FakeBotAPI):
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    page.close()
    assert errors == []


def bubble(page: Page, message_id: int, chat_id: int = G):
    return page.locator(f"#m-{chat_id}-{message_id}")


def send(page: Page, text: str) -> None:
    page.fill("#composer-text", text)
    page.press("#composer-text", "Enter")


def test_a_member_answers_edits_votes_and_presses_in_the_page(api: FakeBotAPI, page: Page):
    jumps: list[str] = []
    api.set_rehearsal_hooks(
        advance=lambda kind: jumps.append(kind) or {"now": "Wed 11 Jun 18:00"},
        agenda=lambda: ["Wed 11 Jun 18:00 · point 2", "Wed 18 Jun 18:00 · point 3"],
    )
    point = bot(api, "sendMessage", chat_id=G, text=POINT, parse_mode="HTML")
    page.goto(api.page_url)

    # The bot's message, rendered from text + entities.
    shown = bubble(page, point["message_id"])
    expect(shown.locator(".text > b")).to_have_text("Point 1 of 6 · Letter I")
    expect(shown.locator(".text > i")).to_have_text("Elisabeth to Descartes")
    expect(shown.locator(".text a")).to_have_attribute("href", "https://example.org/letter-1")
    expect(shown.locator(".text code")).to_have_text("/mine")
    quote = shown.locator("blockquote.expandable")
    expect(quote).to_have_class(re.compile(r"\bcollapsed\b"))
    quote.click()
    expect(quote).not_to_have_class(re.compile(r"\bcollapsed\b"))
    spoiler = shown.locator(".spoiler")
    spoiler.click()
    expect(spoiler).to_have_class(re.compile(r"\brevealed\b"))
    expect(page.locator("#acting-as")).to_have_text("as Ada")

    # Alice answers by replying, then edits her answer.
    page.select_option("#user-select", str(ALICE))
    expect(page.locator("#acting-as")).to_have_text("as Alice")
    expect(quote).not_to_have_class(re.compile(r"\bcollapsed\b"))  # drawn again, still open
    shown.hover()
    shown.locator(".act-reply").click()
    expect(page.locator("#ctx-label")).to_have_text("Reply to Circle Test Bot")
    send(page, "The soul moves the body: she wants to know how.")
    answer = page.locator(".msg.own").last
    expect(answer.locator(".reply-quote .rq-text")).to_contain_text("Point 1 of 6")
    (update,) = updates(api)
    sent = update["message"]
    assert (
        sent["from"]["id"] == ALICE
        and sent["reply_to_message"]["message_id"] == point["message_id"]
    )
    assert sent["text"] == "The soul moves the body: she wants to know how."

    bot(api, "setMessageReaction", chat_id=G, message_id=sent["message_id"],
        reaction=[{"type": "emoji", "emoji": "👍"}])  # fmt: skip
    expect(bubble(page, sent["message_id"]).locator(".reaction")).to_have_text("👍")

    answer.hover()
    answer.locator(".act-edit").click()
    expect(page.locator("#composer-text")).to_have_value(sent["text"])
    send(page, "The soul moves the body; Elisabeth asks how, without contact.")
    expect(answer.locator(".text")).to_have_text(
        "The soul moves the body; Elisabeth asks how, without contact."
    )
    expect(answer.locator(".edited")).to_be_visible()
    (update,) = updates(api)
    assert update["edited_message"]["message_id"] == sent["message_id"]
    assert update["edited_message"]["text"].endswith("without contact.")

    # A poll: Alice votes.
    poll = bot(api, "sendPoll", chat_id=G, question="Which letter next?",
               options=["Letter II", "Letter III"], is_anonymous=False)  # fmt: skip
    option = bubble(page, poll["message_id"]).locator(".poll-option[data-option='1']")
    option.click()
    expect(option.locator(".po-count")).to_have_text("1")
    expect(option.locator(".po-voters")).to_have_text("Alice")
    expect(option).to_have_class(re.compile(r"\bchosen\b"))
    (update,) = updates(api)
    assert update["poll_answer"]["user"]["id"] == ALICE
    assert update["poll_answer"]["option_ids"] == [1]

    # An anonymous poll: the count shows, the voter's name never does.
    anonymous = bot(api, "sendPoll", chat_id=G, question="Which letter after that?",
                    options=["Letter IV", "Letter V"])  # fmt: skip
    option = bubble(page, anonymous["message_id"]).locator(".poll-option[data-option='0']")
    option.click()
    expect(option.locator(".po-count")).to_have_text("1")
    expect(option).to_have_class(re.compile(r"\bchosen\b"))  # Alice sees her own choice
    assert option.locator(".po-voters").count() == 0
    (update,) = updates(api)
    assert "poll_answer" not in update and update["poll"]["total_voter_count"] == 1

    # An inline button: the bot's answer shows up as a toast.
    keyboard = {"inline_keyboard": [[{"text": "Send me the digest", "callback_data": "digest:1"}]]}
    menu = bot(api, "sendMessage", chat_id=G, text="The digest is ready.", reply_markup=keyboard)
    bubble(page, menu["message_id"]).locator(".kb-button[data-callback='digest:1']").click()
    api.wait_for(lambda: api.pending_updates())
    (update,) = updates(api)
    query = update["callback_query"]
    assert query["data"] == "digest:1" and query["from"]["id"] == ALICE
    bot(api, "answerCallbackQuery", callback_query_id=query["id"], text="Sent privately")
    expect(page.locator("#toast")).to_have_text("Sent privately")

    # A document as a download link with the bytes behind it.
    doc = upload(api, "sendDocument", "document", "minutes.csv", "text/csv", b"who,said\n",
                 chat_id=G)  # fmt: skip
    link = bubble(page, doc["message_id"]).locator("a.document")
    expect(link).to_have_attribute("download", "minutes.csv")
    assert page.request.get(link.get_attribute("href")).body() == b"who,said\n"

    # HTML typed by a member is shown as text and never run.
    page.select_option("#user-select", str(BOB))
    typed = "<b>x</b><script>window.pwned = 1</script><img src=x onerror='window.pwned=2'>"
    send(page, typed)
    mine = page.locator(".msg.own").last
    expect(mine.locator(".text")).to_have_text(typed)
    assert mine.locator(".text b, .text script, .text img").count() == 0
    assert page.evaluate("window.pwned === undefined")
    (update,) = updates(api)
    assert update["message"]["text"] == typed and update["message"]["from"]["id"] == BOB

    # The clock bar calls the embedder's hooks and shows the agenda.
    page.click("#clock-bar button[data-jump='next']")
    expect(page.locator("#clock-status")).to_have_text("now Wed 11 Jun 18:00")
    expect(page.locator("#agenda-next")).to_have_text("Next: Wed 11 Jun 18:00 · point 2")
    assert jumps == ["next"]
    if shot := os.environ.get("REHEARSAL_SCREENSHOT"):
        page.locator("#toast").evaluate("toast => toast.hidden = true")
        page.set_viewport_size({"width": 1100, "height": 1240})
        page.screenshot(path=shot)


def test_private_chat_start_and_add_member_on_a_phone(api: FakeBotAPI, page: Page):
    page.set_viewport_size({"width": 390, "height": 780})
    page.goto(api.page_url)
    expect(page.locator("#sidebar")).not_to_be_in_viewport()
    page.click("#menu-toggle")
    page.locator(f".chat-item[data-chat-id='{BOB}']").click()
    expect(page.locator("#chat-subtitle")).to_have_text("private chat with Bob")
    page.click("#start-button")
    expect(bubble(page, 1, BOB).locator(".text")).to_have_text("/start")
    command = [{"type": "bot_command", "offset": 28, "length": 5}]
    bot(api, "sendMessage", chat_id=BOB, text="Welcome, Bob. Your answers: /mine", entities=command)
    expect(bubble(page, 2, BOB).locator(".command")).to_have_text("/mine")
    (update,) = updates(api)
    assert update["message"]["chat"]["id"] == BOB and update["message"]["text"] == "/start"

    # Add a member whose name is HTML; they land in the group and can talk.
    page.click("#menu-toggle")
    page.click("#add-member")
    page.fill("#new-member-name", "<i>Carol</i>")
    page.press("#new-member-name", "Enter")
    expect(page.locator("#acting-as")).to_have_text("as <i>Carol</i>")
    page.click("#menu-toggle")
    page.locator(f".chat-item[data-chat-id='{G}']").click()
    send(page, "/join")
    expect(page.locator(".msg.own .text").last).to_have_text("/join")
    got = updates(api)
    assert kinds(got) == ["message"] and got[0]["message"]["from"]["first_name"] == "<i>Carol</i>"
    statuses = {m["user_id"]: m["status"] for m in control(api, "chats")[0]["members"]}
    assert statuses[got[0]["message"]["from"]["id"]] == "member" and statuses[ADA] == "creator"
