"""Logging for `circle-bot run`: one format, and no secret in any line at any level.

`RedactSecrets` sits on every handler of the root logger, so it sees every record, whichever
logger made it (ours, python-telegram-bot's, httpx's, APScheduler's), after its arguments are
merged and with its exception's traceback text: the bot token becomes `<token>`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MASK = "<token>"


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # A token is "<bot id>:<secret>"; the secret part alone must not leak either.
        parts = set()
        for secret in secrets:
            if secret:
                parts.add(secret)
                tail = secret.partition(":")[2]
                if len(tail) >= 8:
                    parts.add(tail)
        self.secrets = sorted(parts, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        record.msg = self.redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def configure_logging(level: str, secrets: Iterable[str] = ()) -> None:
    logging.basicConfig(format=FORMAT, level=level)
    redact = RedactSecrets(secrets)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactSecrets) for f in handler.filters):
            handler.addFilter(redact)
    if level != "DEBUG":
        # httpx logs a line per request at INFO: noise, unless debugging.
        logging.getLogger("httpx").setLevel(logging.WARNING)
