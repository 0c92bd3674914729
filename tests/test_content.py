import re
from pathlib import Path

import pytest

from bot.content import ContentError, load_exchange, load_library
from bot.exchange import paragraphs, sentences

SHIPPED = Path(__file__).parent.parent / "content" / "icl-tiananmen-2025"

VALID = """\
id = "tiny"
title = "A tiny exchange"
source = "https://example.org/tiny"
letter_author = "A reader"
reply_author = "The editors"
date = 2025-01-02
language = "en"
further_reading = ["https://example.org/more"]

[[points]]
id = "first"
title = "The first point"
letter = '''
Dear editors, I disagree.
'''
reply = '''
Dear reader, thank you.

We answer in two paragraphs.
'''
prompts = ["What is the disagreement?", "What evidence would settle it?"]

[points.notes]
"Editors" = "The people who run the paper."

[points.poll]
question = "Who is right?"
options = ["The reader", "The editors", "Undecided"]

[[points]]
id = "second"
title = "The second point"
letter = "Yours."
reply = "Ours."
prompts = ["Anything to add?"]
"""


def write(tmp_path: Path, text: str, name: str = "tiny.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_exchange(path)
    return [str(problem) for problem in caught.value.problems]


def test_valid_exchange_loads_with_metadata_and_points(tmp_path):
    exchange = load_exchange(write(tmp_path, VALID))
    assert exchange.id == "tiny"
    assert exchange.date == "2025-01-02"
    assert exchange.further_reading == ("https://example.org/more",)
    assert [point.id for point in exchange.points] == ["first", "second"]
    first = exchange.points[0]
    assert first.letter == "Dear editors, I disagree."
    assert paragraphs(first.reply) == ["Dear reader, thank you.", "We answer in two paragraphs."]
    assert first.notes == (("Editors", "The people who run the paper."),)
    assert first.poll is not None and first.poll.options[-1] == "Undecided"
    assert first.line == 10
    assert exchange.points[1].poll is None


def test_a_poll_is_anonymous_unless_the_exchange_asks_for_a_public_one(tmp_path):
    assert load_exchange(write(tmp_path, VALID)).points[0].poll.public is False
    text = VALID.replace('question = "Who is right?"', 'question = "Who is right?"\npublic = true')
    assert load_exchange(write(tmp_path, text)).points[0].poll.public is True


def test_wrapped_paragraph_lines_are_joined_with_one_space():
    assert paragraphs("one\ntwo\n\n  three  ") == ["one two", "three"]


def test_sentences_keep_closing_quotes_with_their_sentence():
    text = "He wrote “no.” Then he left! Did he? Yes… (i.e., twice)."
    expected = ["He wrote “no.”", "Then he left!", "Did he?", "Yes…", "(i.e., twice)."]
    assert sentences(text) == expected


def test_missing_prompts_names_file_point_and_line(tmp_path):
    path = write(tmp_path, VALID.replace('prompts = ["Anything to add?"]\n', ""))
    assert problems_of(path) == [
        f"{path}:30: point second: prompts must be a list of 1–3 strings of 1–500 characters"
    ]


def test_every_problem_in_a_file_is_reported_at_once(tmp_path):
    text = (
        VALID.replace('reply = "Ours."', "")
        .replace('title = "The first point"', 'title = ""')
        .replace('language = "en"', 'langauge = "en"')
    )
    problems = problems_of(write(tmp_path, text))
    assert len(problems) == 4
    assert any("unknown key 'langauge'" in p and ":7:" in p for p in problems)
    assert any("language is required" in p for p in problems)
    assert any("point first: title must be" in p and ":12:" in p for p in problems)
    assert any("point second: reply excerpt is required" in p and ":30:" in p for p in problems)


def test_too_many_prompts_are_refused(tmp_path):
    text = VALID.replace('prompts = ["Anything to add?"]', 'prompts = ["a?", "b?", "c?", "d?"]')
    assert "prompts must be a list of 1–3" in problems_of(write(tmp_path, text))[0]


def test_duplicate_point_ids_are_refused(tmp_path):
    text = VALID.replace('id = "second"', 'id = "first"')
    (problem,) = problems_of(write(tmp_path, text))
    assert "point first: duplicate point id (first used by point 1)" in problem
    assert ":31:" in problem


def test_poll_with_one_option_is_refused(tmp_path):
    text = VALID.replace('options = ["The reader", "The editors", "Undecided"]', 'options = ["Me"]')
    (problem,) = problems_of(write(tmp_path, text))
    assert "poll options must be 2–10 distinct strings" in problem
    assert ":26:" in problem


def test_poll_question_over_telegram_limit_is_refused(tmp_path):
    text = VALID.replace('question = "Who is right?"', f'question = "{"x" * 301}"')
    assert "poll question must be 1–300" in problems_of(write(tmp_path, text))[0]


def test_unknown_point_key_is_refused_with_accepted_keys(tmp_path):
    text = VALID.replace('title = "The second point"', 'title = "The second point"\nprompt = "x"')
    (problem,) = problems_of(write(tmp_path, text))
    assert "point second: unknown key 'prompt' (accepted: id, letter, notes" in problem


def test_bad_point_id_is_refused(tmp_path):
    text = VALID.replace('id = "second"', 'id = "Second Point"')
    (problem,) = problems_of(write(tmp_path, text))
    assert "point #2: id must be lowercase letters, digits and dashes" in problem


def test_broken_toml_names_the_line(tmp_path):
    text = VALID.replace('title = "The second point"', 'title = "The second point')
    (problem,) = problems_of(write(tmp_path, text))
    assert problem.startswith(f"{tmp_path / 'tiny.toml'}:32: not valid TOML")


def test_exchange_without_points_is_refused(tmp_path):
    text = VALID[: VALID.index("[[points]]")]
    assert "at least one [[points]]" in problems_of(write(tmp_path, text))[0]


def test_source_must_be_a_url(tmp_path):
    text = VALID.replace("https://example.org/tiny", "example.org")
    assert "source must be an http(s) URL" in problems_of(write(tmp_path, text))[0]


def test_library_reports_problems_of_every_file_and_duplicate_ids(tmp_path):
    write(tmp_path, VALID, "a.toml")
    write(tmp_path, VALID, "b.toml")
    write(tmp_path, VALID.replace('letter = "Yours."', ""), "c.toml")
    with pytest.raises(ContentError) as caught:
        load_library(tmp_path)
    messages = [str(problem) for problem in caught.value.problems]
    assert any("b.toml" in m and "already used by" in m for m in messages)
    assert any("c.toml" in m and "letter excerpt is required" in m for m in messages)


def test_shipped_exchange_is_valid_and_well_formed():
    exchange = load_exchange(SHIPPED)
    assert exchange.id == "icl-tiananmen-2025"
    assert 6 <= len(exchange.points) <= 16
    words = []
    for point in exchange.points:
        assert 2 <= len(point.prompts) <= 3, point.id
        words.append(len((point.letter + " " + point.reply).split()))
    # One to three minutes of reading at ~200 words a minute: the greeting may be shorter.
    assert max(words) <= 700
    assert 150 <= sorted(words)[len(words) // 2] <= 600
    notes = {term for point in exchange.points for term, _ in point.notes}
    for term in ("Hu Yaobang", "Zhao Ziyang", "Fang Lizhi"):
        assert any(term in note for note in notes), term


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('id = "tiny"', 'id = "Tiny One"', "id must be lowercase letters, digits and dashes"),
        (
            'further_reading = ["https://example.org/more"]',
            'further_reading = "https://example.org/more"',
            "further_reading must be a list of strings",
        ),
        ('language = "en"', 'language = "en"\nsource_ignore = 3', "source_ignore must be a list"),
        (
            'further_reading = ["https://example.org/more"]',
            'further_reading = ["see the ICL site"]',
            "further_reading must list http(s) URLs",
        ),
        ('language = "en"', 'language = "en"\nreply_begins = 3', "reply_begins must be text"),
        ('title = "The second point"', f'title = "{"t" * 121}"', "title must be 1–120 characters"),
        (
            '"Editors" = "The people who run the paper."',
            '"Editors" = 3',
            "notes must map each term",
        ),
        (
            '"Editors" = "The people who run the paper."',
            "\n".join(f'"T{n}" = "{"n" * 300}"' for n in range(8)),
            "notes add up to more than 2000 characters",
        ),
        ('"Editors" = "The people who run the paper."', f'"E" = "{"n" * 601}"', "1–600 characters"),
        ('prompts = ["Anything to add?"]', 'prompts = ["Any?"]\npoll = 3', "poll must be a table"),
        (
            'question = "Who is right?"',
            'question = "Who is right?"\nmulti = true',
            "unknown poll key",
        ),
        ('"The editors", "Undecided"]', '"The reader"]', "poll options must be 2–10 distinct"),
        ('question = "Who is right?"', 'question = "Who?"\npublic = "yes"', "public must be true"),
        ('"Undecided"]', f'"{"u" * 101}"]', "poll options must be 2–10 distinct strings of 1–100"),
        ('"Editors" = "The people who run the paper."', '"" = "Nobody."', "each term (1–60"),
    ],
)
def test_each_validation_rule_names_what_is_accepted(tmp_path, old, new, message):
    assert old in VALID
    problems = problems_of(write(tmp_path, VALID.replace(old, new)))
    assert any(message in problem for problem in problems), problems
    assert all(re.search(r"tiny\.toml:\d+: ", problem) for problem in problems), problems


def test_library_loads_files_and_folders_alike(tmp_path):
    write(tmp_path, VALID, "a.toml")
    (tmp_path / "b").mkdir()
    write(tmp_path / "b", VALID.replace('id = "tiny"', 'id = "tiny-two"'), "exchange.toml")
    (tmp_path / "notes").mkdir()  # a folder without exchange.toml is not an exchange
    assert sorted(load_library(tmp_path)) == ["tiny", "tiny-two"]


def test_a_duplicate_id_is_reported_even_when_the_point_has_other_errors(tmp_path):
    text = VALID.replace('id = "second"', 'id = "first"').replace('letter = "Yours."', "")
    problems = problems_of(write(tmp_path, text))
    assert any("duplicate point id (first used by point 1)" in p for p in problems), problems
    assert any("letter excerpt is required" in p for p in problems), problems


def test_reply_begins_is_read_from_the_exchange_file(tmp_path):
    text = VALID.replace('language = "en"', 'language = "en"\nreply_begins = "The editors:"')
    assert load_exchange(write(tmp_path, text)).reply_begins == "The editors:"
