"""A small world for trying the rehearsal page standalone (``python -m bot.fakebotapi --demo``).

One group, "Reading group", with its organizer Ada (creator and admin) and two members, Alice
and Bob.  Nobody has opened a private chat with the bot yet: the page's "Start" does that.
"""

from __future__ import annotations

from typing import Any

from .api import FakeBotAPI

DEMO_GROUP = -1001234567890
ADA, ALICE, BOB = 101, 102, 103


def build_demo_world(api: FakeBotAPI) -> dict[str, Any]:
    """Create the demo users and group; returns their ids."""
    api.user(ADA, "Ada", username="ada")
    api.user(ALICE, "Alice", username="alice")
    api.user(BOB, "Bob", username="bob")
    api.group(
        DEMO_GROUP, "Reading group", admins=[ADA], creator=ADA, members=[ALICE, BOB], forum=False
    )
    return {"group": DEMO_GROUP, "organizer": ADA, "members": [ALICE, BOB]}
