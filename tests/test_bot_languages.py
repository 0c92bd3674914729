"""End to end in each language: the real Application against the fake Bot API, on the tiny
exchange with its `language` set, runs a point, a digest, /status, /schedule and the minutes,
and every message reads in that language with no English template left in it."""

import re
from pathlib import Path

import pytest

from bot.fakebotapi import FakeBotAPI
from bot.text.catalogs import template
from tests.bot_harness import ADMIN, ALICE, GROUP, TEST_CONTENT, TINY, running_bot

# A word each language's point, digest, status, schedule and minutes must show.
WORDS = {
    "de": {
        "point": "Punkt",
        "digest": "abgeschlossen",
        "status": "Stand",
        "schedule": "dienstags und donnerstags um 19:00",
        "minutes": "Protokoll",
    },
    "ru": {
        "point": "Пункт",
        "digest": "закрыт",
        "status": "Состояние",
        "schedule": "по вторникам и четвергам в 19:00",
        "minutes": "Протокол",
    },
    "zh-Hans": {
        "point": "要点",
        "digest": "已结束",
        "status": "状态",
        "schedule": "每周二和周四 19:00",
        "minutes": "讨论记录",
    },
}


def content_in(tmp_path: Path, language: str) -> Path:
    """The tiny exchange, its `language` overridden."""
    folder = tmp_path / "content"
    folder.mkdir()
    source = (TEST_CONTENT / "tiny.toml").read_text(encoding="utf-8")
    text = re.sub(r'(?m)^language = ".*"$', f'language = "{language}"', source)
    (folder / "tiny.toml").write_text(text, encoding="utf-8")
    return folder


def english_fragments() -> set[str]:
    """Pieces of the English templates that no translation keeps: text between placeholders
    and tags, without commands, code spans and quoted examples (which stay as typed)."""
    fragments = set()
    for forms in template().values():
        for form in forms:
            text = re.sub(r'<code>.*?</code>|"[^"]*"|/\w+', " ", form)
            for piece in re.split(r"\{[^}]*\}|<[^>]+>|[():;,.\n—–·]", text):
                piece = piece.strip()
                if len(piece) >= 12 and " " in piece:
                    fragments.add(piece)
    return fragments


def without_content(text: str) -> str:
    """The bot's own words: the exchange's excerpts, titles and prompts are English here."""
    for point in TINY.points:
        for part in (point.title, point.letter, point.reply, *point.prompts):
            for line in part.splitlines():
                if line.strip():
                    text = text.replace(line.strip(), "")
    return text.replace(TINY.title, "")


@pytest.mark.parametrize("language", list(WORDS))
async def test_a_circle_speaks_its_exchanges_language(api: FakeBotAPI, tmp_path, language):
    api.private_chat(ADMIN)
    words = WORDS[language]
    async with running_bot(api, tmp_path, content_dir=content_in(tmp_path, language)) as bot:
        await bot.command("/circle_start")
        point = await bot.command("/next")
        prompt = api.sent_messages(GROUP)[-1]
        await bot.act(lambda: api.send_text(GROUP, ALICE, "Yes.", reply_to=prompt["message_id"]))
        (status,) = await bot.command("/status")
        closing = await bot.command("/next")
        (schedule,) = await bot.command("/schedule tue,thu 19:00")
        await bot.command("/export")
        shown = await bot.command("/schedule")
    (document,) = [c for c in api.calls_to("sendDocument") if c.status == "ok"]
    minutes = document.params["document"].data.decode("utf-8")
    digest = closing[0]

    assert words["schedule"] in schedule and words["schedule"] in shown[0]
    assert all(words["point"] in message for message in point if not message.startswith("[poll]"))
    assert words["digest"] in digest and "Alice" in digest
    assert words["status"] in status
    assert words["minutes"] in minutes and words["minutes"] in document.params["caption"]

    said = [schedule, *point, status, *closing, *shown, minutes, document.params["caption"]]
    said += bot.texts(GROUP)
    leaks = {
        fragment
        for fragment in english_fragments()
        for text in said
        if fragment in without_content(text)
    }
    assert not leaks, f"English left in {language}: {sorted(leaks)}"


