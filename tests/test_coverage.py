from bot.content import load_exchange
from bot.coverage import check_coverage, format_report
from tests.test_content import SHIPPED, VALID, write

# The original as received (../shared/seeds/000_016121fea642d1f3.txt), shipped beside the exchange.
SEED = SHIPPED / "original.txt"

SOURCE = """\
https://example.org/tiny
Dear editors, I disagree.
Yours.
The editors:
Dear reader, thank you.
We answer in two paragraphs.
Ours.
"""


def tiny(tmp_path, text=VALID):
    return load_exchange(
        write(
            tmp_path,
            text.replace('title = "A tiny', 'source_ignore = ["The editors:"]\ntitle = "A tiny'),
        )
    )


def test_fully_covered_source_reports_every_sentence(tmp_path):
    report = check_coverage(tiny(tmp_path), SOURCE)
    assert report.complete
    assert (report.covered, report.total, report.ignored_lines) == (5, 5, 2)
    assert report.reply_line == 4  # found without reply_begins: where the excerpts fit best
    assert format_report(report)[0].startswith("5 of 5 source sentences covered")


def test_a_missing_sentence_is_listed_with_its_line(tmp_path):
    source = SOURCE.replace(
        "We answer in two paragraphs.", "We answer in two paragraphs. And a third."
    )
    report = check_coverage(tiny(tmp_path), source)
    assert not report.complete
    assert [(s.line, s.text) for s in report.uncovered] == [(6, "And a third.")]
    assert "not covered (source line 6): And a third." in "\n".join(format_report(report))


def test_a_paraphrased_excerpt_is_reported(tmp_path):
    text = VALID.replace("Dear reader, thank you.", "Dear reader, many thanks.")
    report = check_coverage(tiny(tmp_path, text), SOURCE)
    assert [(f.point, f.text) for f in report.not_in_source] == [
        ("first", "Dear reader, many thanks.")
    ]
    assert [s.text for s in report.uncovered] == ["Dear reader, thank you."]
    expected = "tiny.toml:18: point first, reply excerpt: not in the source (paraphrased?)"
    assert any(expected in line for line in format_report(report))


def test_sentences_out_of_order_are_reported(tmp_path):
    text = VALID.replace(
        "Dear reader, thank you.\n\nWe answer in two paragraphs.",
        "We answer in two paragraphs.\n\nDear reader, thank you.",
    )
    report = check_coverage(tiny(tmp_path, text), SOURCE)
    assert [s.text for s in report.out_of_order] == ["We answer in two paragraphs."]


def test_shipped_exchange_covers_the_seed_verbatim_and_in_order():
    report = check_coverage(load_exchange(SHIPPED), SEED.read_text(encoding="utf-8"))
    assert report.complete, "\n".join(format_report(report))
    assert report.total > 90


def test_source_ignore_cannot_hide_a_sentence_of_the_letter(tmp_path):
    text = VALID.replace(
        'title = "A tiny', 'source_ignore = ["The editors:", "Ours."]\ntitle = "A tiny'
    )
    text = text.replace('reply = "Ours."', 'reply = "Ours, again."')
    report = check_coverage(load_exchange(write(tmp_path, text)), SOURCE)
    assert not report.complete
    assert [s.text for s in report.ignored_sentences] == ["Ours."]
    expected = "ignored (source line 7) is a sentence, not a heading or URL: cover it in a point"
    assert f"  {expected}: Ours." in format_report(report)


# A letter and its reply in miniature, to make each mistake the checker must catch.
LETTER_AND_REPLY = """\
A letter heading
First, the students wanted the Western model, which was wrong. Second, the workers were strong.
Third, purge the infiltrators.
REPLY:
Dear comrade, thanks.
On the students: they looked to reformers. On the workers: they came out.
On purges: no.
"""

