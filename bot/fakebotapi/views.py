"""JSON views of the fake's world for the control API and the rehearsal page.

Every function takes the :class:`~.state.State` and must be called with its lock held.  A
message view wraps the stored Telegram Message with what the page needs beside it: whether
the bot sent it, whether it was deleted, the bot's reactions, who voted for what in a poll,
and URLs for the bytes of uploaded documents and photos.
"""

from __future__ import annotations

import copy
from typing import Any

from .state import ChatInfo, State

JSON = dict[str, Any]
FILE_PATH = "/_control/file/"


def display_name(user: JSON) -> str:
    return " ".join(p for p in (user.get("first_name"), user.get("last_name")) if p) or str(
        user["id"]
    )


def user_view(user: JSON) -> JSON:
    return {**copy.deepcopy(user), "name": display_name(user)}


def chat_view(state: State, info: ChatInfo) -> JSON:
    chat = info.chat
    view: JSON = {"id": chat["id"], "type": chat["type"], "chat": copy.deepcopy(chat)}
    if chat["type"] == "private":
        user = state.users.get(chat["id"], {"id": chat["id"], "first_name": "?"})
        view.update(
            title=display_name(user),
            owner=chat["id"],
            started=chat["id"] in state.started_private,
            blocked=chat["id"] in state.blocked,
        )
    else:
        people = {info.creator} | info.admins | info.members | info.left | info.kicked
        view.update(
            title=chat.get("title", ""),
            members=[
                {"user_id": uid, "status": info.status_of(uid)}
                for uid in sorted(u for u in people if u is not None)
            ],
            bot_status=info.bot_status,
            migrated_to=state.migrated.get(chat["id"]),
        )
    view["pinned"] = list(info.pinned)
    return view


def file_url(state: State, file_id: str) -> str | None:
    return FILE_PATH + file_id if file_id in state.files else None


def message_view(state: State, chat_id: int, message_id: int) -> JSON:
    msg = state.messages[(chat_id, message_id)]
    view: JSON = {
        "chat_id": chat_id,
        "message_id": message_id,
        "from_bot": msg["from"]["id"] == state.bot["id"],
        "deleted": (chat_id, message_id) in state.deleted,
        "edited": "edit_date" in msg,
        "message": copy.deepcopy(msg),
        "reactions": copy.deepcopy(state.reactions.get((chat_id, message_id), [])),
    }
    if "poll" in msg:
        record = state.polls.get(msg["poll"]["id"], {})
        view["votes"] = {str(uid): list(v) for uid, v in record.get("votes", {}).items() if v}
    if "document" in msg:
        view["file_url"] = file_url(state, msg["document"]["file_id"])
    elif "photo" in msg:
        view["file_url"] = file_url(state, msg["photo"][-1]["file_id"])
    return view


def callback_view(query_id: str, query: JSON) -> JSON:
    return {
        "id": query_id,
        "user_id": query.get("user_id"),
        "answered": bool(query.get("answered")),
        "answer": copy.deepcopy(query.get("answer")),
    }


def snapshot(state: State) -> dict[tuple[str, str], JSON]:
    """Every view keyed by (kind, id): the unit of change in the event stream."""
    views: dict[tuple[str, str], JSON] = {}
    for uid, user in state.users.items():
        views[("user", str(uid))] = user_view(user)
    for chat_id, info in state.chats.items():
        views[("chat", str(chat_id))] = chat_view(state, info)
    for chat_id, message_id in state.messages:
        view = message_view(state, chat_id, message_id)
        views[("message", f"{chat_id}:{message_id}")] = view
    for query_id, query in state.callback_queries.items():
        views[("callback", query_id)] = callback_view(query_id, query)
    return views


def world(state: State) -> JSON:
    """The whole world: bot, users, chats, messages (chat by chat, in order), callbacks."""
    snap = snapshot(state)

    def of(kind: str) -> list[JSON]:
        return [v for (k, _), v in snap.items() if k == kind]

    messages = sorted(of("message"), key=lambda m: (m["chat_id"], m["message_id"]))
    return {
        "bot": copy.deepcopy(state.bot_from),
        "users": of("user"),
        "chats": of("chat"),
        "messages": messages,
        "callbacks": of("callback"),
    }
