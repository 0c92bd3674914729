"""The one command table: it registers the handlers, publishes the command menus
(`setMyCommands` per scope) and writes /help; tests check the README against it.

Adding a member command: its handler in a handler module, its text in bot/text/, one row here.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    Update,
)

from bot.model import load_circle
from bot.telegram import (
    catchup,
    console,
    export_command,
    insight,
    language_command,
    members,
    nudges,
    organizer,
    schedule_commands,
)
from bot.telegram.console import organized_chats
from bot.telegram.context import CircleContext, Handler, reply
from bot.telegram.permissions import is_organizer
from bot.text import CODES, speaking
from bot.text import members as member_text
from bot.text import points as point_text
from bot.text.commands import DESCRIPTIONS, private_help

MEMBERS, ORGANIZERS = "members", "organizers"


@dataclass(frozen=True)
class Command:
    name: str
    callback: Handler
    audience: str  # MEMBERS or ORGANIZERS (checked by the handler's @organizers_only)
    anywhere: bool = False  # also in private chats; otherwise the group only

    def description(self) -> str:
        return DESCRIPTIONS[self.name]()


async def help_command(update: Update, context: CircleContext) -> None:
    """What the circle is, how to answer, the commands from this table (organizer commands
    only to organizers), and where this group's exchange comes from."""
    message = update.effective_message
    circle = load_circle(context.bot_data.store, message.chat_id)
    exchange = context.bot_data.exchanges.get(circle.exchange_id) if circle else None
    sources = point_text.sources(exchange) if exchange else ""
    ids = context.config.organizer_ids
    if message.chat.type == message.chat.PRIVATE:
        user = message.from_user
        organizer = user is not None and (
            user.id in ids or bool(await organized_chats(context, user.id))
        )
    else:
        organizer = await is_organizer(message, context.bot, ids)
    await reply(message, help_text(organizer) + (f"\n\n{sources}" if sources else ""))


# In the order /help and the command menus list them.
COMMANDS: tuple[Command, ...] = (
    Command("help", help_command, MEMBERS, anywhere=True),
    Command("points", members.points, MEMBERS),
    Command("mine", members.mine, MEMBERS, anywhere=True),
    Command("catchup", catchup.catchup_command, MEMBERS, anywhere=True),
    Command("nudgeme", nudges.nudgeme, MEMBERS),
    Command("forgetme", members.forgetme, MEMBERS),
    # Organizer commands work in the group and in the organizer's private chat (the console).
    Command("circle_start", organizer.circle_start, ORGANIZERS, anywhere=True),
    Command("next", organizer.next_point, ORGANIZERS, anywhere=True),
    Command("status", organizer.status, ORGANIZERS, anywhere=True),
    Command("nudge", organizer.nudge, ORGANIZERS, anywhere=True),
    Command("pause", organizer.pause, ORGANIZERS, anywhere=True),
    Command("resume", organizer.resume, ORGANIZERS, anywhere=True),
    Command("skip", organizer.skip, ORGANIZERS, anywhere=True),
    Command("goto", organizer.goto, ORGANIZERS, anywhere=True),
    Command("restart", organizer.restart, ORGANIZERS, anywhere=True),
    Command("circle_stop", organizer.circle_stop, ORGANIZERS, anywhere=True),
    Command("schedule", schedule_commands.schedule, ORGANIZERS, anywhere=True),
    Command("pace", schedule_commands.pace, ORGANIZERS, anywhere=True),
    Command("holiday", schedule_commands.holiday, ORGANIZERS, anywhere=True),
    Command("remind", schedule_commands.remind, ORGANIZERS, anywhere=True),
    Command("export", export_command.export, ORGANIZERS, anywhere=True),
    Command("console", console.console_command, ORGANIZERS, anywhere=True),
    Command("stats", insight.stats, ORGANIZERS, anywhere=True),
    Command("search", insight.search, ORGANIZERS, anywhere=True),
    Command("language", language_command.language, ORGANIZERS, anywhere=True),
)


def help_text(organizer: bool = True) -> str:
    """/help from the table; the organizer commands only for organizers."""

    def lines(audience: str) -> list[str]:
        return [f"/{c.name} — {c.description()}" for c in COMMANDS if c.audience == audience]

    blocks = [member_text.help_intro(), "\n".join(lines(MEMBERS))]
    if organizer:
        blocks.append(member_text.help_organizers() + "\n" + "\n".join(lines(ORGANIZERS)))
    return "\n\n".join(blocks)


async def publish(bot: Bot) -> None:
    """Member commands for every group, all of them for administrators, /help in private: in
    English for everyone, and translated for each `language_code` the bot has a catalog for.
    Command names are the same in every language."""
    for locale, code in CODES.items():
        with speaking(locale):
            await _publish(bot, "" if code == "en" else code)


async def _publish(bot: Bot, code: str) -> None:
    language_code = code or None
    member_menu = [BotCommand(c.name, c.description()) for c in COMMANDS if c.audience == MEMBERS]
    organizer_menu = [
        BotCommand(c.name, c.description()) for c in COMMANDS if c.audience == ORGANIZERS
    ]
    await bot.set_my_commands(
        member_menu, scope=BotCommandScopeAllGroupChats(), language_code=language_code
    )
    await bot.set_my_commands([BotCommand("help", private_help())], language_code=language_code)
    await bot.set_my_commands(
        organizer_menu + member_menu,
        scope=BotCommandScopeAllChatAdministrators(),
        language_code=language_code,
    )
