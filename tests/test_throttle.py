"""Per-member throttling: a flood of commands gets one word, then silence; nobody else waits."""

from datetime import UTC, datetime, timedelta

from bot.throttle import ANSWER, IGNORE, LIMIT, WARN, WINDOW, Ledger, decision
from tests.bot_harness import ALICE, BOB, running_bot

NOW = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)


def test_commands_under_the_limit_are_answered():
    assert decision(LIMIT - 1, None, NOW) == ANSWER


def test_over_the_limit_the_member_is_told_once_then_ignored():
    assert decision(LIMIT, None, NOW) == WARN
    assert decision(LIMIT, NOW, NOW + timedelta(seconds=1)) == IGNORE
    assert decision(LIMIT, NOW, NOW + WINDOW) == WARN


def test_the_ledger_forgets_commands_older_than_the_window():
    ledger = Ledger()
    verdicts = [ledger.decide(-1, 7, NOW) for _ in range(LIMIT + 2)]
    assert verdicts == [ANSWER] * LIMIT + [WARN, IGNORE]
    assert ledger.decide(-1, 7, NOW + WINDOW) == ANSWER
    assert ledger.decide(-1, 8, NOW) == ANSWER  # another member is not held back


async def test_sixty_helps_get_a_few_answers_one_warning_and_silence(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        replies = []
        for _ in range(60):
            replies += await bot.command("/help", user=ALICE)
        others = await bot.command("/help", user=BOB)
    assert len(replies) == LIMIT + 1
    assert replies[-1] == "Too many commands at once: I will answer again in a moment."
    assert len(others) == 1 and "Discussion circle" in others[0]


async def test_an_organizer_is_never_held_back(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        replies = []
        for _ in range(LIMIT + 4):
            replies += await bot.command("/help")
    assert len(replies) == LIMIT + 4
    assert all("Discussion circle" in reply for reply in replies)
