"""`circle-bot export | circles | stats | search`: reports read from the database on the bot's
machine. None needs the bot token, and each can run beside a running bot (WAL: readers never
block it). A mistake is one line on stderr and exit code 2."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import click

from bot.config import ConfigError, load_config
from bot.content import ContentError, load_library
from bot.exchange import Exchange
from bot.migrations import SchemaTooNew
from bot.minutes_format import write_minutes
from bot.model import Refusal
from bot.store import Store, open_store

config_option = click.option(
    "--config",
    "config_path",
    default="config.toml",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Configuration file (copy config.example.toml).",
)
chat_option = click.option(
    "--chat",
    "chat_id",
    required=True,
    type=int,
    help="The group's Telegram chat id (`circle-bot circles` lists them).",
)


def fail(text: str) -> NoReturn:
    click.echo(f"Error: {text}", err=True)
    sys.exit(2)


@contextmanager
def opened(config_path: str) -> Iterator[tuple[Store, Mapping[str, Exchange]]]:
    """The configured database (never created here) and the exchanges, if they load."""
    try:
        config = load_config(config_path, require_token=False)
    except ConfigError as error:
        fail(str(error))
    if not config.database.exists():
        fail(f"{config.database}: no database yet (the bot creates it when it first runs)")
    try:
        exchanges: Mapping[str, Exchange] = load_library(config.content_dir)
    except ContentError as error:
        # The database alone still makes readable reports: titles are stored with each answer.
        click.echo(
            f"Warning: {len(error.problems)} content problem(s), the exchange texts are left "
            "out (see circle-bot content check).",
            err=True,
        )
        exchanges = {}
    try:
        store = open_store(config.database)
    except (SchemaTooNew, sqlite3.DatabaseError) as error:
        fail(f"{config.database}: {error}")
    try:
        yield store, exchanges
    finally:
        store.close()


def check_chat(store: Store, chat_id: int) -> None:
    """A wrong --chat, said in the command line's terms."""
    if store.scalar("SELECT 1 FROM circles WHERE chat_id = ?", [chat_id]) is None:
        fail(f"no circle in chat {chat_id}: `circle-bot circles` lists the chat ids that have one")


@click.command()
@config_option
@chat_option
@click.option(
    "--run", "run_number", type=click.IntRange(min=1), help="Run number (default: current)."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "markdown", "html", "csv", "json"], case_sensitive=False),
    default="md",
    show_default=True,
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write to this file instead of printing.",
)
def export(
    config_path: str, chat_id: int, run_number: int | None, fmt: str, output: str | None
) -> None:
    """Print (or write) a circle's minutes from the database; needs no bot token."""
    with opened(config_path) as (store, exchanges):
        check_chat(store, chat_id)
        if output:
            try:
                with Path(output).open("w", encoding="utf-8", newline="") as out:
                    result = write_minutes(store, out, chat_id, run_number, fmt, exchanges)
            except OSError as error:
                fail(f"{output}: {error.strerror or error}")
        else:
            out = sys.stdout
            result = write_minutes(store, out, chat_id, run_number, fmt, exchanges)
    if isinstance(result, Refusal):
        if output:
            Path(output).unlink(missing_ok=True)
        fail(result.message)
    if output:
        click.echo(f"Wrote {output}.", err=True)


@click.command()
@config_option
def circles(config_path: str) -> None:
    """List every circle: chat id, title, exchange, state, run and answers."""
    with opened(config_path) as (store, _):
        rows = store.all(
            "SELECT circles.chat_id, circles.title, circles.exchange_id, circles.state,"
            " runs.number AS run, (SELECT COUNT(*) FROM answers JOIN runs AS r"
            " ON r.id = answers.run_id WHERE r.circle_id = circles.id) AS answers"
            " FROM circles LEFT JOIN runs ON runs.id = circles.run_id ORDER BY circles.chat_id"
        )
    if not rows:
        click.echo("No circles yet: start one with /circle_start in a group.")
        return
    table = [("chat id", "title", "exchange", "state", "run", "answers")]
    table += [
        (str(r["chat_id"]), r["title"] or "(unknown)", r["exchange_id"], r["state"],
         str(r["run"] or "-"), str(r["answers"]))
        for r in rows
    ]  # fmt: skip
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        click.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )


@click.command()
@config_option
@chat_option
@click.option(
    "--png",
    type=click.Path(dir_okay=False, writable=True),
    help="Also write the chart (answers per point, stacked by member) to this PNG file.",
)
def stats(config_path: str, chat_id: int, png: str | None) -> None:
    """Print the current run's statistics, as /stats sends them."""
    from bot.stats import circle_stats
    from bot.text.insight import stats_report

    with opened(config_path) as (store, exchanges):
        check_chat(store, chat_id)
        result = circle_stats(store, exchanges, chat_id)
    if isinstance(result, Refusal):
        fail(result.message)
    click.echo(stats_report(result))
    if png:
        from bot.stats_chart import chart_png

        try:
            Path(png).write_bytes(chart_png(result))
        except OSError as error:
            fail(f"{png}: {error.strerror or error}")
        click.echo(f"Wrote {png}.", err=True)


@click.command()
@config_option
@chat_option
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.argument("words", nargs=-1, required=True)
def search(config_path: str, chat_id: int, limit: int, words: tuple[str, ...]) -> None:
    """Full-text search over a circle's answers, best match first."""
    from bot.search import search as search_answers
    from bot.text.insight import hit_lines

    text = " ".join(words)
    with opened(config_path) as (store, _):
        check_chat(store, chat_id)
        hits = search_answers(store, chat_id, text, limit)
    if isinstance(hits, Refusal):
        fail(hits.message)
    click.echo(hit_lines(hits, text, ("«", "»"), str))
