import csv
import io
import itertools
import json
import re
from datetime import timedelta
from functools import partial
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot import answers
from bot.circles import Circles
from bot.cli import cli
from bot.export import load_minutes
from bot.minutes_format import filename, normalize_format
from bot.minutes_format import minutes as format_minutes
from bot.model import Refusal
from bot.store import open_store
from tests.engine_helpers import next_session

CHAT = -1001
ORGANIZER, ANN, BOB = 42, 7, 8
TRICKY = 'I agree, mostly: the "letter" is right\nabout the first claim.'


@pytest.fixture
def service(store, tiny_exchange):
    return Circles(store, {tiny_exchange.id: tiny_exchange})


def minutes(service, chat_id, **kwargs):
    """The minutes as the bot's /export makes them: from the store, with the exchanges."""
    return format_minutes(service.store, chat_id, exchanges=service.exchanges, **kwargs)


def post_point(service, now, message_ids):
    """Open the next session and send what it needs; returns key -> message id."""
    _, sent = next_session(service.store, service.exchanges, CHAT, now, message_ids)
    return sent


@pytest.fixture
def discussed(service, now):
    """Run 1 in Berlin time: point 1 answered by Ann (then edited) and Bob (voice), point 2 by
    Bob (a tricky text)."""
    ids = itertools.count(100)
    record_answer = partial(answers.record_answer, service.store)
    service.start(CHAT, "tiny", now, ORGANIZER, timezone="Europe/Berlin")
    first = post_point(service, now, ids)
    record_answer(
        CHAT, 500, ANN, "Ann", first["prompt"], now + timedelta(minutes=5), text="First draft."
    )
    record_answer(
        CHAT, 501, BOB, "Bob", first["letter"], now + timedelta(minutes=7), media_kind="voice"
    )
    answers.record_edit(
        service.store, CHAT, 500, now + timedelta(minutes=9), text="Ann's better answer."
    )
    later = now + timedelta(days=2)
    second = post_point(service, later, ids)
    record_answer(CHAT, 502, BOB, "Bob", second["prompt"], later, text=TRICKY)
    return service


def test_markdown_minutes_list_each_point_with_prompts_and_answers(discussed):
    text = minutes(discussed, CHAT)
    assert text.startswith("# Minutes: A tiny exchange\n")
    assert "- Run: 1 of 1" in text
    assert "- Started: 2025-06-04 20:00" in text  # 18:00 UTC in Berlin summer time
    assert "- Answers: 3 answers from 2 members" in text
    assert "- Times are in Europe/Berlin." in text
    first = text.index("## Point 1: First point")
    second = text.index("## Point 2: Second point")
    assert first < text.index("- Who is right?") < second
    assert "- What is the evidence?\n- What follows?" in text[second:]
    assert (
        "**Ann** · [2025-06-04 20:05](<https://t.me/c/1/500>) (edited)\n\n> Ann's better answer."
        in text
    )
    assert "First draft." not in text
    assert "**Bob** · [2025-06-04 20:07](<https://t.me/c/1/501>)\n\n> [\\[voice\\]](<" in text
    assert '> I agree, mostly: the "letter" is right\n> about the first claim.' in text
    assert "Point 3" not in text  # never posted in this run


def test_answers_within_a_point_are_in_the_order_they_were_given(discussed):
    text = minutes(discussed, CHAT)
    assert text.index("**Ann**") < text.index("**Bob** · [2025-06-04 20:07]")


def test_csv_has_one_row_per_answer_and_quotes_commas_quotes_and_newlines(discussed):
    text = minutes(discussed, CHAT, fmt="csv")
    assert '"I agree, mostly: the ""letter"" is right\nabout the first claim."' in text
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [(row["point_number"], row["author"]) for row in rows] == [
        ("1", "Ann"),
        ("1", "Bob"),
        ("2", "Bob"),
    ]
    ann, bob_voice, bob_text = rows
    assert ann["run"] == "1"
    assert ann["point_id"] == "first"
    assert ann["point_title"] == "First point"
    assert ann["user_id"] == str(ANN)
    assert ann["created"] == "2025-06-04T20:05:00+02:00"
    assert ann["edited"] == "2025-06-04T20:09:00+02:00"
    assert ann["text"] == "Ann's better answer."
    assert (bob_voice["media_kind"], bob_voice["text"], bob_voice["edited"]) == ("voice", "", "")
    assert bob_text["text"] == TRICKY


def test_csv_keeps_a_formula_looking_answer_as_text_for_spreadsheets(discussed, now):
    prompt = discussed.store.scalar("SELECT message_id FROM posts WHERE key = 'prompt' LIMIT 1")
    formula = '=HYPERLINK("http://127.0.0.1/x","click")'
    answers.record_answer(discussed.store, CHAT, 503, ANN, "@ann", prompt, now, text=formula)
    rows = list(csv.DictReader(io.StringIO(minutes(discussed, CHAT, fmt="csv"), newline="")))
    (row,) = [row for row in rows if row["text"].endswith('"click")')]
    assert row["text"] == "'" + formula
    assert row["author"] == "'@ann"
    assert formula in minutes(discussed, CHAT)  # Markdown keeps the text as written


