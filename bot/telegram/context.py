"""What every handler needs from bot_data, typed, plus the few reply helpers they share."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.circle import CircleService
from bot.config import Config
from bot.telegram.permissions import is_organizer

Context = ContextTypes.DEFAULT_TYPE
Handler = Callable[[Update, Context], Awaitable[None]]

NOT_ORGANIZER = (
    "Only this group's administrators can steer the circle. "
    "Members can use /help, /points, /mine and /forgetme."
)


def service(context: Context) -> CircleService:
    return context.bot_data["service"]


def config(context: Context) -> Config:
    return context.bot_data["config"]


def now(context: Context) -> datetime:
    """The injected clock: tests replace it; nothing below the handlers reads the time itself."""
    return context.bot_data["clock"]()


async def answer(message: Message, html: str) -> None:
    """Reply in the same chat (and forum topic) as the command, without quoting it."""
    await message.reply_text(html, parse_mode=ParseMode.HTML, do_quote=False)


def organizers_only(handler: Handler) -> Handler:
    """Let chat administrators and configured organizers through; tell anyone else politely."""

    @functools.wraps(handler)
    async def checked(update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None:
            return
        if not await is_organizer(message, context):
            await answer(message, NOT_ORGANIZER)
            return
        await handler(update, context)

    return checked


async def ask_for_private_chat(message: Message, context: Context, command: str) -> None:
    """Bots may not open a private chat: the member must press Start once, then ask again."""
    link = f"https://t.me/{context.bot.username}?start={command}"
    await message.reply_text(
        "I can't message you yet: open a private chat with me, press <b>Start</b>, then send "
        f"/{command} here again.",
        parse_mode=ParseMode.HTML,
        do_quote=False,
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Open private chat", url=link)]]),
    )


def display_name(message: Message) -> str:
    if message.sender_chat is not None:
        return message.sender_chat.title or "Anonymous admin"
    user = message.from_user
    return user.full_name if user else "Someone"
