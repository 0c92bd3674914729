"""The translations keep up with the text catalog: every message of the source (extracted now,
not from a stale template) is translated in every language, not fuzzy, with the same
placeholders, accepted examples and code spans; and the shipped .mo files say what the .po
files say. A failure lists the msgids per language: run `python -m bot.text.catalogs update`,
translate them, then `python -m bot.text.catalogs compile` (docs/translations.md)."""

import asyncio

import pytest

from bot.text import CODES, LANGUAGES, _, current, set_language, speaking, supported
from bot.text.catalogs import TRANSLATED, problems, stale, template


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_of_the_template_is_translated(language):
    found = problems(language)
    assert not found, f"{language}: {len(found)} to translate or fix\n" + "\n".join(found)


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_compiled_catalog_is_up_to_date(language):
    assert not stale(language), "run: python -m bot.text.catalogs compile"


def test_the_template_covers_plural_messages_and_the_schedule_language():
    messages = template()
    assert len(messages["{count} answer"]) == 2
    assert "Tuesdays" in messages


def test_each_language_has_a_catalog_and_a_short_code():
    assert set(LANGUAGES) == {*TRANSLATED, "en"}
    assert set(CODES) == set(LANGUAGES)


@pytest.mark.parametrize(
    ("code", "language"),
    [
        ("de", "de"),
        ("de-AT", "de"),
        ("RU", "ru"),
        ("zh", "zh_Hans"),
        ("zh-hans", "zh_Hans"),
        ("zh_CN", "zh_Hans"),
        ("zh-hant", None),
        ("zh-TW", None),
        ("fr", None),
        ("", None),
        (None, None),
    ],
)
def test_language_codes_and_tags_find_their_catalog(code, language):
    assert supported(code) == language


def test_russian_has_three_plural_forms():
    from bot.text import posts

    with speaking("ru"):
        said = [posts.reminder(1, __import__("datetime").timedelta(hours=1), n) for n in (1, 3, 5)]
    assert "ответил 1 участник" in said[0]
    assert "ответили 3 участника" in said[1]
    assert "ответили 5 участников" in said[2]


async def test_concurrent_tasks_keep_their_own_language():
    """contextvars are per task: what one chat's update sets never reaches another's."""
    seen = {}

    async def update(language: str) -> None:
        set_language(language)
        await asyncio.sleep(0.01)  # the other task runs and sets its own meanwhile
        seen[language] = (current(), _("Cancel"))

    await asyncio.gather(update("de"), update("ru"), update("zh_Hans"))
    assert seen == {
        "de": ("de", "Abbrechen"),
        "ru": ("ru", "Отмена"),
        "zh_Hans": ("zh_Hans", "取消"),
    }
    assert current() == "en"
