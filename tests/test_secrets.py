"""The bot token never reaches the log, at any level, from any library, in any traceback."""

from __future__ import annotations

import logging
import signal
import threading

from bot.fakebotapi import FakeBotAPI
from bot.logsetup import RedactSecrets
from tests.bot_harness import ALICE, GROUP, make_world
from tests.test_durability_process import open_point, start, started, write_config


def test_a_debug_log_of_a_whole_session_never_contains_the_token(tmp_path):
    with FakeBotAPI(bot_token="4242:SECRET-token-abcdefghij") as api:
        make_world(api)
        config = write_config(tmp_path, api, level="DEBUG")
        process = start(config, api.token)
        # A DEBUG log outgrows the pipe's buffer (the command menus alone, in four languages):
        # read it as it comes, or the bot blocks writing its log.
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
        reader.start()
        try:
            started(api, 1)
            post = open_point(api)
            api.fail_next("setMessageReaction", 400)  # an error path, logged with its details
            api.send_text(GROUP, ALICE, "an answer", reply_to=post)
            api.drop_next("getUpdates")  # a network error while polling
            api.wait_for_calls("setMessageReaction", timeout=20)
            before = len(api.sent_messages(GROUP))
            api.send_text(GROUP, ALICE, "/help")
            api.wait_for(lambda: len(api.sent_messages(GROUP)) > before, timeout=20)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=10)
            reader.join(timeout=10)
    output = "".join(lines)
    assert process.returncode == 0, output[-2000:]
    assert "DEBUG" in output and "getUpdates" in output  # PTB's and httpx's own lines are in
    assert "<token>" in output  # ... redacted where they named it
    assert api.token not in output
    assert "SECRET-token-abcdefghij" not in output


def test_the_filter_redacts_arguments_and_exception_text(caplog):
    token = "777:abcdefghijklmnop"
    logger = logging.getLogger("tests.secrets")
    redact = RedactSecrets([token])
    caplog.handler.addFilter(redact)
    try:
        try:
            raise RuntimeError(f"GET https://api.telegram.org/bot{token}/getMe failed")
        except RuntimeError:
            logger.exception("calling %s", f"/bot{token}/getMe")
    finally:
        caplog.handler.removeFilter(redact)
    assert token not in caplog.text
    assert "abcdefghijklmnop" not in caplog.text
    assert "/bot<token>/getMe" in caplog.text
