"""A fake Telegram Bot API server for tests and rehearsals.

``FakeBotAPI`` is a small stdlib HTTP server (127.0.0.1 only) that speaks the Bot API's JSON
shapes well enough for python-telegram-bot to run against it unmodified.  It keeps an
in-memory world (users, chats, messages, polls, commands), lets tests act as the humans
(send text/media, edit, tap buttons, vote, migrate a group) and records every call the bot
makes.  Faults can be injected: error replies (429/403/400/migration), dropped connections
(optionally *after* the call took effect) and delayed replies.

Usage::

    from telegram import Bot
    from bot.fakebotapi import FakeBotAPI

    with FakeBotAPI(bot_token="123:TEST", bot_username="circle_test_bot") as api:
        api.user(42, "Ada", username="ada")
        api.private_chat(42)
        bot = Bot("123:TEST", base_url=api.base_url, base_file_url=api.base_file_url)
        ...  # drive the bot, then inspect api.sent_messages(42), api.calls_to("sendMessage")

Standalone: ``python -m bot.fakebotapi --port 8081 [--demo]`` prints the base URL and the
URL of the rehearsal page (``/rehearsal/``), a Telegram-like chat in the browser that plays
the people through the HTTP control API (``/_control/``, see :mod:`.control`).
See ``docs/fakebotapi.md`` for the full list of methods and helpers.
"""

from .api import FakeBotAPI
from .params import Upload
from .shapes import GROUP_ANONYMOUS_BOT_ID
from .state import APIError, Call

__all__ = ["GROUP_ANONYMOUS_BOT_ID", "APIError", "Call", "FakeBotAPI", "Upload"]
