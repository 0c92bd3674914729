"""Statistics, the chart, full-text search, and the reporting CLI (`circles`, `stats`,
`search`) on real SQLite files, on the circle tests/test_export.py discusses (its fixtures are
imported, which ruff's F811 reads as redefinitions)."""
# ruff: noqa: F811

import struct
from datetime import timedelta

from bot import answers, search
from bot.stats import circle_stats
from bot.stats_chart import chart_png
from tests.test_export import ANN, BOB, CHAT, config_file, discussed, invoke, service  # noqa: F401


def prompt_of(store, point_index=0):
    return store.scalar(
        "SELECT message_id FROM posts WHERE key = 'prompt' AND point_index = ?", [point_index]
    )


def test_stats_count_per_point_and_member_and_find_the_quiet_ones(discussed):
    stats = circle_stats(discussed.store, discussed.exchanges, CHAT)
    assert [(p.number, p.answers, p.members) for p in stats.points] == [(1, 2, 2), (2, 1, 1)]
    assert [(m.name, m.answers, m.points) for m in stats.members] == [("Bob", 2, 2), ("Ann", 1, 1)]
    assert [p.number for p in stats.quietest] == [2, 1]
    assert stats.last_points == (1, 2)
    assert stats.silent == ()  # Ann answered point 1, Bob both


def test_a_member_who_answered_neither_of_the_last_two_points_is_named(discussed, now):
    answers.see_member(discussed.store, CHAT, 99, "Quiet Quentin", now)
    assert circle_stats(discussed.store, discussed.exchanges, CHAT).silent == ("Quiet Quentin",)


def test_the_chart_is_a_png_a_phone_can_read(discussed):
    png = chart_png(circle_stats(discussed.store, discussed.exchanges, CHAT))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk
    assert width == 1080 and 600 <= height <= 2400
    assert 5_000 < len(png) < 500_000


def test_search_finds_answers_and_ranks_the_closest_first(discussed, now):
    store, prompt = discussed.store, prompt_of(discussed.store)
    answers.record_answer(store, CHAT, 700, ANN, "Ann", prompt, now, text="Reform reform reform.")
    answers.record_answer(
        store, CHAT, 701, BOB, "Bob", prompt, now, text="A long answer on many things, reform too."
    )
    hits = search.search(store, CHAT, "reform")
    assert [hit.author for hit in hits] == ["Ann", "Bob"]
    assert hits[0].point_number == 1 and hits[0].run_number == 1
    assert hits[0].marked("[", "]") == "[Reform] [reform] [reform]."
    assert hits[0].link == "https://t.me/c/1/700"
    assert search.search(store, CHAT, "reforms")  # stemmed
    assert search.search(store, CHAT, "reform missingword") == []  # every word must match


def test_search_follows_edits_and_forgets_a_member(discussed, now):
    store = discussed.store
    assert [h.author for h in search.search(store, CHAT, "better")] == ["Ann"]
    answers.record_edit(store, CHAT, 500, now + timedelta(hours=1), text="Changed my mind.")
    assert search.search(store, CHAT, "better") == []
    assert [h.author for h in search.search(store, CHAT, "mind")] == ["Ann"]
    answers.forget_member(store, CHAT, ANN, now)
    assert search.search(store, CHAT, "mind") == []


def test_search_treats_what_members_type_as_words_not_syntax(discussed):
    assert search.search(discussed.store, CHAT, '"better*') != []
    assert search.search(discussed.store, CHAT, 'better" OR NEAR(') == []  # OR is a word too
    assert search.search(discussed.store, CHAT, "*** ---") == []


def test_cli_circles_lists_every_circle_with_its_chat_id(config_file, discussed, now):
    answers.see_member(discussed.store, CHAT, None, "", now, chat_title="Reading group")
    result = invoke("circles", "--config", str(config_file))
    assert result.exit_code == 0, result.output
    header, row = result.output.splitlines()
    assert header.split() == ["chat", "id", "title", "exchange", "state", "run", "answers"]
    assert row.split() == [str(CHAT), "Reading", "group", "tiny", "running", "1", "3"]


def test_cli_stats_prints_the_table_and_writes_the_chart(config_file, tmp_path):
    png = tmp_path / "chart.png"
    result = invoke("stats", "--config", str(config_file), "--chat", str(CHAT), "--png", str(png))
    assert result.exit_code == 0, result.output
    assert "Answers per point:" in result.stdout and "Bob: 2 answers, 2 points" in result.stdout
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_cli_search_prints_ranked_hits(config_file):
    result = invoke("search", "--config", str(config_file), "--chat", str(CHAT), "letter")
    assert result.exit_code == 0, result.output
    assert "1. Point 2 (run 1) · Bob" in result.output
    assert "«letter»" in result.output


def test_a_wrong_chat_is_said_in_cli_terms(config_file):
    for command in ("stats", "search"):
        args = [command, "--config", str(config_file), "--chat", "-5"]
        result = invoke(*args, *(["x"] if command == "search" else []))
        assert result.exit_code == 2
        assert "no circle in chat -5: `circle-bot circles` lists" in result.output


def test_answers_wait_in_the_backlog_until_a_search_indexes_them_all_at_once(discussed, now):
    store, prompt = discussed.store, prompt_of(discussed.store)
    search.search(store, CHAT, "anything")
    answers.record_answer(store, CHAT, 700, ANN, "Ann", prompt, now, text="Solidarity first.")
    answers.record_answer(store, CHAT, 701, BOB, "Bob", prompt, now, text="Solidarity too.")
    assert store.scalar("SELECT count(*) FROM answers_fts_backlog") == 2
    # Edited and forgotten while still waiting: the index never sees the old words.
    answers.record_edit(store, CHAT, 700, now, text="Internationalism first.")
    answers.forget_member(store, CHAT, BOB, now)
    assert [h.author for h in search.search(store, CHAT, "internationalism")] == ["Ann"]
    assert search.search(store, CHAT, "solidarity") == []
    assert store.scalar("SELECT count(*) FROM answers_fts_backlog") == 0
    # Marking answers digested touches no text: the index is left alone.
    answers.mark_digested(store, discussed.store.scalar("SELECT max(run_id) FROM answers"), now)
    store.execute("INSERT INTO answers_fts (answers_fts) VALUES ('integrity-check')")
    assert search.index_backlog(store) == 0
