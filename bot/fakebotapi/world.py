"""World setup for the fake Bot API: users, groups, private chats, membership, topics,
blocking and group migration.  Mixed into :class:`~bot.fakebotapi.FakeBotAPI`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from . import shapes
from .state import ChatInfo, State

JSON = dict[str, Any]


class WorldMixin:
    _state: State

    # -- world setup ---------------------------------------------------------------------
    def user(
        self,
        user_id: int,
        first_name: str,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str | None = None,
    ) -> JSON:
        """Register (or update) a human user; returns the User dict."""
        u = shapes.user(
            user_id, first_name, username, last_name=last_name, language_code=language_code
        )
        with self._state.lock:
            self._state.users[user_id] = u
        return dict(u)

    def group(
        self,
        chat_id: int,
        title: str,
        forum: bool = False,
        admins: Iterable[int] = (),
        creator: int | None = None,
        members: Iterable[int] = (),
        chat_type: str = "supergroup",
        bot_status: str = "administrator",
    ) -> JSON:
        """Create a group the bot is in (as administrator by default); returns the Chat dict."""
        state = self._state
        with state.lock:
            for uid in [*admins, *members, *([creator] if creator is not None else [])]:
                state.find_user(uid)
            info = ChatInfo(chat=shapes.group_chat(chat_id, title, chat_type, forum))
            info.creator, info.admins = creator, set(admins)
            info.members = (
                set(members) | info.admins | ({creator} if creator is not None else set())
            )
            info.bot_status = bot_status
            state.chats[chat_id] = info
            return dict(info.chat)

    def private_chat(self, user: int | JSON) -> JSON:
        """Open the user's private chat with the bot (as if they pressed Start)."""
        state = self._state
        with state.lock:
            u = state.find_user(user if isinstance(user, int) else user["id"])
            info = state.chats.get(u["id"]) or ChatInfo(chat=shapes.private_chat(u))
            state.chats[u["id"]] = info
            state.started_private.add(u["id"])
            return dict(info.chat)

    def set_member(self, chat_id: int, user_id: int, status: str) -> None:
        """Set a member's status (creator/administrator/member/left/kicked); the bot's too."""
        state = self._state
        with state.lock:
            info = self._chat(chat_id)
            if user_id == state.bot["id"]:
                info.bot_status = status
                return
            state.find_user(user_id)
            for group in (info.admins, info.members, info.left, info.kicked):
                group.discard(user_id)
            if status == "creator":
                info.creator = user_id
            elif status in ("administrator", "member", "left", "kicked"):
                target = {"administrator": info.admins, "left": info.left, "kicked": info.kicked}
                target.get(status, info.members).add(user_id)
                if status == "administrator":
                    info.members.add(user_id)
            else:
                raise ValueError(f"unsupported status {status!r}")

    def user_blocked_bot(self, user_id: int, blocked: bool = True, notify: bool = True) -> None:
        """Make sends to the user's private chat fail with 403 (or undo with blocked=False)."""
        state = self._state
        with state.lock:
            u = state.find_user(user_id)
            (state.blocked.add if blocked else state.blocked.discard)(user_id)
            if notify:
                new = shapes.chat_member(state.bot_from, "kicked" if blocked else "member")
                old = shapes.chat_member(state.bot_from, "member" if blocked else "kicked")
                state.push_update(
                    "my_chat_member",
                    {
                        "chat": shapes.private_chat(u),
                        "from": u,
                        "date": state.now(),
                        "old_chat_member": old,
                        "new_chat_member": new,
                    },
                )

    def create_topic(self, chat_id: int, name: str, user_id: int | None = None) -> int:
        """Create a forum topic; returns its message_thread_id."""
        state = self._state
        with state.lock:
            info = self._chat(chat_id)
            if not info.forum:
                raise ValueError(f"chat {chat_id} is not a forum")
            sender = state.find_user(user_id) if user_id is not None else state.bot
            thread_id = info.next_message_id
            info.topics.add(thread_id)
            fields = {"forum_topic_created": {"name": name, "icon_color": 7322096}}
            msg = state.new_message(info, sender, thread_id=thread_id, fields=fields)
            if sender is not state.bot:
                state.push_update("message", copy.deepcopy(msg))
            return thread_id

    def migrate_chat(self, old_id: int, new_id: int) -> JSON:
        """Upgrade a group to a supergroup; sends to ``old_id`` then fail with migrate_to."""
        state = self._state
        with state.lock:
            old = self._chat(old_id)
            new = ChatInfo(chat=shapes.group_chat(new_id, old.chat["title"], "supergroup"))
            for attr in ("creator", "admins", "members", "left", "kicked", "bot_status"):
                setattr(new, attr, copy.copy(getattr(old, attr)))
            sender = state.users.get(old.creator or 0, shapes.GROUP_ANONYMOUS_BOT)
            to_msg = state.new_message(old, sender, fields={"migrate_to_chat_id": new_id})
            state.chats[new_id] = new
            state.migrated[old_id] = new_id
            from_msg = state.new_message(new, sender, fields={"migrate_from_chat_id": old_id})
            state.push_update("message", copy.deepcopy(to_msg))
            state.push_update("message", copy.deepcopy(from_msg))
            return dict(new.chat)

    def _chat(self, chat_id: int) -> ChatInfo:
        if chat_id in self._state.migrated:
            raise ValueError(f"chat {chat_id} migrated to {self._state.migrated[chat_id]}")
        info = self._state.chats.get(chat_id)
        if info is None:
            raise ValueError(f"unknown chat {chat_id}; create it with api.group()/private_chat()")
        return info
