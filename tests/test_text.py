"""Replies that can grow stay one Telegram message, and long lists of names are summarized."""

from bot.text import TELEGRAM_LIMIT, fit
from bot.text.organizer import MAX_NAMES, capped


def test_a_short_reply_is_left_as_it_is():
    assert fit("<b>Points</b>\n1. One") == "<b>Points</b>\n1. One"


def test_a_reply_over_telegrams_limit_is_cut_at_a_line_with_what_was_left_out():
    lines = [f"<b>{n}</b>. A point with a title of a fair length, ✓" for n in range(400)]
    text = fit("\n".join(lines))
    assert len(text.encode("utf-16-le")) // 2 <= TELEGRAM_LIMIT
    kept = text.split("\n")[:-1]
    assert kept == lines[: len(kept)]  # whole lines only: no tag left open
    assert text.endswith(f"… ({400 - len(kept)} more lines)")


def test_a_long_list_of_names_says_how_many_more():
    names = [f"Member {n}" for n in range(MAX_NAMES + 7)]
    assert capped(names).endswith(f"Member {MAX_NAMES - 1} and 7 more")
    assert capped(names[:3]) == "Member 0, Member 1, Member 2"


def test_a_language_worked_out_later_is_asked_once_and_only_when_a_text_needs_it():
    from bot.text import current, speaking
    from bot.text import members as member_text

    asked: list[str] = []

    def circle_language() -> str:
        asked.append("db")
        return "de"

    with speaking(circle_language):
        assert asked == []  # an answer, which sends no text, never asks
        with speaking("ru"):
            assert current() == "ru" and asked == []
        first = member_text.someone()
        assert member_text.someone() == first and current() == "de"
    assert asked == ["db"]
    assert current() == "en"  # set back after the update
    with speaking("en"):
        assert member_text.someone() != first  # it was German


def test_an_unknown_language_worked_out_later_speaks_english():
    from bot.text import current, speaking

    with speaking(lambda: "tlh"):
        assert current() == "en"
