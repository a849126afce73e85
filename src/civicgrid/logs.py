"""Logging set-up for the command line and the server.

Library modules only create ``logging.getLogger(__name__)``; the root logger is configured
here, by the entry points alone. Every handler carries :class:`RedactingFilter`, so phone
and ID numbers that slip into a message are masked before anything is written.
"""

from __future__ import annotations

import logging
import sys

from civicgrid.privacy.masking import redact_text


class RedactingFilter(logging.Filter):
    """Masks phones and ID numbers in the formatted message of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact_text(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def configure_logging(level: str = "INFO") -> None:
    """Send logs to standard error, redacted, at ``level`` (standard output stays clean)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_civicgrid", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._civicgrid = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    root.setLevel(level)
    # jieba prints its dictionary loading at DEBUG/INFO through its own logger.
    logging.getLogger("jieba").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