async def test_language_changes_the_circles_language_and_refuses_an_unknown_one(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        await bot.command("/circle_start")
        (refused,) = await bot.command("/language xx")
        assert "\n" not in refused
        assert "'xx'" in refused and "en, de, ru, zh" in refused
        (shown,) = await bot.command("/language")
        assert "English" in shown
        (changed,) = await bot.command("/language de")
        assert "Deutsch" in changed and "Ab jetzt" in changed
        (status,) = await bot.command("/status")
        assert status.startswith("📖") and "Stand:" in status
        (refused,) = await bot.command("/language de", user=ALICE)
        assert "Administratoren" in refused or "Admins" in refused  # organizers only
        (english,) = await bot.command("/language en")
        assert "English" in english


async def test_private_messages_use_the_members_own_language(api, tmp_path):
    api.user(ALICE, "Alice", username="alice", language_code="ru")
    api.private_chat(ALICE)
    async with running_bot(api, tmp_path) as bot:
        await bot.command("/circle_start")
        await bot.command("/next")
        prompt = api.sent_messages(GROUP)[-1]
        await bot.act(lambda: api.send_text(GROUP, ALICE, "Yes.", reply_to=prompt["message_id"]))
        await bot.command("/mine", user=ALICE)
        in_group = bot.texts(GROUP)[-1]
        assert "I sent your answers to you privately" in in_group  # the group's language
        private = [message["text"] for message in api.sent_messages(ALICE)]
        assert any("Ваши ответы" in text for text in private)
        await bot.act(lambda: api.send_text(ALICE, ALICE, "/help"))
        assert "Дискуссионный кружок" in api.sent_messages(ALICE)[-1]["text"]


async def test_command_menus_are_published_in_every_language(api, tmp_path):
    async with running_bot(api, tmp_path):
        pass
    admins = {"type": "all_chat_administrators"}
    english = {c["command"]: c["description"] for c in api.commands(admins)}
    german = {c["command"]: c["description"] for c in api.commands(admins, "de")}
    chinese = {c["command"]: c["description"] for c in api.commands(admins, "zh")}
    assert set(english) == set(german) == set(chinese)  # the same command names
    assert german["language"] == "Sprache des Kreises: /language de"
    assert chinese["next"] == "现在发布当前要点"
    assert english["next"] == "Post the current point now"


async def test_the_console_nudges_and_insight_speak_the_right_language(api, tmp_path):
    """A German circle; its organizer's Telegram speaks Russian, Alice's says nothing: what the
    organizer gets privately is Russian, the minutes stay German, Alice's nudges are German."""
    api.user(ADMIN, "Ada", username="ada", language_code="ru")
    api.private_chat(ADMIN)
    api.private_chat(ALICE)
    async with running_bot(api, tmp_path, content_dir=content_in(tmp_path, "de")) as bot:
        await bot.command("/circle_start")
        await bot.command("/next")
        await bot.command("/nudgeme", user=ALICE)
        assert "Ich erinnere dich privat" in api.sent_messages(ALICE)[-1]["text"]
        await bot.command("/nudge")
        assert "schließt bald" in api.sent_messages(ALICE)[-1]["text"]
        await bot.command("/status")
        assert "Состояние" in api.sent_messages(ADMIN)[-1]["text"]  # names: privately
        await bot.command("/stats")
        assert any("Ответы по пунктам" in m.get("text", "") for m in api.sent_messages(ADMIN))
        await bot.command("/search Brief")
        await bot.command("/export html")
    (document,) = [c for c in api.calls_to("sendDocument") if c.status == "ok"]
    minutes = document.params["document"].data.decode("utf-8")
    assert '<html lang="de">' in minutes and "Protokoll" in minutes  # the circle's record
    assert "Протокол" in document.params["caption"]  # a private message to the organizer
