import re
from dataclasses import replace
from html import unescape

from bot.exchange import Exchange, Point, Poll
from bot.render import (
    COLLAPSE_ABOVE,
    TELEGRAM_TEXT_LIMIT,
    render_point,
    utf16_len,
)
from bot.text.points import answer_hint


def exchange_with(letter: str = "Dear editors.", reply: str = "Dear reader.", **point) -> Exchange:
    base = Point(
        id="p",
        title="A <b>bold</b> & “quoted” title",
        letter=letter,
        reply=reply,
        prompts=("Is 1 < 2 & 3 > 2?", "Who is right?"),
    )
    return Exchange(
        id="x",
        title="X",
        letter_author="A reader",
        reply_author="The editors",
        language="en",
        points=(replace(base, **point),),
    )


def visible_text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html))


def quoted_text(html: str) -> str:
    return unescape(re.search(r"<blockquote[^>]*>(.*)</blockquote>", html, re.S).group(1))


def test_a_point_is_letter_then_reply_then_prompt():
    messages = render_point(exchange_with(), 0)
    assert [m.key for m in messages] == ["letter", "reply", "prompt"]
    letter, reply, prompt = messages
    assert "<blockquote>Dear editors.</blockquote>" in letter.html
    assert "<blockquote>Dear reader.</blockquote>" in reply.html
    assert "From the letter (A reader)" in letter.html
    assert prompt.html.endswith(answer_hint())
    assert "Reply to this message to answer" in visible_text(prompt.html)


def test_short_letter_and_short_reply_are_both_shown_open():
    letter, reply, _ = render_point(exchange_with("A two-line letter.", "A two-line reply."), 0)
    assert "<blockquote>A two-line letter.</blockquote>" in letter.html
    assert "<blockquote>A two-line reply.</blockquote>" in reply.html
    assert "expandable" not in letter.html + reply.html


def test_long_letter_and_long_reply_are_both_collapsed_alike():
    long = "The workers came out in the square that spring. " * 14
    assert len(long.strip()) > COLLAPSE_ABOVE
    letter, reply, _ = render_point(exchange_with(long, long), 0)
    assert "<blockquote expandable>" in letter.html
    assert "<blockquote expandable>" in reply.html


def test_an_excerpt_just_at_the_threshold_stays_open_on_either_side():
    text = "x" * COLLAPSE_ABOVE
    letter, reply, _ = render_point(exchange_with(text, text), 0)
    assert "expandable" not in letter.html + reply.html


def two_points(second_letter: str, second_reply: str = "Ours, later.") -> Exchange:
    exchange = exchange_with("First sentence. Second sentence.", "Dear reader.")
    second = replace(exchange.points[0], id="q", letter=second_letter, reply=second_reply)
    return replace(exchange, points=(exchange.points[0], second))


def intro(html: str) -> str:
    return visible_text(html.split("\n")[1])


def test_a_letter_excerpt_shown_again_says_which_point_it_is_from():
    letter, reply, _ = render_point(two_points("Second sentence."), 1)
    assert intro(letter.html) == "From the letter (A reader) — again, from point 1:"
    assert intro(reply.html) == "The reply (The editors):"


def test_a_partly_repeated_excerpt_is_marked_partly_again():
    letter = render_point(two_points("Second sentence. A new one."), 1)[0]
    assert intro(letter.html) == "From the letter (A reader) — partly again, from point 1:"


def test_a_reply_excerpt_shown_again_is_marked_like_the_letter():
    reply = render_point(two_points("New.", "Dear reader."), 1)[1]
    assert intro(reply.html) == "The reply (The editors) — again, from point 1:"


def test_new_text_and_the_first_showing_carry_no_mark():
    exchange = two_points("Something new.")
    first, second = render_point(exchange, 0)[0], render_point(exchange, 1)[0]
    assert "again" not in first.html + second.html


def test_html_special_characters_are_escaped_everywhere():
    exchange = exchange_with(letter='He wrote <b> & "quotes" & it’s fine.')
    letter, _, prompt = render_point(exchange, 0)
    assert "A &lt;b&gt;bold&lt;/b&gt; &amp; “quoted” title" in letter.html
    assert "He wrote &lt;b&gt; &amp; &quot;quotes&quot; &amp; it’s fine." in letter.html
    assert "1. Is 1 &lt; 2 &amp; 3 &gt; 2?" in prompt.html
    assert quoted_text(letter.html) == 'He wrote <b> & "quotes" & it’s fine.'


def test_poll_comes_last_when_the_point_has_one():
    poll = Poll("Who is right?", ("Reader", "Editors"))
    messages = render_point(exchange_with(poll=poll), 0)
    assert messages[-1].key == "poll"
    assert messages[-1].poll == poll


def test_context_notes_go_with_the_prompts():
    exchange = exchange_with(notes=(("Hu Yaobang", "General Secretary 1982–87."),))
    prompt = render_point(exchange, 0)[-1]
    assert "<b>Hu Yaobang</b>: General Secretary 1982–87." in prompt.html


