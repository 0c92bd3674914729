import pytest
from click.testing import CliRunner

from bot.cli import cli
from tests.test_content import SHIPPED, VALID, write
from tests.test_coverage import SEED


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_check_passes_on_the_shipped_exchange_against_its_original():
    result = invoke("content", "check", str(SHIPPED), "--source", str(SEED))
    assert result.exit_code == 0, result.output
    assert "valid, 10 points" in result.output
    assert "100 of 100 source sentences covered" in result.output


def test_check_lists_every_problem_and_exits_1(tmp_path):
    path = write(
        tmp_path,
        VALID.replace('letter = "Yours."', "").replace('title = "The first point"', 'title = ""'),
    )
    result = invoke("content", "check", str(path))
    assert result.exit_code == 1
    assert f"{path}:30: point second: letter excerpt is required" in result.output
    assert "2 problems found." in result.output


def test_check_with_uncovered_sentence_exits_1_and_lists_it(tmp_path):
    source = tmp_path / "original.txt"
    source.write_text(SEED.read_text(encoding="utf-8") + "\nA sentence nobody split.\n")
    result = invoke("content", "check", str(SHIPPED), "--source", str(source))
    assert result.exit_code == 1
    assert "100 of 101 source sentences covered" in result.output
    assert "not covered (source line 35): A sentence nobody split." in result.output


def test_preview_prints_each_message_with_its_size_in_posting_order():
    result = invoke("content", "preview", str(SHIPPED), "--point", "5")
    assert result.exit_code == 0
    headers = [line for line in result.output.splitlines() if line.startswith("---")]
    assert [h.split()[1] for h in headers] == ["letter", "reply", "prompt", "poll"]
    assert "characters)" in headers[0]
    assert "Reply to this message to answer" in result.output


def test_preview_accepts_a_point_id():
    result = invoke("content", "preview", str(SHIPPED), "--point", "closing")
    assert result.exit_code == 0
    assert "=== Point 10/10: closing ===" in result.output


def test_preview_of_unknown_point_says_what_is_accepted():
    result = invoke("content", "preview", str(SHIPPED), "--point", "99")
    assert result.exit_code == 2
    assert "use a number 1–10 or one of: opening" in result.output


def test_check_of_an_exchange_folder_uses_its_original_by_default():
    result = invoke("content", "check", str(SHIPPED))
    assert result.exit_code == 0, result.output
    assert "100 of 100 source sentences covered" in result.output


def test_check_against_the_seed_as_received_passes():
    seed = SHIPPED.parent.parent.parent / "shared" / "seeds" / "000_016121fea642d1f3.txt"
    if not seed.exists():
        pytest.skip("no shared/ folder beside this clone; the shipped copy is tested above")
    assert seed.read_bytes() == SEED.read_bytes()
    result = invoke("content", "check", str(SHIPPED), "--source", str(seed))
    assert result.exit_code == 0, result.output


def test_check_names_file_line_and_point_of_a_sentence_on_the_wrong_side(tmp_path):
    from tests.test_coverage import LETTER_AND_REPLY, TWO_SIDES

    text = TWO_SIDES.replace("On purges: no.", "Third, purge the infiltrators. On purges: no.")
    path = write(tmp_path, text)
    source = tmp_path / "original.txt"
    source.write_text(LETTER_AND_REPLY, encoding="utf-8")
    result = invoke("content", "check", str(path), "--source", str(source))
    assert result.exit_code == 1
    problems = [line for line in result.output.splitlines() if "excerpt:" in line]
    assert problems == [
        f"  {path}:41: point purges, reply excerpt: a sentence of the letter (source line 3), "
        "not the reply: Third, purge the infiltrators."
    ]
