import pytest

from bot.fakebotapi import FakeBotAPI
from tests.bot_harness import make_world, running_bot


@pytest.fixture
def api():
    with FakeBotAPI() as api:
        make_world(api)
        yield api


async def test_organizer_starts_a_circle_and_posts_the_first_point(api, tmp_path):
    async with running_bot(api, tmp_path) as bot:
        (reply,) = await bot.command("/circle_start")
        assert "June 1989, Hong Kong and purges" in reply
        assert "10 points" in reply
        assert "/schedule" in reply
        sent = await bot.command("/next")
        assert len(sent) == 3
        assert sent[0].startswith("Point 1/10")
        assert "To our Trotskyist comrades" in sent[0]
        assert "Dear comrade" in sent[1]
        assert "Reply to this message to answer" in sent[2]
