"""Meeting bodies: validation as Zoom answers it (400 code 300 "Validation Failed." + errors[]),
start-time parsing (``…Z`` = UTC, no ``Z`` = local time in ``timezone``) and recurrence occurrences.
Pure functions on plain values."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from zoomclub.emulator.model import zulu

MEETING_TYPES = (1, 2, 3, 8, 10)
MAX_OCCURRENCES = 60
_START_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z)?$")
_WEEKLY_RE = re.compile(r"^[1-7](,[1-7])*$")


def _err(field: str, message: str) -> dict[str, str]:
    return {"field": field, "message": message}


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def validate_body(body: Any) -> list[dict[str, str]]:
    """Errors[] for a create/update body (empty when valid). Unknown fields are ignored, as Zoom does."""
    if not isinstance(body, dict):
        return [_err("body", "Request body must be a JSON object.")]
    errors: list[dict[str, str]] = []
    topic = body.get("topic")
    if topic is not None and (not isinstance(topic, str) or len(topic) > 200):
        errors.append(_err("topic", "Topic must be a string of at most 200 characters."))
    agenda = body.get("agenda")
    if agenda is not None and (not isinstance(agenda, str) or len(agenda) > 2000):
        errors.append(_err("agenda", "Agenda must be a string of at most 2000 characters."))
    mtype = body.get("type")
    if mtype is not None and (not _is_int(mtype) or mtype not in MEETING_TYPES):
        errors.append(_err("type", "Invalid field."))
    start = body.get("start_time")
    if start is not None and (not isinstance(start, str) or not _START_RE.match(start)):
        errors.append(_err("start_time", "Invalid field. Use yyyy-MM-ddTHH:mm:ss[Z]."))
    duration = body.get("duration")
    if duration is not None and (not _is_int(duration) or not 1 <= duration <= 1440):
        errors.append(_err("duration", "Duration must be an integer from 1 to 1440 minutes."))
    tz = body.get("timezone")
    if tz is not None and (not isinstance(tz, str) or not _valid_tz(tz)):
        errors.append(_err("timezone", "Invalid field."))
    password = body.get("password")
    if password is not None and (not isinstance(password, str) or len(password) > 10):
        errors.append(_err("password", "Password must be at most 10 characters."))
    settings = body.get("settings")
    if settings is not None:
        if not isinstance(settings, dict):
            errors.append(_err("settings", "Invalid field."))
        elif settings.get("auto_recording", "none") not in ("local", "cloud", "none"):
            errors.append(_err("settings.auto_recording", "Invalid field."))
    rec = body.get("recurrence")
    if rec is not None:
        errors += _validate_recurrence(rec)
    return errors


def _valid_tz(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _validate_recurrence(rec: Any) -> list[dict[str, str]]:
    if not isinstance(rec, dict):
        return [_err("recurrence", "Invalid field.")]
    errors = []
    rtype = rec.get("type")
    if rtype not in (1, 2, 3):
        errors.append(_err("recurrence.type", "Invalid field."))
    interval = rec.get("repeat_interval", 1)
    limit = {1: 99, 2: 50, 3: 10}.get(rtype if isinstance(rtype, int) else 0, 99)
    if not _is_int(interval) or not 1 <= interval <= limit:
        errors.append(_err("recurrence.repeat_interval", "Invalid field."))
    days = rec.get("weekly_days")
    if rtype == 2 and (not isinstance(days, str) or not _WEEKLY_RE.match(days)):
        errors.append(_err("recurrence.weekly_days", "Invalid field."))
    end_times = rec.get("end_times")
    if end_times is not None and (not _is_int(end_times) or not 0 <= end_times <= 60):
        errors.append(_err("recurrence.end_times", "Invalid field."))
    end_dt = rec.get("end_date_time")
    if end_dt is not None and end_times is not None:
        errors.append(_err("recurrence.end_date_time", "Use end_times or end_date_time, not both."))
    if end_dt is not None and (not isinstance(end_dt, str) or not _START_RE.match(end_dt)):
        errors.append(_err("recurrence.end_date_time", "Invalid field."))
    if rtype == 3:
        md = rec.get("monthly_day")
        if md is not None and (not _is_int(md) or not 1 <= md <= 31):
            errors.append(_err("recurrence.monthly_day", "Invalid field."))
    return errors


def start_utc(value: str, tz_name: str) -> datetime:
    """``…Z`` is UTC; otherwise local wall time in ``tz_name``. Returns aware UTC."""
    naive = datetime.strptime(value.rstrip("Z").split(".")[0], "%Y-%m-%dT%H:%M:%S")
    if value.endswith("Z"):
        return naive.replace(tzinfo=UTC)
    return naive.replace(tzinfo=ZoneInfo(tz_name)).astimezone(UTC)


def occurrences(
    start: datetime, tz_name: str, rec: dict[str, Any], duration: int
) -> list[dict[str, Any]]:
    """Occurrences of a type-8 meeting (at most 60), each at the meeting's local wall time."""
    tz = ZoneInfo(tz_name)
    local = start.astimezone(tz)
    interval = int(rec.get("repeat_interval", 1) or 1)
    end_dt = rec.get("end_date_time")
    limit_dt = start_utc(end_dt, "UTC") if isinstance(end_dt, str) else None
    end_times = rec.get("end_times")
    count = MAX_OCCURRENCES if limit_dt is not None or end_times == 0 else int(end_times or 1)
    out: list[dict[str, Any]] = []
    for day in _dates(local.date(), int(rec.get("type", 2)), interval, rec):
        when = datetime.combine(day, local.timetz().replace(tzinfo=None)).replace(tzinfo=tz)
        when_utc = when.astimezone(UTC)
        if when_utc < start.replace(second=0, microsecond=0) - timedelta(seconds=1):
            continue
        if limit_dt is not None and when_utc > limit_dt:
            break
        out.append(
            {
                "occurrence_id": str(int(when_utc.timestamp() * 1000)),
                "start_time": zulu(when_utc),
                "duration": duration,
                "status": "available",
            }
        )
        if len(out) >= count:
            break
    return out


