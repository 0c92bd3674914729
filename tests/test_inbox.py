"""The update inbox on a real SQLite file: kept before confirmed, marked handled, purged."""

from datetime import UTC, datetime, timedelta

import pytest

from bot import inbox
from bot.store import open_store

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def update(update_id: int, user_id: int = 7, text: str = "An answer") -> dict:
    return {"update_id": update_id, "message": {"from": {"id": user_id}, "text": text}}


@pytest.fixture
def store(tmp_path):
    opened = open_store(tmp_path / "circle.db")
    yield opened
    opened.close()


def test_a_batch_handed_over_again_is_not_new_and_waits_until_it_is_handled(store):
    assert inbox.keep(store, [update(1), update(2), update(3)], NOW) == [1, 2, 3]
    assert inbox.keep(store, [update(2), update(3), update(4)], NOW) == [4]  # after a restart
    inbox.mark_handled(store, [1, 3], NOW)
    assert [u["update_id"] for u in inbox.unhandled(store)] == [2, 4]
    assert inbox.count_unhandled(store) == 2
    assert inbox.unhandled(store)[0] == update(2)  # as Telegram sent it


def test_a_handled_update_is_recognised_even_once_its_payload_is_gone(store):
    inbox.keep(store, [update(1, user_id=7)], NOW)
    inbox.mark_handled(store, [1], NOW)
    store.execute("DELETE FROM update_inbox")  # what /forgetme does to a member's handled ones
    assert inbox.keep(store, [update(1, user_id=7)], NOW) == []


def test_handled_updates_are_forgotten_after_two_days_and_waiting_ones_never(store):
    inbox.keep(store, [update(1), update(2)], NOW)
    inbox.mark_handled(store, [1], NOW)
    assert inbox.purge(store, NOW + timedelta(days=1)) == 0
    assert inbox.purge(store, NOW + inbox.KEEP_HANDLED + timedelta(minutes=1)) == 1
    assert [u["update_id"] for u in inbox.unhandled(store)] == [2]
    assert store.scalar("SELECT count(*) FROM update_inbox") == 1
