"""Pure date arithmetic for a weekly club: session starts in the club's zone across DST changes.

A session is defined by its local calendar date and local start time; its UTC instant follows the
zone's rules for that date, so a 12:00 Los Angeles session is 20:00 UTC in winter and 19:00 UTC in
summer. Zoom receives the local wall time plus the zone name, never a precomputed UTC instant.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def as_utc(value: datetime) -> datetime:
    """Aware UTC; a naive value (SQLite drops the zone) is taken as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def session_start(day: date, start: time, tz: ZoneInfo) -> datetime:
    """The aware local start of the session on ``day``.

    A wall time that does not exist (inside a spring-forward gap) is moved forward by the gap, as a
    clock on the wall would show it; an ambiguous one (fall-back) takes the first occurrence.
    """
    local = datetime.combine(day, start, tzinfo=tz)
    # Round-trip through UTC normalises a non-existent wall time to a real instant.
    return local.astimezone(UTC).astimezone(tz)


def session_end(day: date, start: time, duration_minutes: int, tz: ZoneInfo) -> datetime:
    return (
        session_start(day, start, tz).astimezone(UTC) + timedelta(minutes=duration_minutes)
    ).astimezone(tz)


def zoom_local_time(when: datetime) -> str:
    """Zoom's local form ``yyyy-MM-ddTHH:mm:ss`` (no Z), to send together with ``timezone``."""
    return when.strftime("%Y-%m-%dT%H:%M:%S")


def weekly_dates(first: date, last: date, weekday: int) -> Iterator[date]:
    """Every date with ``weekday`` (Monday = 0) from ``first`` to ``last`` inclusive."""
    day = first + timedelta(days=(weekday - first.weekday()) % 7)
    while day <= last:
        yield day
        day += timedelta(days=7)


def next_weekday_on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def local_today(now: datetime, tz: ZoneInfo) -> date:
    return as_utc(now).astimezone(tz).date()


def creation_window(now: datetime, tz: ZoneInfo, days_ahead: int) -> tuple[date, date]:
    """Local dates whose meetings should exist now: today up to ``days_ahead`` days later."""
    today = local_today(now, tz)
    return today, today + timedelta(days=days_ahead)


def parse_date(text: str) -> date:
    """``YYYY-MM-DD`` or raise ValueError with a readable message."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"not a date: {text!r} (use YYYY-MM-DD)") from None
