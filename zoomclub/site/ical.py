"""``calendar.ics`` (RFC 5545): one event per scheduled session, written by hand.

Each event keeps the schedule's ``uid`` and ``sequence``, so calendar apps update an event in
place when a paper or time changes, and a skipped week arrives as the same event with
``STATUS:CANCELLED`` rather than as a missing one (which most apps would ignore). Times are local
to the club's time zone (``DTSTART;TZID=...``) with a ``VTIMEZONE`` built from the tz database
covering the years the events span. The join link is included only when the club publishes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from zoomclub.site.catalog import safe_http_url
from zoomclub.site.model import CalendarEntry

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")  # not \n, \r


def escape_text(value: str) -> str:
    value = _CONTROL.sub("", value)
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 sequence."""
    out: list[str] = []
    current: list[str] = []
    size, limit = 0, 75
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            out.append("".join(current))
            current, size, limit = [], 0, 74  # continuation lines start with a space
        current.append(ch)
        size += n
    out.append("".join(current))
    return "\r\n ".join(out)


def _local(dt: datetime) -> str:
    return dt.strftime("%Y%m%dT%H%M%S")


def _offset(td: timedelta | None) -> str:
    secs = int((td or timedelta()).total_seconds())
    sign = "+" if secs >= 0 else "-"
    secs = abs(secs)
    return f"{sign}{secs // 3600:02d}{secs % 3600 // 60:02d}"


def _transitions(tz: ZoneInfo, first_year: int, last_year: int) -> list[datetime]:
    """UTC instants in [first_year, last_year] where the zone's UTC offset changes."""
    found: list[datetime] = []
    t = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    step = timedelta(days=1)
    prev = t.astimezone(tz).utcoffset()
    while t < end:
        nxt = t + step
        off = nxt.astimezone(tz).utcoffset()
        if off != prev:
            lo, hi = t, nxt
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                if mid.astimezone(tz).utcoffset() == prev:
                    lo = mid
                else:
                    hi = mid
            found.append(hi.replace(microsecond=0))
            prev = off
        t = nxt
    return found


def vtimezone(tzid: str, first_year: int, last_year: int) -> list[str]:
    tz = ZoneInfo(tzid)
    start = datetime(first_year, 1, 1, tzinfo=UTC).astimezone(tz)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{tzid}"]

    def component(at_utc: datetime, before: timedelta | None) -> None:
        local = at_utc.astimezone(tz)
        kind = "DAYLIGHT" if local.dst() else "STANDARD"
        wall = (at_utc + (before or timedelta())).replace(tzinfo=None)
        lines.extend(
            [
                f"BEGIN:{kind}",
                f"DTSTART:{_local(wall)}",
                f"TZOFFSETFROM:{_offset(before)}",
                f"TZOFFSETTO:{_offset(local.utcoffset())}",
                f"TZNAME:{escape_text(local.tzname() or tzid)}",
                f"END:{kind}",
            ]
        )

    first = start.astimezone(UTC)
    component(first, start.utcoffset())
    for at in _transitions(tz, first_year, last_year):
        component(at, (at - timedelta(seconds=1)).astimezone(tz).utcoffset())
    lines.append("END:VTIMEZONE")
    return lines


def _event(
    e: CalendarEntry, *, tzid: str, club_name: str, stamp: str, publish_join_link: bool
) -> list[str]:
    tz = ZoneInfo(tzid)
    start = e.start.astimezone(tz)
    end = start + timedelta(minutes=e.duration_minutes)
    title = e.paper_title or "Paper to be announced"
    summary = f"{club_name}: {title}"
    if e.cancelled:
        summary = f"Skipped: {summary}"
    desc: list[str] = []
    if e.cancelled:
        desc.append("No session this week.")
    if e.paper_title:
        desc.append(f"Paper: {e.paper_title}")
    paper_url = safe_http_url(e.paper_url)
    if paper_url:
        desc.append(paper_url)
    if e.author:
        desc.append(f"Authors: {e.author}")
    if e.facilitator:
        desc.append(f"Facilitator: {e.facilitator}")
    if e.notes:
        desc.append(e.notes)
    join = safe_http_url(e.join_url) if publish_join_link and not e.cancelled else None
    if join:
        desc.append(f"Join: {join}")
    uid = "".join(ch for ch in e.uid if ch.isprintable()) or "unknown"
    lines = [
        "BEGIN:VEVENT",
        f"UID:{escape_text(uid)}",
        f"DTSTAMP:{stamp}",
        f"DTSTART;TZID={tzid}:{_local(start)}",
        f"DTEND;TZID={tzid}:{_local(end)}",
        f"SEQUENCE:{max(0, e.sequence)}",
        f"SUMMARY:{escape_text(summary)}",
    ]
    if desc:
        lines.append(f"DESCRIPTION:{escape_text(chr(10).join(desc))}")
    if paper_url:
        lines.append(f"URL:{paper_url}")
    lines.append(f"LOCATION:{escape_text(join or 'Zoom')}")
    lines.append("STATUS:CANCELLED" if e.cancelled else "STATUS:CONFIRMED")
    lines.append("TRANSP:OPAQUE")
    lines.append("END:VEVENT")
    return lines


def render_calendar(
    entries: Sequence[CalendarEntry],
    *,
    club_name: str,
    timezone: str,
    now: datetime,
    publish_join_link: bool = False,
) -> bytes:
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    years: Iterable[int] = [e.start.year for e in entries] or [now.year]
    first, last = min(years), max(years)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//zoomclub//zoomclub calendar//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(club_name)}",
        f"X-WR-TIMEZONE:{timezone}",
        *vtimezone(timezone, first - 1, last + 1),
    ]
    for e in sorted(entries, key=lambda e: (e.start, e.uid)):
        lines += _event(
            e, tzid=timezone, club_name=club_name, stamp=stamp, publish_join_link=publish_join_link
        )
    lines.append("END:VCALENDAR")
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode("utf-8")
