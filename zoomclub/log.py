"""Logging set-up: human lines at a TTY, JSON lines otherwise. Secrets never reach a record."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

_STD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
_STD |= {"color_message"}  # uvicorn's copy of the message with terminal colour codes
_SECRETISH = re.compile(
    r"(?i)(bearer\s+)[A-Za-z0-9._\-]+|((?:access_token|client_secret|token|secret|signature|"
    r"authorization)[\"']?\s*[:=]\s*[\"']?(?:(?:bearer|basic)\s+)?)[^\s\"'&,}]+"
)


def redact(text: str) -> str:
    """Mask anything that looks like a bearer token or a secret assignment."""

    def repl(m: re.Match[str]) -> str:
        return (m.group(1) or m.group(2) or "") + "***"

    return _SECRETISH.sub(repl, text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
        for key, value in vars(record).items():
            if key not in _STD and not key.startswith("_"):
                out[key] = (
                    value if isinstance(value, int | float | bool | None) else redact(str(value))
                )
        if record.exc_info:
            out["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(out, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def setup_logging(level: str = "INFO", json_lines: bool | None = None) -> None:
    """Configure the root logger once; ``json_lines`` defaults to "stdout is not a TTY"."""
    if json_lines is None:
        json_lines = not sys.stdout.isatty()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if json_lines else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("botocore", "boto3", "urllib3", "s3transfer", "apscheduler.executors"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
