"""`circle-bot doctor`: each part of a setup checked, with a one-line verdict each."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.config import ConfigError, load_config
from bot.content import ContentError, load_library
from bot.migrations import SchemaTooNew
from bot.store import open_store
from bot.telegram.runner import check_bot_api

Verdict = tuple[bool, str, str]  # ok, what, one line


def diagnose(config_path: str | Path) -> Iterator[Verdict]:
    try:
        config = load_config(config_path)
    except ConfigError as error:
        yield False, "config", str(error)
        return
    yield True, "config", f"{config_path} reads; token from {config.token_env}"
    try:
        exchanges = load_library(config.content_dir)
    except ContentError as error:
        yield False, "content", f"{len(error.problems)} problem(s): circle-bot content check"
    else:
        if config.default_exchange in exchanges:
            yield True, "content", f"{len(exchanges)} exchange(s) in {config.content_dir}"
        else:
            yield False, "content", f"default exchange {config.default_exchange!r} not found"
    try:
        store = open_store(config.database)
        try:
            with store.transaction():  # takes the write lock: the file can be written
                pass
        finally:
            store.close()
    except (SchemaTooNew, sqlite3.Error, OSError) as error:
        yield False, "database", f"{config.database}: {error}"
    else:
        yield True, "database", f"{config.database} opens and can be written"
    try:
        me = asyncio.run(check_bot_api(config))
    except InvalidToken:
        yield False, "token", f"Telegram refused the token in {config.token_env}"
        return
    except (NetworkError, TelegramError) as error:
        yield False, "bot api", f"cannot reach {config.api_base_url}: {error}"
        return
    yield True, "token", f"accepted: @{me.get('username')}"
    yield True, "bot api", f"{config.api_base_url} answers"
    if me.get("can_read_all_group_messages"):
        yield (
            True,
            "privacy",
            "privacy mode is off: the bot receives every group message (it only needs "
            "commands and replies; /setprivacy in @BotFather turns it on)",
        )
    else:
        yield True, "privacy", "privacy mode is on: the bot sees commands and replies to it"
