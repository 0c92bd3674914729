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
    assert ("first", "Dear reader, many thanks.") in report.not_in_source
    assert [s.text for s in report.uncovered] == ["Dear reader, thank you."]


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
