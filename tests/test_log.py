"""Log lines: JSON with the job fields when not at a TTY, and secrets masked."""

from __future__ import annotations

import json
import logging

from zoomclub.log import JsonFormatter, redact


def _record(msg: str, *args: object, **extra: object) -> logging.LogRecord:
    rec = logging.LogRecord("zoomclub.test", logging.INFO, __file__, 1, msg, args, None)
    for k, v in extra.items():
        setattr(rec, k, v)
    return rec


def test_json_line_carries_the_job_fields() -> None:
    line = JsonFormatter().format(
        _record("archive %s: %s", "k", "archived", job="archive", session="k", result="archived",
                duration_s=1.5, color_message="\x1b[36mx\x1b[0m")
    )  # fmt: skip
    doc = json.loads(line)
    assert doc["msg"] == "archive k: archived" and doc["level"] == "info"
    assert (doc["job"], doc["session"], doc["result"], doc["duration_s"]) == (
        "archive", "k", "archived", 1.5,
    )  # fmt: skip
    assert "color_message" not in doc


def test_secrets_are_masked() -> None:
    text = "GET with Authorization: Bearer eyJabc.def.ghi and client_secret=hunter2&x=1"
    out = redact(text)
    assert "eyJabc" not in out and "hunter2" not in out and "x=1" in out
    line = JsonFormatter().format(_record("token %s", "access_token=abc123"))
    assert "abc123" not in line