def test_ten_thousand_character_excerpt_splits_under_the_limit_without_losing_a_word():
    sentence = "The workers & students <met> in the square again. "
    paragraph = sentence * 20
    letter = "\n\n".join([paragraph.strip()] * 10)
    assert len(letter) > 10_000
    messages = [m for m in render_point(exchange_with(letter=letter), 0) if m.part == "letter"]
    assert len(messages) >= 3
    assert [m.key for m in messages][:2] == ["letter", "letter.2"]
    for number, message in enumerate(messages, start=1):
        assert utf16_len(message.html) <= TELEGRAM_TEXT_LIMIT
        assert f"({number}/{len(messages)})" in message.html
    rejoined = "\n\n".join(quoted_text(m.html) for m in messages)
    assert rejoined == letter


def test_one_huge_paragraph_splits_at_sentence_boundaries():
    letter = " ".join(f"Sentence number {n} ends here." for n in range(600))
    messages = [m for m in render_point(exchange_with(letter=letter), 0) if m.part == "letter"]
    assert len(messages) > 1
    for message in messages:
        text = quoted_text(message.html)
        assert text.startswith("Sentence number") and text.endswith("ends here.")
        assert utf16_len(message.html) <= TELEGRAM_TEXT_LIMIT
    assert " ".join(quoted_text(m.html) for m in messages) == letter


def test_a_sentence_longer_than_a_message_splits_between_words():
    letter = " ".join(["antidisestablishmentarianism"] * 400)
    messages = [m for m in render_point(exchange_with(letter=letter), 0) if m.part == "letter"]
    assert len(messages) > 1
    for message in messages:
        assert set(quoted_text(message.html).split()) == {"antidisestablishmentarianism"}
        assert utf16_len(message.html) <= TELEGRAM_TEXT_LIMIT
    assert " ".join(quoted_text(m.html) for m in messages) == letter


def test_limit_counts_utf16_units_so_emoji_heavy_text_still_fits():
    letter = "😀 " * 3000
    messages = [m for m in render_point(exchange_with(letter=letter), 0) if m.part == "letter"]
    assert all(utf16_len(m.html) <= TELEGRAM_TEXT_LIMIT for m in messages)
    assert len(messages) >= 2


def test_a_single_word_longer_than_a_message_is_cut_to_fit():
    url = "https://example.org/" + "a&b" * 2000
    messages = [m for m in render_point(exchange_with(letter=url), 0) if m.part == "letter"]
    assert len(messages) >= 2
    assert all(utf16_len(m.html) <= TELEGRAM_TEXT_LIMIT for m in messages)
    assert "".join(quoted_text(m.html) for m in messages) == url


def test_many_long_notes_spill_into_a_second_prompt_message_each_with_whole_html():
    notes = tuple((f"Term {n}", "😀" * 395) for n in range(5))
    exchange = exchange_with(notes=notes, title="T" * 120)
    prompts = [m for m in render_point(exchange, 0) if m.part == "prompt"]
    assert [m.key for m in prompts] == ["prompt", "prompt.2"]
    for message in prompts:
        assert utf16_len(message.html) <= TELEGRAM_TEXT_LIMIT
        assert message.html.count("<blockquote expandable>") == message.html.count("</blockquote>")
    shown = "".join(m.html for m in prompts)
    assert all(f"<b>Term {n}</b>" in shown for n in range(5))
    assert "1. Is 1 &lt; 2" in prompts[-1].html
    assert prompts[-1].html.endswith(answer_hint())
    assert answer_hint() not in prompts[0].html


def test_a_re_quote_gathered_from_two_earlier_points_names_both():
    exchange = two_points("Something new.")
    third = replace(exchange.points[0], id="r", letter="First sentence. Something new.")
    exchange = replace(exchange, points=(*exchange.points, third))
    letter = render_point(exchange, 2)[0]
    assert intro(letter.html) == "From the letter (A reader) — again, from points 1 and 2:"


def test_the_last_point_says_where_the_exchange_comes_from_and_what_to_read_next(tiny_exchange):
    exchange = replace(
        tiny_exchange,
        source="https://example.org/letter",
        further_reading=("https://example.org/more?a=1&b=2",),
    )
    last = [m.html for m in render_point(exchange, len(exchange.points) - 1) if m.part == "prompt"]
    assert '📚 Source: <a href="https://example.org/letter">' in last[-1]
    assert 'Further reading:\n• <a href="https://example.org/more?a=1&amp;b=2">' in last[-1]
    assert last[-1].endswith(answer_hint())
    for index in range(len(exchange.points) - 1):
        assert all("Source:" not in m.html for m in render_point(exchange, index))


def test_an_exchange_without_a_source_adds_nothing_to_its_last_point(tiny_exchange):
    (prompt,) = [m for m in render_point(tiny_exchange, 2) if m.part == "prompt"]
    assert "Source" not in prompt.html and "Further reading" not in prompt.html