def _dates(first: date, rtype: int, interval: int, rec: dict[str, Any]) -> Iterator[date]:
    if rtype == 1:
        d = first
        for _ in range(MAX_OCCURRENCES * 2):
            yield d
            d += timedelta(days=interval)
    elif rtype == 2:
        wanted = sorted({(int(x) + 5) % 7 for x in str(rec.get("weekly_days", "")).split(",") if x})
        week0 = first - timedelta(days=(first.weekday() + 1) % 7)  # Sunday starts Zoom's week
        for w in range(0, MAX_OCCURRENCES * interval + interval, interval):
            week = week0 + timedelta(weeks=w)
            for wd in sorted(wanted, key=lambda x: (x + 1) % 7):
                d = week + timedelta(days=(wd + 1) % 7)
                if d >= first:
                    yield d
    else:
        y, m = first.year, first.month
        for _ in range(MAX_OCCURRENCES * 2):
            md = _monthly(y, m, rec, first.day)
            if md is not None and md >= first:
                yield md
            m += interval
            y, m = y + (m - 1) // 12, (m - 1) % 12 + 1


def _monthly(year: int, month: int, rec: dict[str, Any], default_day: int) -> date | None:
    last = calendar.monthrange(year, month)[1]
    week, wday = rec.get("monthly_week"), rec.get("monthly_week_day")
    if isinstance(week, int) and isinstance(wday, int):
        py_wd = (int(wday) + 5) % 7
        days = [d for d in range(1, last + 1) if date(year, month, d).weekday() == py_wd]
        return date(year, month, days[-1] if week == -1 else days[min(int(week), len(days)) - 1])
    day = int(rec.get("monthly_day") or default_day)
    return date(year, month, day) if day <= last else None
