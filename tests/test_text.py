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