TWO_SIDES = """\
id = "two-sides"
title = "Two sides"
letter_author = "A reader"
reply_author = "The editors"
language = "en"
source_ignore = ["A letter heading", "REPLY:"]
reply_begins = "REPLY:"

[[points]]
id = "students"
title = "Students"
letter = '''
First, the students wanted the Western model, which was wrong.
'''
reply = '''
Dear comrade, thanks.

On the students: they looked to reformers.
'''
prompts = ["Who were the students?"]

[[points]]
id = "workers"
title = "Workers"
letter = '''
First, the students wanted the Western model, which was wrong.
Second, the workers were strong.
'''
reply = '''
On the workers: they came out.
'''
prompts = ["Who were the workers?"]

[[points]]
id = "purges"
title = "Purges"
letter = '''
Third, purge the infiltrators.
'''
reply = '''
On purges: no.
'''
prompts = ["Purges?"]
"""


def two_sides(tmp_path, *edits: tuple[str, str]):
    text = TWO_SIDES
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    return check_coverage(load_exchange(write(tmp_path, text)), LETTER_AND_REPLY)


def problem_lines(report) -> list[str]:
    return [line for line in format_report(report) if "excerpt:" in line or "not covered" in line]


def test_the_synthetic_exchange_is_complete_with_its_re_quote(tmp_path):
    report = two_sides(tmp_path)
    assert report.complete, format_report(report)
    assert (report.covered, report.total, report.reply_line) == (7, 7, 4)
    assert "the letter is source lines 1–3, the reply from line 4" in format_report(report)[1]


def test_letter_text_under_the_reply_label_is_caught_even_when_also_quoted_as_letter(tmp_path):
    report = two_sides(
        tmp_path, ("On the workers: they came out.", "Second, the workers were strong.")
    )
    assert not report.complete
    assert [(f.point, f.part, f.source_line) for f in report.misattributed] == [
        ("workers", "reply", 2)
    ]
    assert [s.text for s in report.uncovered] == ["On the workers: they came out."]
    (line,) = [line for line in problem_lines(report) if "workers, reply" in line]
    assert "a sentence of the letter (source line 2), not the reply" in line


def test_a_truncated_re_quote_is_an_error_naming_the_whole_sentence_line(tmp_path):
    report = two_sides(
        tmp_path,
        (
            "First, the students wanted the Western model, which was wrong.\nSecond",
            "First, the students wanted the Western model\n\nSecond",
        ),
    )
    assert not report.complete
    (finding,) = report.truncated
    assert (finding.point, finding.text, finding.source_line) == (
        "workers",
        "First, the students wanted the Western model",
        2,
    )
    assert problem_lines(report) == [
        f"  {tmp_path / 'tiny.toml'}:{finding.file_line}: point workers, letter excerpt: part of "
        "a sentence (source line 2): quote it whole: "
        "First, the students wanted the Western model"
    ]
    assert finding.file_line == 26


def test_a_letter_sentence_moved_into_a_reply_is_one_mis_attributed_problem(tmp_path):
    report = two_sides(
        tmp_path,
        ("Third, purge the infiltrators.\n", "Second, the workers were strong.\n"),
        ("Dear comrade, thanks.", "Third, purge the infiltrators.\n\nDear comrade, thanks."),
    )
    assert not report.complete
    assert report.out_of_order == [] and report.uncovered == []
    assert [(f.point, f.part, f.source_line) for f in report.misattributed] == [
        ("students", "reply", 3)
    ]
    assert report.covered == report.total - 1
    assert len(problem_lines(report)) == 1


def test_a_moved_sentence_does_not_move_the_boundary_when_reply_begins_is_not_set(tmp_path):
    report = two_sides(
        tmp_path,
        ('reply_begins = "REPLY:"\n', ""),
        ("Second, the workers were strong.\n", ""),
        ("On purges: no.", "Second, the workers were strong. On purges: no."),
    )
    assert report.reply_line == 4
    assert len(report.misattributed) == 1 and len(problem_lines(report)) == 1


def test_one_sentence_far_out_of_place_is_the_only_one_reported(tmp_path):
    report = two_sides(
        tmp_path,
        ("On purges: no.", "On the workers: they came out."),
        ("On the workers: they came out.", "On purges: no."),
    )
    assert [(f.point, f.text) for f in report.out_of_order] == [("workers", "On purges: no.")]


def test_a_reply_begins_that_is_not_in_the_source_says_so(tmp_path):
    report = two_sides(tmp_path, ('reply_begins = "REPLY:"', 'reply_begins = "ANSWER:"'))
    assert not report.complete
    assert "reply_begins 'ANSWER:' starts no line of the source" in format_report(report)[1]
