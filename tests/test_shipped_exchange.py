"""The shipped exchange as a facilitator reads it: fair pairings, prompts, notes and polls."""

import re

from bot.content import load_exchange
from bot.render import render_point
from tests.test_content import SHIPPED

EXCHANGE = load_exchange(SHIPPED)
BY_ID = {point.id: point for point in EXCHANGE.points}


def words(point) -> int:
    return len((point.letter + " " + point.reply).split())


def test_the_first_and_last_points_carry_a_real_discussion():
    first, last = EXCHANGE.points[0], EXCHANGE.points[-1]
    assert words(first) >= 150 and words(last) >= 100
    assert "counterrevolutionary movement" in first.letter and "Zhao Ziyang" in first.reply
    assert "Long live invincible Maoism." in last.letter and "Maoist movement" in last.reply


def test_the_reply_on_the_earlier_article_is_paired_with_the_letter_refuting_it():
    point = BY_ID["no-wing-to-trust"]
    assert point.letter.startswith("I would like to refute your recent article")
    assert "letter’s judgement" in point.prompts[0]
    assert not any("faction" in prompt for prompt in point.prompts)


def test_the_good_workers_bad_students_point_shows_both_halves_of_the_letter():
    point = BY_ID["good-workers-bad-students"]
    assert "the students wanted to restore the Western model" in point.letter
    assert "the strength of the workers is indeed immense" in point.letter


def test_every_re_quote_of_the_letter_is_marked_with_the_point_it_comes_from():
    marked = {}
    for index, point in enumerate(EXCHANGE.points):
        intro = render_point(EXCHANGE, index)[0].html.split("\n")[1]
        if "again" in intro:
            marked[point.id] = re.search(r"again, from points? ([\d and]+)", intro).group(1)
    assert marked == {
        "democracy-and-class": "1",
        "good-workers-bad-students": "1 and 3",
        "things-in-motion": "1",
        "no-wing-to-trust": "1",
        "hong-kong-way-forward": "7",
    }


def test_the_second_hong_kong_point_quotes_only_the_sentence_it_discusses():
    point = BY_ID["hong-kong-way-forward"]
    assert point.letter == "Although China currently does not utilize the socialist approach."
    assert point.letter != BY_ID["hong-kong-torn"].letter


def test_poll_options_are_positions_without_side_tags():
    polls = [point.poll for point in EXCHANGE.points if point.poll]
    assert len(polls) == 3
    for poll in polls:
        assert "letter" in poll.question and "reply" in poll.question
        assert not any(re.search(r"\(the (letter|reply)\)", option) for option in poll.options)
    purges = BY_ID["purges"].poll
    assert "political organization" in purges.question
    assert not any("split" in option for option in purges.options)


def test_the_students_aims_are_polled_after_the_reply_has_argued_them():
    point = next(
        point for point in EXCHANGE.points if point.poll and "students" in point.poll.question
    )
    assert point.id == "things-in-motion"


def test_prompts_quote_the_texts_own_words():
    workers = BY_ID["workers-enter"].prompts
    assert any("came out" in prompt for prompt in workers)
    assert not any("strike" in prompt for prompt in workers)
    purges = BY_ID["purges"].prompts[0]
    assert "carefully differentiate" in purges and "gentle purges" in purges


def test_notes_give_the_dates_that_matter():
    notes = {term: text for point in EXCHANGE.points for term, text in point.notes}
    assert "Fourth Plenum of the 13th Central Committee on 23–24 June 1989" in notes["Zhao Ziyang"]
    assert "15 April 1989" in notes["June Fourth / Tiananmen 1989"]
    assert "20 May" in notes["June Fourth / Tiananmen 1989"]
    assert "further reading" not in " ".join(notes.values())


def test_every_prompt_that_asks_about_the_students_demands_has_the_note_beside_it():
    for point in EXCHANGE.points:
        if any("note on the students’ demands" in prompt for prompt in point.prompts):
            assert any("demands, April 1989" in term for term, _ in point.notes), point.id


def test_the_source_and_further_reading_are_links_the_bot_can_post():
    assert EXCHANGE.source == "https://iclfi.org/pubs/spart-letters/2025-tiananmen"
    assert EXCHANGE.further_reading == ("https://iclfi.org/pubs/spart-letters/2025-icl-cpc",)
    assert EXCHANGE.reply_begins == "ICL reply:"
