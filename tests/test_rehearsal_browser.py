"""A whole rehearsal in a real browser: `circle-bot rehearse` as a process, its page in Debian's
Chromium (headless, driven by Playwright's Python package; its own browser download is never
used). As the organizer: start a circle, set a schedule, open a private chat; as two members:
answer by replying, edit an answer; the clock bar jumps to the next sessions; the organizer
exports the minutes. Checked: what the page shows and what the database holds.

No skipping: without /usr/bin/chromium this fails (`.ci/run` installs it when missing).
`REHEARSAL_SCREENSHOT=docs/rehearsal.png` also saves the README's screenshot.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.chromium import chromium
from tests.rehearsal_process import ADA, ALICE, BOB, GROUP, rehearsal


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> Iterator[BrowserContext]:
    with chromium(tmp_path_factory.mktemp("rehearsal-profile"), height=900) as context:
        yield context


def send(page: Page, text: str) -> None:
    page.fill("#composer-text", text)
    page.press("#composer-text", "Enter")


def act_as(page: Page, user: int, name: str) -> None:
    page.select_option("#user-select", str(user))
    expect(page.locator("#acting-as")).to_have_text(f"as {name}")


def open_chat(page: Page, chat_id: int) -> None:
    page.locator(f".chat-item[data-chat-id='{chat_id}']").click()


def bot_message(page: Page, text: str):
    return page.locator(".msg:not(.own)", has_text=text).last


def test_a_circle_rehearsed_in_the_browser_from_start_to_minutes(tmp_path, browser):
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    with rehearsal(tmp_path) as run:
        page.goto(run.page_url)
        expect(page.locator("#acting-as")).to_have_text("as Ada")
        send(page, "/circle_start")
        expect(bot_message(page, "has started")).to_be_visible()
        send(page, "/schedule tue,thu 19:00")
        expect(bot_message(page, "The circle meets Tuesdays and Thursdays")).to_be_visible()
        expect(page.locator("#agenda-next")).to_contain_text("19:00")

        page.click("#clock-bar button[data-jump='next']")  # the first session
        prompt = bot_message(page, "Reply to this message to answer")
        expect(prompt).to_be_visible()

        act_as(page, ALICE, "Alice")
        prompt.hover()
        prompt.locator(".act-reply").click()
        send(page, "The letter asks the right question.")
        alice = page.locator(".msg.own", has_text="The letter asks the right question.")
        expect(alice.locator(".reaction")).to_have_text("👍")

        act_as(page, BOB, "Bob")
        letter = bot_message(page, "From the letter")
        letter.hover()
        letter.locator(".act-reply").click()
        send(page, "I read it <i>differently</i>.")
        bob = page.locator(".msg.own", has_text="I read it <i>differently</i>.")
        expect(bob.locator(".reaction")).to_have_text("👍")

        act_as(page, ALICE, "Alice")
        alice.hover()
        alice.locator(".act-edit").click()
        send(page, "The letter asks the right question, and the reply answers it.")
        edited = page.locator(".msg.own", has_text="and the reply answers it.")
        expect(edited.locator(".edited")).to_be_visible()

        page.click("#clock-bar button[data-jump='next']")  # the next session closes point 1
        digest = bot_message(page, "is closed")
        expect(digest).to_contain_text("2 answers from 2 members: Alice, Bob")

        # Point 2 comes with an anonymous poll: Bob votes, and the count (no names) shows.
        act_as(page, BOB, "Bob")
        poll = page.locator(".msg:not(.own)", has=page.locator(".poll-option")).last
        poll.locator(".poll-option[data-option='1']").click()
        expect(poll.locator(".poll-option[data-option='1'] .po-count")).to_have_text("1")
        expect(poll.locator(".po-voters")).to_have_count(0)
        if shot := os.environ.get("REHEARSAL_SCREENSHOT"):
            page.set_viewport_size({"width": 1100, "height": 1400})
            page.screenshot(path=shot)

        act_as(page, ADA, "Ada")
        open_chat(page, ADA)  # the organizer opens a private chat with the bot
        page.click("#start-button")
        open_chat(page, GROUP)
        send(page, "/export")
        open_chat(page, ADA)
        link = page.locator("a.document").last
        expect(link).to_be_visible()
        minutes = page.request.get(link.get_attribute("href")).text()
        assert "and the reply answers it." in minutes and "Bob" in minutes
    page.close()
    assert errors == []
    with sqlite3.connect(run.db) as db:
        (counts,) = db.execute("SELECT counts FROM poll_results").fetchone()
        assert json.loads(counts)[1] == 1
        rows = db.execute("SELECT display_name, text, edited_at IS NOT NULL FROM answers")
        assert sorted(rows.fetchall()) == [
            ("Alice", "The letter asks the right question, and the reply answers it.", 1),
            ("Bob", "I read it <i>differently</i>.", 0),
        ]
