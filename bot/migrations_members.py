"""The SQL of migration 5, `members_and_console` (bot/migrations.py registers it; docs/database.md
describes the columns). Kept here so bot/migrations.py stays one screenful of machinery."""

MEMBERS_AND_CONSOLE = (
    # Where the bot learnt of a member: 'message' (they wrote) or 'chat_member' (Telegram's
    # member updates, sent to administrators); when they left; opted in to private nudges.
    "ALTER TABLE members ADD COLUMN source TEXT NOT NULL DEFAULT 'message'",
    "ALTER TABLE members ADD COLUMN left_at TEXT",
    "ALTER TABLE members ADD COLUMN nudge INTEGER NOT NULL DEFAULT 0",
    # An answer given in the member's private chat (catch-up), and when a digest reported it:
    # answers not reported when their point closed go into the next digest as late answers.
    "ALTER TABLE answers ADD COLUMN given_in_private INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE answers ADD COLUMN digested_at TEXT",
    "UPDATE answers SET digested_at = created_at",
    # Users who opened a private chat with the bot, and the group their private commands steer.
    """CREATE TABLE private_chats (
        user_id INTEGER PRIMARY KEY,
        opened_at TEXT NOT NULL,
        console_chat_id INTEGER
    )""",
    # One private nudge of each kind ('auto' before the close, 'organizer') per member and point.
    """CREATE TABLE nudges (
        chat_id INTEGER NOT NULL,
        user_id INTEGER NOT NULL,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        point_index INTEGER NOT NULL,
        kind TEXT NOT NULL,
        sent_at TEXT NOT NULL,
        PRIMARY KEY (chat_id, user_id, run_id, point_index, kind)
    )""",
    # A point's messages sent to a member privately for catch-up: a reply to one is an answer.
    """CREATE TABLE catchup_posts (
        user_id INTEGER NOT NULL,
        message_id INTEGER NOT NULL,
        chat_id INTEGER NOT NULL,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        point_index INTEGER NOT NULL,
        post_id INTEGER NOT NULL REFERENCES posts(id),
        sent_at TEXT NOT NULL,
        PRIMARY KEY (user_id, message_id)
    )""",
)