def test_csv_of_a_run_without_answers_is_just_the_header(service, now):
    service.start(CHAT, "tiny", now, ORGANIZER)
    text = minutes(service, CHAT, fmt="csv")
    assert text == (
        "run,point_number,point_id,point_title,author,user_id,created,edited,media_kind,text,"
        "link\r\n"
    )


def test_json_minutes_round_trip_with_every_field(discussed):
    data = json.loads(minutes(discussed, CHAT, fmt="json"))
    assert data["exchange"] == {
        "id": "tiny",
        "title": "A tiny exchange",
        "source": None,
        "further_reading": [],
    }
    assert data["run"] == {
        "number": 1,
        "of": 1,
        "started_at": "2025-06-04T20:00:00+02:00",
        "finished_at": None,
        "ended": None,
        "ended_at_point": None,
    }
    assert data["timezone"] == "Europe/Berlin"
    first, second = data["points"]
    assert (first["number"], first["id"], first["title"]) == (1, "first", "First point")
    assert first["prompts"] == ["Who is right?"]
    assert first["answers"][0] == {
        "author": "Ann",
        "user_id": ANN,
        "created_at": "2025-06-04T20:05:00+02:00",
        "edited_at": "2025-06-04T20:09:00+02:00",
        "media_kind": None,
        "text": "Ann's better answer.",
        "link": "https://t.me/c/1/500",
    }
    assert first["answers"][1]["media_kind"] == "voice"
    assert first["answers"][1]["text"] is None
    assert second["answers"][0]["text"] == TRICKY


def test_the_default_run_is_the_current_one_and_older_runs_can_be_chosen(discussed, now):
    later = now + timedelta(days=7)
    discussed.restart(CHAT, later, ORGANIZER)
    post_point(discussed, later, itertools.count(900))
    prompt = discussed.store.scalar("SELECT MAX(message_id) FROM posts WHERE key = 'prompt'")
    answers.record_answer(
        discussed.store, CHAT, 600, ANN, "Ann", prompt, later, text="Second time round."
    )

    current = minutes(discussed, CHAT)
    assert "- Run: 2 of 2" in current
    assert "Second time round." in current
    assert "Ann's better answer." not in current
    assert "- Ended: not yet, the run is still going" in current

    first = minutes(discussed, CHAT, run_number=1)
    assert "- Run: 1 of 2" in first
    assert "Ann's better answer." in first
    assert "Second time round." not in first
    assert "- Ended: 2025-06-11 20:00, abandoned at point 2 by a restart" in first


def test_a_run_that_does_not_exist_is_refused(discussed):
    result = minutes(discussed, CHAT, run_number=3)
    assert result == Refusal("There is no run 3 in this circle: it has run 1 only.")


def test_a_chat_without_a_circle_has_no_minutes(service):
    result = minutes(service, CHAT)
    assert isinstance(result, Refusal)
    assert "There is no circle in this chat" in result.message


def test_an_unknown_format_is_refused(discussed):
    assert minutes(discussed, CHAT, fmt="xlsx") == Refusal(
        "Unknown format 'xlsx': use md, html, csv or json."
    )


def test_a_circle_just_started_has_minutes_saying_nothing_was_posted(service, now):
    service.start(CHAT, "tiny", now, ORGANIZER)
    assert "No point has been posted in this run yet." in minutes(service, CHAT)


def test_a_posted_point_without_answers_says_so(service, now):
    service.start(CHAT, "tiny", now, ORGANIZER)
    post_point(service, now, itertools.count(100))
    text = minutes(service, CHAT)
    assert "## Point 1: First point" in text
    assert "No answers." in text


def test_minutes_read_from_the_store_alone_use_the_stored_titles(discussed):
    text = format_minutes(discussed.store, CHAT)
    assert "# Minutes: tiny" in text
    assert "## Point 1: First point" in text
    assert "Who is right?" not in text  # prompts live only in the content files


def test_the_file_name_names_the_exchange_run_and_format(discussed):
    loaded = load_minutes(discussed.store, discussed.exchanges, CHAT)
    assert filename(loaded, "md") == "minutes-tiny-run1.md"
    assert filename(loaded, "csv") == "minutes-tiny-run1.csv"
    assert filename(loaded, "json") == "minutes-tiny-run1.json"


def test_format_names_accept_md_and_markdown_in_any_case():
    assert normalize_format("MD") == normalize_format("markdown") == "markdown"
    assert normalize_format("Json") == "json"
    assert normalize_format("pdf") is None


