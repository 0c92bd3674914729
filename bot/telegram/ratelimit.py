"""Telegram's flood limits, with the per-group limit kept for what members see.

PTB's `AIORateLimiter` applies the 20-a-minute group limit to every call whose `chat_id` is
negative. Telegram's limit is on *messages* in a group; the 👍 on each answer
(`setMessageReaction`) and the admin checks behind each organizer command (`getChatMember`,
`getChatAdministrators`) are not messages, and charging them would hold the next scheduled
post back by minutes in a lively discussion. Those calls count against the overall limit only
(30 a second); a 429 on them is still waited out and retried like any other call.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import AIORateLimiter

# Bot API methods that are not messages to the group: no per-group limit. answerCallbackQuery
# carries no chat_id, so PTB's limiter already leaves it out of both limits; listed for clarity.
NOT_GROUP_MESSAGES = frozenset(
    {"setMessageReaction", "getChatMember", "getChatAdministrators", "answerCallbackQuery"}
)

# AIORateLimiter applies the overall limit when the request data has a `chat_id` at all, and
# the group limit when that chat_id is negative (or a @username). This one is neither.
_NO_GROUP = 0


class MessageRateLimiter(AIORateLimiter):
    """`AIORateLimiter` whose per-group limit only counts calls that post to the group."""

    async def process_request(
        self,
        callback: Any,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        # `data` only steers the limiter (the request itself is `callback(*args, **kwargs)`),
        # so a copy with a chat_id that is present but no group keeps the overall limit and
        # the retries on 429 and drops the group limit.
        if endpoint in NOT_GROUP_MESSAGES and data.get("chat_id") is not None:
            data = {**data, "chat_id": _NO_GROUP}
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )
