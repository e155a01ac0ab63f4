"""Logging set-up: one format, the configured level, and secrets masked in every line."""

from __future__ import annotations

import logging

from bot.config import Settings

MASK = "[redacted]"


class RedactSecrets(logging.Filter):
    """Replaces the bot's secrets wherever they appear in a record, arguments included."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if len(s) >= 6]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        changed = False
        for secret in self.secrets:
            if secret in message:
                message = message.replace(secret, MASK)
                changed = True
            if record.exc_text and secret in record.exc_text:
                record.exc_text = record.exc_text.replace(secret, MASK)
        if changed:
            record.msg, record.args = message, None
        return True


def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S")
    )
    handler.addFilter(RedactSecrets(settings.secrets()))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    # discord.py's own INFO chatter (gateway sessions) is useful; its DEBUG is not.
    logging.getLogger("discord").setLevel(max(logging.INFO, root.level))
