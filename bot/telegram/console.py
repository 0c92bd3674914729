"""The organizer console: every organizer command works in the group and in the organizer's
private chat, and its reply goes privately whenever the organizer has a private chat.

`organizers_only` wraps each organizer handler. It checks who asks (a member is refused once,
not again for a few minutes), finds the group the command is about (the group it was sent in,
or in private the group chosen with an inline keyboard and remembered) and puts a `Target` on
`context.target`: handlers use `target.chat_id` and `await target.reply(...)` and never care
where the command came from. The decisions are bot/console.py's.

The handler runs in the language of where its replies go (`Target.speak`): the organizer's own
Telegram language (else the circle's) when the route is private, the circle's in the group.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReactionTypeEmoji,
    Update,
    User,
)
from telegram.error import Forbidden, TelegramError

from bot import console
from bot.telegram.context import CircleContext, Handler, reply
from bot.telegram.language import circle_language, member_language
from bot.telegram.permissions import is_organizer, organizes
from bot.text import DEFAULT, fit, set_language
from bot.text import console as text
from bot.text import members as member_text

log = logging.getLogger(__name__)

ACK = "👌"  # all the group sees of an organizer command answered privately


def link(context: CircleContext, purpose: str, chat_id: int | None = None) -> str:
    payload = console.DeepLink(purpose, chat_id).payload
    return f"https://t.me/{context.bot.username}?start={payload}"


def private_button(context: CircleContext, purpose: str, chat_id: int) -> InlineKeyboardMarkup:
    button = InlineKeyboardButton(
        member_text.open_private_chat(), url=link(context, purpose, chat_id)
    )
    return InlineKeyboardMarkup([[button]])


@dataclass
class Target:
    """The group a command is about, and where its replies go."""

    chat_id: int
    message: Message
    user_id: int | None
    route: str
    context: CircleContext
    reacted: bool = field(default=False)
    # The circle's language, and the organizer's own when the bot has a catalog for it.
    group_language: str = DEFAULT
    own_language: str | None = None

    @classmethod
    def made(
        cls, chat_id: int, message: Message, user: User | None, route: str, context: CircleContext
    ) -> Target:
        """The target of a command, its handler speaking the language of where replies go."""
        target = cls(chat_id, message, user and user.id, route, context)
        target.own_language = member_language(user, "") or None
        target.relearn()
        return target

    def relearn(self) -> None:
        """The circle changed (/circle_start, /restart): speak its language from now on."""
        data = self.context.bot_data
        self.group_language = circle_language(data.store, data.exchanges, self.chat_id)
        self.speak()

    @property
    def private_language(self) -> str:
        return self.own_language or self.group_language

    def speak(self) -> None:
        """The rest of the handler speaks the language of where its replies go."""
        private = self.route == console.PRIVATE and self.user_id is not None
        set_language(self.private_language if private else self.group_language)

    @property
    def in_private(self) -> bool:
        return self.message.chat.type == self.message.chat.PRIVATE

    @property
    def thread_id(self) -> int | None:
        message = self.message
        return message.message_thread_id if message.is_topic_message else None

    async def reply(self, html: str, **kwargs) -> Message:
        """Privately when the route says so (the group gets a 👌), else in the group with the
        button that opens a private chat."""
        if self.route == console.PRIVATE and self.user_id is not None:
            sent = await self._private(html, **kwargs)
            if sent is not None:
                return sent
        if self.user_id is not None and "reply_markup" not in kwargs:
            kwargs["reply_markup"] = private_button(self.context, "console", self.chat_id)
        return await reply(self.message, html, **kwargs)

    async def reply_names(self, html: str, without_names: str) -> None:
        """A reply that names members: privately (trying even when no private chat is known),
        else the group gets `without_names` and a button that sends the rest privately."""
        if self.user_id is not None and await self._private(html) is not None:
            return
        button = private_button(self.context, "status", self.chat_id)
        await reply(self.message, without_names, reply_markup=button)

    async def _private(self, html: str, **kwargs) -> Message | None:
        store, user_id = self.context.bot_data.store, self.user_id
        assert user_id is not None
        try:
            sent = await self.context.bot.send_message(user_id, fit(html), **kwargs)
        except Forbidden:
            console.close_private(store, user_id)
            self.route = console.GROUP
            return None
        await self.acknowledge()
        return sent

    async def acknowledge(self) -> None:
        """Something reached the organizer privately: note the private chat; the group sees a
        👌 on the command (once), nothing more."""
        if self.user_id is not None:
            console.open_private(self.context.bot_data.store, self.user_id, self.context.now())
        if not self.in_private and not self.reacted:
            self.reacted = True
            try:
                await self.message.set_reaction(ReactionTypeEmoji(ACK))
            except TelegramError as error:
                log.info("chat=%s no reaction possible: %s", self.chat_id, error)


async def organized_chats(context: CircleContext, user_id: int) -> list[int]:
    ids = context.config.organizer_ids
    chats = console.circle_chats(context.bot_data.store)
    return [chat for chat in chats if await organizes(context.bot, chat, user_id, ids)]


async def chat_title(context: CircleContext, chat_id: int) -> str:
    try:
        return (await context.bot.get_chat(chat_id)).title or str(chat_id)
    except TelegramError:
        return str(chat_id)


async def refuse(message: Message, context: CircleContext) -> None:
    """One short refusal per member and chat in a few minutes; a second try gets nothing."""
    user = message.from_user
    key = (message.chat_id, user.id if user else 0)
    refused, now = context.bot_data.refused, context.now()
    if console.refusal_due(refused.get(key), now):
        refused[key] = now
        await reply(message, member_text.not_organizer())


def organizers_only(handler: Handler) -> Handler:
    """Let organizers through with `context.target` set; refuse anyone else politely."""

    @functools.wraps(handler)
    async def checked(update: Update, context: CircleContext) -> None:
        message = update.effective_message
        if message is None:
            return
        store = context.bot_data.store
        user = message.from_user if message.sender_chat is None else None
        if message.chat.type != message.chat.PRIVATE:
            if not await is_organizer(message, context.bot, context.config.organizer_ids):
                await refuse(message, context)
                return
            known = user is not None and console.has_private(store, user.id)
            route = console.reply_route(False, known)
            context.target = Target.made(message.chat_id, message, user, route, context)
            await handler(update, context)
            return
        if user is None:
            return
        console.open_private(store, user.id, context.now())
        organized = await organized_chats(context, user.id)
        chat_id = console.console_target(console.chosen(store, user.id), organized)
        if chat_id is None:
            context.bot_data.console_pending[user.id] = (handler, list(context.args or []))
            await ask_for_group(message, context, organized)
            return
        context.target = Target.made(chat_id, message, user, console.PRIVATE, context)
        await handler(update, context)

    checked.inner = handler  # type: ignore[attr-defined]
    return checked


async def ask_for_group(message: Message, context: CircleContext, organized: list[int]) -> None:
    if not organized:
        await reply(message, text.organizes_nothing())
        return
    rows = [
        [InlineKeyboardButton(await chat_title(context, chat), callback_data=f"console:{chat}")]
        for chat in organized
    ]
    await reply(message, text.choose_group(), reply_markup=InlineKeyboardMarkup(rows))


async def console_command(update: Update, context: CircleContext) -> None:
    """/console: choose (again) which group private commands steer."""
    message = update.effective_message
    user = message.from_user
    if message.chat.type != message.chat.PRIVATE or user is None:
        if user is not None and await is_organizer(
            message, context.bot, context.config.organizer_ids
        ):
            console.choose(context.bot_data.store, user.id, message.chat_id, context.now())
            button = private_button(context, "console", message.chat_id)
            await reply(message, text.chosen(message.chat.title or ""), reply_markup=button)
        else:
            await refuse(message, context)
        return
    console.open_private(context.bot_data.store, user.id, context.now())
    await ask_for_group(message, context, await organized_chats(context, user.id))


async def choose_button(update: Update, context: CircleContext) -> None:
    """A group picked on the console's keyboard: remember it and run the command waiting."""
    query = update.callback_query
    user_id = query.from_user.id
    _, _, chat = (query.data or "").partition(":")
    chat_id = int(chat) if chat.lstrip("-").isdigit() else 0
    if not await organizes(context.bot, chat_id, user_id, context.config.organizer_ids):
        await query.answer(text.not_organizer_here(), show_alert=True)
        return
    await query.answer()
    console.choose(context.bot_data.store, user_id, chat_id, context.now())
    await query.edit_message_text(text.chosen(await chat_title(context, chat_id)))
    pending = context.bot_data.console_pending.pop(user_id, None)
    if pending is not None and query.message is not None:
        handler, args = pending
        context.args = args
        target = Target.made(chat_id, query.message, query.from_user, console.PRIVATE, context)
        context.target = target
        await handler(update, context)
