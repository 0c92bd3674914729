"""Member commands: /points (with links), /mine, /forgetme (with its confirmation button).
(/help is generated from the command table: bot/telegram/commands.py.)"""

from __future__ import annotations

import logging
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import Forbidden

from bot import answers, console, reads
from bot.model import Refusal, load_circle
from bot.reads import MemberAnswer
from bot.render import split_text, utf16_len
from bot.telegram.console import chat_title
from bot.telegram.context import CircleContext, ask_for_private_chat, reply
from bot.telegram.language import private_language
from bot.text import console as console_text
from bot.text import members as text
from bot.text import speaking
from bot.text.posts import answer_link

log = logging.getLogger(__name__)

MINE_LIMIT = 3500  # keep /mine replies comfortably under Telegram's 4096 characters


async def note_member(update: Update, context: CircleContext) -> None:
    """Remember a member who spoke to the bot, so /status can list who has not answered, and
    the group's title, so `circle-bot circles` can name it."""
    message = update.effective_message  # no answer (GROUP_SPEAKER): those note their sender
    user = message.from_user
    person = user is not None and not user.is_bot and message.sender_chat is None
    answers.see_member(
        context.bot_data.store,
        message.chat_id,
        user.id if person and user else None,
        user.full_name if person and user else "",
        context.now(),
        chat_title=message.chat.title,
    )


async def group_only(update: Update, context: CircleContext) -> None:
    """A group command sent in a private chat: say where it works."""
    await reply(update.effective_message, text.group_only())


async def points(update: Update, context: CircleContext) -> None:
    """The exchange's points, ✓ for those already discussed, ▶ for the current one."""
    message = update.effective_message
    data = context.bot_data
    result = reads.points_overview(data.store, data.exchanges, message.chat_id)
    if isinstance(result, Refusal):
        await reply(message, escape(result.message))
        return
    lines = []
    circle = load_circle(data.store, message.chat_id)
    thread = circle.thread_id if circle else None
    for line in result:
        mark = "▶" if line.current else ("✓" if line.discussed else "·")
        url = answer_link(*line.first_message, thread) if line.first_message else None
        lines.append(f"{mark} {line.number}. {console_text.points_link(line.title, url)}")
    await reply(message, text.points_heading() + "\n" + "\n".join(lines))


def _format_answers(chat_title: str, given: list[MemberAnswer]) -> list[str]:
    blocks = [text.mine_heading(chat_title)]
    if not given:
        blocks.append(text.mine_none())
    for item in given:
        body = item.text or ""
        if item.media_kind:
            body = f"[{item.media_kind}] {body}".strip()
        heading = text.mine_answer_heading(
            item.point_number,
            item.point_title,
            item.run_number,
            f"{item.created_at:%Y-%m-%d %H:%M %Z}",
            item.edited_at is not None,
        )
        # A long answer is split, never cut short or inside an HTML entity; its lines stay.
        pieces = _pieces(body, MINE_LIMIT - utf16_len(heading) - 20) if body else [""]
        blocks.append(f"{heading}\n{pieces[0]}")
        blocks += [f"{text.continued()}\n{piece}" for piece in pieces[1:]]
    return blocks


def _pieces(body: str, budget: int) -> list[str]:
    """Escaped pieces of an answer within `budget`, keeping its line breaks: whole lines where
    they fit, a line longer than a message split at sentences or words (render.split_text)."""
    if utf16_len(escape(body)) <= budget:
        return [escape(body)]
    pieces: list[str] = []
    current: str | None = None
    for line in body.split("\n"):
        for part in split_text(line, budget) if line.strip() else [""]:
            joined = part if current is None else f"{current}\n{part}"
            if current is not None and utf16_len(joined) > budget:
                pieces.append(current)
                joined = part
            current = joined
    return [*pieces, current or ""]


def _chunks(blocks: list[str]) -> list[str]:
    messages, current = [], ""
    for block in blocks:
        if current and utf16_len(current) + utf16_len(block) + 2 > MINE_LIMIT:
            messages.append(current)
            current = block
        else:
            current = f"{current}\n\n{block}" if current else block
    return [*messages, current]


async def mine(update: Update, context: CircleContext) -> None:
    """The member's own answers in this group, sent to them in a private chat."""
    message = update.effective_message
    user = message.from_user
    if user is None:
        return
    if message.chat.type == message.chat.PRIVATE:
        chats = console.member_chats(context.bot_data.store, user.id)
        if not chats:
            await reply(message, text.mine_in_group())
        for chat_id in chats:
            await send_mine(context, user.id, chat_id, await chat_title(context, chat_id))
        return
    if message.sender_chat is not None:
        await reply(message, text.anonymous())
        return
    try:
        await send_mine(context, user.id, message.chat_id, message.chat.title or "")
    except Forbidden:
        await ask_for_private_chat(message, context, "mine", message.chat_id)
        return
    await reply(message, text.mine_sent(user.first_name))


async def send_mine(context: CircleContext, user_id: int, chat_id: int, title: str) -> None:
    """The member's answers in that group, to their private chat (Forbidden without one)."""
    data = context.bot_data
    given = reads.member_answers(data.store, chat_id, user_id)
    # A private message: in the member's own language when the bot has it, else the circle's.
    with speaking(private_language(data, user_id, chat_id)):
        chunks = _chunks(_format_answers(title or text.this_group(), given))
    for chunk in chunks:
        await context.bot.send_message(user_id, chunk)
    console.open_private(context.bot_data.store, user_id, context.now())


async def forgetme(update: Update, context: CircleContext) -> None:
    """Ask the member to confirm deleting their answers and profile in this group."""
    message = update.effective_message
    user = message.from_user
    if user is None or message.chat.type == message.chat.PRIVATE:
        await reply(message, text.forget_in_group())
        return
    if message.sender_chat is not None:
        await reply(message, text.anonymous())
        return
    buttons = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(text.forget_yes(), callback_data=f"forget:{user.id}"),
                InlineKeyboardButton(text.forget_cancel(), callback_data=f"keep:{user.id}"),
            ]
        ]
    )
    await reply(message, text.forget_confirm(user.first_name), reply_markup=buttons)


async def forget_button(update: Update, context: CircleContext) -> None:
    """The /forgetme confirmation: only the member who asked can press it."""
    query = update.callback_query
    action, _, owner = (query.data or "").partition(":")
    if not owner.isdigit() or query.from_user.id != int(owner):
        await query.answer(text.forget_not_yours(), show_alert=True)
        return
    await query.answer()
    if action == "keep":
        await query.edit_message_text(text.forget_kept())
        return
    chat_id = query.message.chat.id
    deleted = answers.forget_member(
        context.bot_data.store, chat_id, query.from_user.id, context.now()
    )
    log.info("chat=%s user=%s forgot themselves (%s answers)", chat_id, query.from_user.id, deleted)
    await query.edit_message_text(text.forget_done(deleted))
