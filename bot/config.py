"""Configuration: config.toml plus the environment, validated once at start-up.

Every mistake becomes one `ConfigError` line naming the key and what is accepted; the CLI
prints it and exits 2, so whoever runs the bot never has to read a traceback.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.schedule import ScheduleError, check_schedule

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
TOKEN_HELP = (
    "Talk to @BotFather in Telegram, send /newbot, and put the token it gives you in the "
    "environment: export {var}=123456:ABC..."
)


class ConfigError(Exception):
    """A configuration mistake, worded for the person running the bot."""


@dataclass(frozen=True)
class Config:
    token: str
    token_env: str
    api_base_url: str
    database: Path
    content_dir: Path
    default_exchange: str
    timezone: str
    schedule: str
    late_grace_minutes: int
    organizer_ids: frozenset[int]
    log_level: str
    retention_days: int = 0  # 0: answers are kept until deleted (/forgetme, a new bot)

    @property
    def api_file_url(self) -> str:
        # The Bot API serves files under /file/bot<token>; a local fake or self-hosted server
        # follows the same layout.
        return self.api_base_url.removesuffix("/bot").rstrip("/") + "/file/bot"


# section -> key -> (type, default). One table drives parsing, validation and the docs test.
SCHEMA: dict[str, dict[str, tuple[type, object]]] = {
    "telegram": {
        "token_env": (str, "TELEGRAM_BOT_TOKEN"),
        "api_base_url": (str, DEFAULT_API_BASE_URL),
    },
    "storage": {"database": (str, "data/circle.db"), "retention_days": (int, 0)},
    "content": {
        "directory": (str, "content"),
        "default_exchange": (str, "icl-tiananmen-2025"),
    },
    "circle": {
        "timezone": (str, "UTC"),
        "schedule": (str, ""),
        "late_grace_minutes": (int, 60),
    },
    "organizers": {"user_ids": (list, [])},
    "logging": {"level": (str, "INFO")},
}


def _type_name(kind: type) -> str:
    return {str: "text", int: "a whole number", list: "a list"}[kind]


def _read(path: Path) -> dict:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such config file (copy config.example.toml to {path} and edit it)"
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None


def _values(path: Path, data: dict) -> dict[str, object]:
    values: dict[str, object] = {}
    for section, content in data.items():
        if section not in SCHEMA:
            accepted = ", ".join(f"[{name}]" for name in SCHEMA)
            raise ConfigError(f"{path}: unknown section [{section}] (accepted: {accepted})")
        if not isinstance(content, dict):
            raise ConfigError(f"{path}: {section} must be a [{section}] table")
        for key, value in content.items():
            if key not in SCHEMA[section]:
                accepted = ", ".join(SCHEMA[section])
                raise ConfigError(f"{path}: unknown key {section}.{key} (accepted: {accepted})")
            kind = SCHEMA[section][key][0]
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise ConfigError(
                    f"{path}: {section}.{key} must be {_type_name(kind)}, got {value!r}"
                )
            values[f"{section}.{key}"] = value
    for section, keys in SCHEMA.items():
        for key, (_, default) in keys.items():
            values.setdefault(f"{section}.{key}", default)
    return values


def load_config(
    path: str | Path,
    environ: Mapping[str, str] | None = None,
    require_token: bool = True,
) -> Config:
    """Read and validate the config file; the token comes from the environment only."""
    path = Path(path)
    environ = os.environ if environ is None else environ
    values = _values(path, _read(path))

    timezone = str(values["circle.timezone"])
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{path}: circle.timezone {timezone!r} is not an IANA time zone "
            "(for example Europe/Berlin, America/New_York, UTC)"
        ) from None
    retention = int(values["storage.retention_days"])  # type: ignore[call-overload]
    if retention < 0:
        raise ConfigError(
            f"{path}: storage.retention_days must be 0 (keep) or a number of days, got {retention}"
        )
    grace = int(values["circle.late_grace_minutes"])  # type: ignore[call-overload]
    if grace < 0:
        raise ConfigError(f"{path}: circle.late_grace_minutes must be 0 or more, got {grace}")
    ids = values["organizers.user_ids"]
    assert isinstance(ids, list)
    if not all(isinstance(item, int) and not isinstance(item, bool) for item in ids):
        raise ConfigError(
            f"{path}: organizers.user_ids must be a list of numeric Telegram user ids"
        )
    level = str(values["logging.level"]).upper()
    if level not in LOG_LEVELS:
        raise ConfigError(f"{path}: logging.level must be one of {', '.join(LOG_LEVELS)}")
    base_url = str(values["telegram.api_base_url"])
    if not base_url.startswith(("http://", "https://")):
        raise ConfigError(f"{path}: telegram.api_base_url must start with http:// or https://")
    schedule = str(values["circle.schedule"]).strip()
    if schedule:
        _check_schedule(path, schedule, timezone)

    token_env = str(values["telegram.token_env"])
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", token_env):
        raise ConfigError(
            f"{path}: telegram.token_env must be an environment variable name, "
            f"like TELEGRAM_BOT_TOKEN, got {token_env!r}"
        )
    token = environ.get(token_env, "").strip()
    if require_token and not token:
        raise ConfigError(f"{token_env} is not set. " + TOKEN_HELP.format(var=token_env))

    base = path.parent
    return Config(
        token=token,
        token_env=token_env,
        api_base_url=base_url,
        database=base / str(values["storage.database"]),
        content_dir=base / str(values["content.directory"]),
        default_exchange=str(values["content.default_exchange"]),
        timezone=timezone,
        schedule=schedule,
        late_grace_minutes=grace,
        organizer_ids=frozenset(ids),
        log_level=level,
        retention_days=retention,
    )


def _check_schedule(path: Path, spec: str, timezone: str) -> None:
    # Syntax only: a one-off default that has passed must not stop the bot from starting.
    try:
        check_schedule(spec, timezone)
    except ScheduleError as error:
        raise ConfigError(f"{path}: circle.schedule: {error}") from None