# The circle-bot export command --------------------------------------------------------------

CONFIG = """
[storage]
database = "data/circle.db"

[content]
directory = "content"
"""


@pytest.fixture
def config_file(tmp_path, db_path, discussed):
    """A config whose database is the one `discussed` wrote; no token in the environment."""
    assert db_path == tmp_path / "data" / "circle.db"
    content = tmp_path / "content"
    content.mkdir()
    (content / "tiny.toml").write_text(TINY_TOML, encoding="utf-8")
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


TINY_TOML = """
id = "tiny"
title = "A tiny exchange (from the file)"
letter_author = "A reader"
reply_author = "The editors"
language = "en"

[[points]]
id = "first"
title = "First point"
letter = "The letter's first claim."
reply = "The reply's first answer."
prompts = ["Who is right?"]

[[points]]
id = "second"
title = "Second point"
letter = "The letter's second claim."
reply = "The reply's second answer."
prompts = ["What is the evidence?"]
"""


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), env={"TELEGRAM_BOT_TOKEN": ""})


def test_cli_export_prints_markdown_minutes_without_a_token(config_file):
    result = invoke("export", "--config", str(config_file), "--chat", str(CHAT))
    assert result.exit_code == 0, result.output
    assert "# Minutes: A tiny exchange (from the file)" in result.output
    assert "- Who is right?" in result.output
    assert "> Ann's better answer." in result.output


def test_cli_export_writes_csv_to_a_file(config_file, tmp_path):
    out = tmp_path / "minutes.csv"
    result = invoke(
        "export",
        "--config",
        str(config_file),
        "--chat",
        str(CHAT),
        "--format",
        "csv",
        "--output",
        str(out),
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert [row["text"] for row in rows][-1] == TRICKY


def test_cli_export_of_a_missing_run_is_one_line_and_exit_2(config_file):
    result = invoke("export", "--config", str(config_file), "--chat", str(CHAT), "--run", "5")
    assert result.exit_code == 2
    assert result.output == "Error: There is no run 5 in this circle: it has run 1 only.\n"


def test_cli_export_of_an_unknown_chat_is_refused(config_file):
    result = invoke("export", "--config", str(config_file), "--chat", "-999")
    assert result.exit_code == 2
    assert result.output == (
        "Error: no circle in chat -999: `circle-bot circles` lists the chat ids that have one\n"
    )


def test_cli_export_without_a_database_does_not_create_one(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    result = invoke("export", "--config", str(path), "--chat", str(CHAT))
    assert result.exit_code == 2
    assert "no database yet" in result.output
    assert not (tmp_path / "data").exists()


def test_cli_export_with_a_missing_config_is_one_line(tmp_path):
    result = invoke("export", "--config", str(tmp_path / "nope.toml"), "--chat", str(CHAT))
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert "no such config file" in result.output


def test_cli_export_json_is_valid_json(config_file):
    result = invoke("export", "--config", str(config_file), "--chat", str(CHAT), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["run"]["number"] == 1


def test_the_store_can_be_reopened_after_a_cli_export(config_file, db_path):
    invoke("export", "--config", str(config_file), "--chat", str(CHAT))
    store = open_store(db_path)
    try:
        assert store.scalar("SELECT COUNT(*) FROM answers") == 3
    finally:
        store.close()


def test_exported_text_is_utf8_on_disk(config_file, tmp_path):
    out = tmp_path / "m.md"
    invoke("export", "--config", str(config_file), "--chat", str(CHAT), "--output", str(out))
    assert "·" in Path(out).read_text(encoding="utf-8")


def test_markdown_minutes_keep_a_hostile_name_and_answer_as_plain_text(service, now):
    service.start(CHAT, "tiny", now, ORGANIZER, timezone="Europe/Berlin")
    first = post_point(service, now, itertools.count(100))
    answers.record_answer(
        service.store,
        CHAT,
        500,
        ANN,
        "<script>alert(1)</script>",
        first["prompt"],
        now,
        text="[l](javascript:alert(1)) <img src=x onerror=alert(1)>\n**bold** &amp;",
    )
    text = minutes(service, CHAT)
    assert "**\\<script\\>alert(1)\\</script\\>**" in text
    assert "> \\[l\\](javascript:alert(1)) \\<img src=x onerror=alert(1)\\>" in text
    assert "> \\*\\*bold\\*\\* \\&amp;" in text
    # No tag or link that is not escaped, in what the member wrote (the bot's own link to the
    # message is the only markup the minutes add there).
    own_link = r"\[[^\]]*\]\(<https://t\.me/[^>]*>\)"
    said = [
        re.sub(own_link, "", line) for line in text.splitlines() if line.startswith(("> ", "**"))
    ]
    assert all(re.search(r"(?<!\\)[<\[]", line) is None for line in said)
