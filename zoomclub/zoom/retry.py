"""The declared retry policy: how long to wait after a 429, a 5xx or a dropped connection.

Pure functions; the client does the sleeping through its injected Clock.

- ``Retry-After`` comes in three forms (docs/zoom-api.md §6): delta seconds, an HTTP-date, or an
  ISO-8601 date-time on Zoom's daily-limit 429s. Anything else, or no header, means "unknown".
- Without a usable ``Retry-After`` the wait is a capped exponential backoff with jitter, so several
  workers that failed together do not retry together.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

BACKOFF_BASE_S = 1.0
BACKOFF_CAP_S = 60.0
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait according to a ``Retry-After`` header, or None when absent/unreadable.

    Dates in the past give 0. ``now`` must be timezone-aware.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        if seconds != seconds or seconds in (float("inf"), float("-inf")):  # NaN / inf
            return None
        return max(0.0, seconds)
    when = _parse_date(text)
    if when is None:
        return None
    return max(0.0, (when - now).total_seconds())


def _parse_date(text: str) -> datetime | None:
    try:
        when = parsedate_to_datetime(text)  # RFC 9110 HTTP-date
    except (TypeError, ValueError, IndexError):
        try:
            when = datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            return None
    if when.tzinfo is None:  # both forms mean UTC/GMT when no offset is given
        when = when.replace(tzinfo=UTC)
    return when


def backoff_delay(
    attempt: int,
    rng: random.Random,
    *,
    base: float = BACKOFF_BASE_S,
    cap: float = BACKOFF_CAP_S,
) -> float:
    """Wait before retry number ``attempt`` (0-based): "equal jitter" in [d/2, d], d = min(cap, base·2^n).

    Never zero (so a retry storm still spreads out) and never above ``cap``.
    """
    ceiling = min(cap, base * (2 ** min(max(attempt, 0), 62)))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


def is_idempotent(method: str) -> bool:
    """Methods that may be repeated blindly after a 5xx or a lost connection (never a POST)."""
    return method.upper() in IDEMPOTENT_METHODS
