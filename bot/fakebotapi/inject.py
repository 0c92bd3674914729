"""The "other side" of the conversation: what people do in chats.

:class:`InjectMixin` is mixed into :class:`~bot.fakebotapi.FakeBotAPI`.  Each action stores
what Telegram would store and queues the matching Update (waking long-polls).  Methods that
create a message return that Message dict; the others return the Update dict.  Misuse (unknown
user, missing message, ...) raises ``ValueError`` — these are test bugs, not API errors.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from . import shapes
from .world import WorldMixin

JSON = dict[str, Any]


class InjectMixin(WorldMixin):
    # -- things people do ----------------------------------------------------------------
    def send_text(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        reply_to: int | None = None,
        thread_id: int | None = None,
    ) -> JSON:
        """A user writes ``text``; a leading ``/command`` gets a bot_command entity."""
        fields: JSON = {"text": text}
        entities = shapes.command_entities(text)
        if entities:
            fields["entities"] = entities
        return self._user_message(chat_id, user_id, fields, reply_to, thread_id)

    def send_media(
        self,
        chat_id: int,
        user_id: int,
        kind: str,
        caption: str | None = None,
        reply_to: int | None = None,
        thread_id: int | None = None,
    ) -> JSON:
        """A user sends a voice/photo/document/video/video_note/audio/sticker message."""
        fields: JSON = {kind: shapes.media(kind, self._state.next_id(f"{kind}-"))}
        if caption:
            fields["caption"] = caption
        return self._user_message(chat_id, user_id, fields, reply_to, thread_id)

    def anonymous_admin_message(
        self, chat_id: int, text: str, reply_to: int | None = None, thread_id: int | None = None
    ) -> JSON:
        """An admin posting anonymously: from=GroupAnonymousBot, sender_chat=the group."""
        fields: JSON = {"text": text}
        entities = shapes.command_entities(text)
        if entities:
            fields["entities"] = entities
        return self._user_message(chat_id, None, fields, reply_to, thread_id, anonymous=True)

    def edit_text(self, chat_id: int, message_id: int, new_text: str) -> JSON:
        """A user edits their message; queues an ``edited_message`` update."""
        state = self._state
        with state.lock:
            msg = state.message(chat_id, message_id)
            if msg is None:
                raise ValueError(f"no message {message_id} in chat {chat_id}")
            if msg["from"]["id"] == state.bot["id"]:
                raise ValueError("users cannot edit the bot's messages")
            key = "caption" if "caption" in msg or "text" not in msg else "text"
            msg[key] = new_text
            entities = shapes.command_entities(new_text) if key == "text" else []
            ekey = "entities" if key == "text" else "caption_entities"
            msg.pop(ekey, None)
            if entities:
                msg[ekey] = entities
            msg["edit_date"] = state.now()
            state.push_update("edited_message", copy.deepcopy(msg))
            return copy.deepcopy(msg)

    def press_button(
        self, chat_id: int, user_id: int, message_id: int, callback_data: str, strict: bool = True
    ) -> JSON:
        """A user taps an inline button; queues a ``callback_query`` update (returned).

        With ``strict`` the message must exist and carry a button with ``callback_data``;
        ``strict=False`` simulates a tap on a stale keyboard.
        """
        state = self._state
        with state.lock:
            u = state.find_user(user_id)
            msg = state.message(chat_id, message_id)
            buttons = [
                b.get("callback_data")
                for row in (msg or {}).get("reply_markup", {}).get("inline_keyboard", [])
                for b in row
            ]
            if strict and callback_data not in buttons:
                raise ValueError(f"message {chat_id}/{message_id} has no button {callback_data!r}")
            query_id = str(4_000_000_000_000_000_000 + int(state.next_id("")))
            query: JSON = {
                "id": query_id,
                "from": u,
                "chat_instance": str(abs(hash((chat_id, state.token))) % 10**18),
                "data": callback_data,
            }
            if msg is not None:
                query["message"] = copy.deepcopy(msg)
            state.callback_queries[query_id] = {"answered": False, "user_id": user_id}
            return state.push_update("callback_query", query)

    def answer_poll(self, poll_id: str, user_id: int, option_ids: Iterable[int]) -> JSON:
        """A user votes (empty ``option_ids`` retracts). A public poll queues a ``poll_answer``
        update; an anonymous one queues a ``poll`` update with the new counts and no voter,
        which is what Telegram sends the bot that posted it."""
        state = self._state
        options = list(option_ids)
        with state.lock:
            u = state.find_user(user_id)
            record = state.polls.get(str(poll_id))
            if record is None:
                raise ValueError(f"unknown poll {poll_id}")
            poll = state.messages[(record["chat_id"], record["message_id"])]["poll"]
            if poll["is_closed"]:
                raise ValueError("poll is closed")
            if any(not 0 <= i < len(poll["options"]) for i in options):
                raise ValueError(f"option ids {options} out of range")
            if len(options) > 1 and not poll["allows_multiple_answers"]:
                raise ValueError("poll does not allow multiple answers")
            record["votes"][user_id] = options
            for i, option in enumerate(poll["options"]):
                option["voter_count"] = sum(i in v for v in record["votes"].values())
            poll["total_voter_count"] = sum(1 for v in record["votes"].values() if v)
            if poll["is_anonymous"]:
                return state.push_update("poll", copy.deepcopy(poll))
            answer = {
                "poll_id": str(poll_id),
                "user": u,
                "option_ids": options,
                "option_persistent_ids": [poll["options"][i]["persistent_id"] for i in options],
            }
            return state.push_update("poll_answer", answer)

    def member_update(
        self, chat_id: int, user_id: int, status: str, by: int | None = None
    ) -> JSON | None:
        """A member joins, leaves, is promoted or banned: sets the status and, as Telegram
        does, queues a ``chat_member`` update only when the bot is an administrator there
        (and getUpdates asked for them); returns the update, or None when none is sent."""
        state = self._state
        with state.lock:
            info = self._chat(chat_id)
            old = info.status_of(user_id)
            self.set_member(chat_id, user_id, status)
            if info.bot_status not in ("administrator", "creator"):
                return None
            u = state.find_user(user_id)
            return state.push_update(
                "chat_member",
                {
                    "chat": dict(info.chat),
                    "from": state.find_user(by) if by is not None else u,
                    "date": state.now(),
                    "old_chat_member": shapes.chat_member(u, old, info.forum),
                    "new_chat_member": shapes.chat_member(u, status, info.forum),
                },
            )

    def add_bot_to_group(
        self, chat_id: int, title: str, by: int, status: str = "member", members: Iterable[int] = ()
    ) -> JSON:
        """``by`` adds the bot to a new group (its creator): queues ``my_chat_member``."""
        state = self._state
        with state.lock:
            self.group(chat_id, title, admins=[by], creator=by, members=members, bot_status=status)
            info = self._chat(chat_id)
            return state.push_update(
                "my_chat_member",
                {
                    "chat": dict(info.chat),
                    "from": state.find_user(by),
                    "date": state.now(),
                    "old_chat_member": shapes.chat_member(state.bot_from, "left"),
                    "new_chat_member": shapes.chat_member(state.bot_from, status),
                },
            )

    # -- internals -----------------------------------------------------------------------
    def _user_message(
        self,
        chat_id: int,
        user_id: int | None,
        fields: JSON,
        reply_to: int | None,
        thread_id: int | None,
        anonymous: bool = False,
    ) -> JSON:
        state = self._state
        with state.lock:
            if user_id is not None and chat_id == user_id and chat_id not in state.chats:
                self.private_chat(user_id)
            info = self._chat(chat_id)
            private = info.chat["type"] == "private"
            if anonymous:
                if private:
                    raise ValueError("anonymous admin messages only exist in groups")
                sender, sender_chat = shapes.GROUP_ANONYMOUS_BOT, dict(info.chat)
            else:
                assert user_id is not None
                sender, sender_chat = state.find_user(user_id), None
                if private and user_id != chat_id:
                    raise ValueError(f"user {user_id} cannot write in {chat_id}'s private chat")
                if private:
                    state.started_private.add(user_id)
                    state.blocked.discard(user_id)
                elif user_id in info.kicked:
                    raise ValueError(f"user {user_id} is banned from {chat_id}")
                else:
                    info.members.add(user_id)
                    info.left.discard(user_id)
            replied = None
            if reply_to is not None:
                replied = state.message(chat_id, reply_to)
                if replied is None:
                    raise ValueError(f"no message {reply_to} in chat {chat_id} to reply to")
            if thread_id is not None and info.forum:
                info.topics.add(thread_id)
            if not info.forum:
                thread_id = None
            msg = state.new_message(
                info,
                sender,
                thread_id=thread_id,
                reply_to=replied,
                sender_chat=sender_chat,
                fields=fields,
            )
            state.push_update("message", copy.deepcopy(msg))
            return copy.deepcopy(msg)
