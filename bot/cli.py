"""The `circle-bot` command line: thin click commands over the library."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import click

from bot.cli_reports import circles, config_option, export, search, stats
from bot.config import ConfigError, load_config
from bot.content import ContentError, load_exchange, load_library, original_file
from bot.coverage import check_coverage, format_report
from bot.exchange import Exchange
from bot.render import render_point, utf16_len
from bot.store import backup


@click.group()
@click.version_option(package_name="discussion-circle")
def cli() -> None:
    """Discussion Circle: a Telegram bot that walks a study group through an exchange."""


@cli.command()
@config_option
@click.option(
    "--webhook",
    metavar="URL",
    help="Receive updates by webhook at this public HTTPS URL instead of long polling.",
)
@click.option(
    "--listen",
    metavar="HOST:PORT",
    default="127.0.0.1:8443",
    show_default=True,
    help="Where the webhook server listens (behind a TLS proxy).",
)
def run(config_path: str, webhook: str | None, listen: str) -> None:
    """Start the bot (long polling, or a webhook) with the given configuration."""
    try:
        config = load_config(config_path)
    except ConfigError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(2)
    # imported late: `content` commands need no PTB
    from bot.telegram.runner import Webhook, run_bot

    hook = None
    if webhook:
        host, _, port = listen.rpartition(":")
        if not webhook.startswith("https://") and not webhook.startswith("http://127."):
            raise click.BadParameter("must be an https:// URL", param_hint="--webhook")
        if not port.isdigit() or not 0 < int(port) < 65536 or not host:
            raise click.BadParameter(
                "must be HOST:PORT, e.g. 127.0.0.1:8443", param_hint="--listen"
            )
        hook = Webhook(webhook, listen)
    sys.exit(run_bot(config, hook))


@cli.command()
@config_option
def doctor(config_path: str) -> None:
    """Check the setup: config, content, database, token, Bot API, privacy mode."""
    from bot.telegram.doctor import diagnose  # imported late: needs PTB

    healthy = True
    for ok, what, line in diagnose(config_path):
        healthy = healthy and ok
        click.echo(f"{'ok ' if ok else 'BAD'} {what}: {line}")
    sys.exit(0 if healthy else 1)


@cli.group()
def db() -> None:
    """The database: back it up."""


@db.command("backup")
@config_option
@click.argument("target", type=click.Path(dir_okay=False))
def db_backup(config_path: str, target: str) -> None:
    """Copy the database to TARGET, consistently, even while the bot runs."""
    try:
        config = load_config(config_path, require_token=False)
    except ConfigError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(2)
    if not config.database.exists():
        click.echo(f"Error: {config.database}: no database yet", err=True)
        sys.exit(2)
    if Path(target).exists():
        click.echo(f"Error: {target} exists; choose a new file", err=True)
        sys.exit(2)
    try:
        version = backup(config.database, target)
    except (sqlite3.Error, OSError) as error:
        click.echo(f"Error: backup failed: {error}", err=True)
        sys.exit(1)
    click.echo(f"Backed up {config.database} to {target} (schema {version}).")


@cli.command()
@click.option(
    "--exchange",
    "exchange_id",
    default="icl-tiananmen-2025",
    show_default=True,
    help="The exchange to rehearse (its id in the content folder).",
)
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--db",
    type=click.Path(dir_okay=False),
    help="Keep the rehearsal in this SQLite file (default: a throwaway one).",
)
@click.option(
    "--content",
    "content_dir",
    default="content",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder of exchanges.",
)
@click.option("--no-open", is_flag=True, help="Only print the page's URL; open no browser.")
def rehearse(exchange_id: str, port: int, db: str | None, content_dir: str, no_open: bool) -> None:
    """Try a whole circle in the browser: no Telegram account or token needed."""
    try:
        library = load_library(content_dir)
    except ContentError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        sys.exit(1)
    if exchange_id not in library:
        known = ", ".join(sorted(library)) or "none"
        problem = f"Error: no exchange {exchange_id!r} in {content_dir} (known: {known})"
        click.echo(problem, err=True)
        sys.exit(2)
    from bot.telegram.rehearsal import run_rehearsal  # imported late: needs PTB

    database = Path(db) if db else None
    sys.exit(run_rehearsal(Path(content_dir), exchange_id, port, database, open_page=not no_open))


@cli.group()
def content() -> None:
    """Check and preview exchange files."""


def _load(path: str) -> Exchange:
    try:
        return load_exchange(path)
    except ContentError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        count = len(error.problems)
        click.echo(f"{count} problem{'s' if count != 1 else ''} found.", err=True)
        sys.exit(1)


@content.command()
@click.argument("path", type=click.Path(exists=True))
@click.option(
    "--source",
    type=click.Path(exists=True, dir_okay=False),
    help="The original text: report which of its sentences no point covers "
    "(default: original.txt in an exchange folder).",
)
def check(path: str, source: str | None) -> None:
    """Validate an exchange (a .toml file or a folder) and its coverage of the original."""
    exchange = _load(path)
    click.echo(f"{path}: valid, {len(exchange.points)} points ({exchange.id}: {exchange.title})")
    source = source or (str(original_file(path)) if original_file(path) else None)
    if source:
        report = check_coverage(exchange, Path(source).read_text(encoding="utf-8"))
        for line in format_report(report):
            click.echo(line)
        if not report.complete:
            sys.exit(1)


@content.command()
@click.argument("path", type=click.Path(exists=True))
@click.option("--point", "point_id", help="Only this point (its id or its number).")
def preview(path: str, point_id: str | None) -> None:
    """Print exactly the messages the bot will post for each point, with their sizes."""
    exchange = _load(path)
    indexes = list(range(len(exchange.points)))
    if point_id:
        index = exchange.point_index(point_id)
        if index is None and point_id.isdigit() and 1 <= int(point_id) <= len(exchange.points):
            index = int(point_id) - 1
        if index is None:
            ids = ", ".join(point.id for point in exchange.points)
            raise click.BadParameter(
                f"no point {point_id!r}; use a number 1–{len(exchange.points)} or one of: {ids}",
                param_hint="--point",
            )
        indexes = [index]
    for index in indexes:
        point = exchange.points[index]
        click.echo(f"=== Point {index + 1}/{len(exchange.points)}: {point.id} ===")
        for message in render_point(exchange, index):
            if message.poll:
                options = " | ".join(message.poll.options)
                click.echo(f"--- {message.key} (poll): {message.poll.question} [{options}]")
            else:
                click.echo(f"--- {message.key} ({utf16_len(message.html)} characters)")
                click.echo(message.html)
        click.echo()


for command in (export, circles, stats, search):
    cli.add_command(command)


if __name__ == "__main__":
    cli()
