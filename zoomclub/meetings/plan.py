"""Pure meeting planning: request bodies, recognising our meetings on Zoom, and deciding what to do.

Exactly one Zoom meeting per session, even after a crash between Zoom's 201 and our commit or a lost
database: every meeting we create carries a marker ``[zoomclub YYYY-MM-DD]`` as the first line of its
agenda (the list endpoint truncates agendas to 250 characters, so it must come first). Before
creating anything we list the host's upcoming meetings and adopt any that carry the marker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from zoomclub.schedule.dates import session_start, zoom_local_time
from zoomclub.schedule.service import SessionView
from zoomclub.settings import ClubSettings

TOPIC_MAX = 200
AGENDA_MAX = 2000
_MARKER_RE = re.compile(r"\[zoomclub (\d{4}-\d{2}-\d{2})\]")


def marker(day: date) -> str:
    return f"[zoomclub {day.isoformat()}]"


def _truncate(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word boundary when one is near, ending in "…"."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit * 0.8:
        cut = cut[:space]
    return cut.rstrip() + "…"


def meeting_topic(club_name: str, paper_title: str | None) -> str:
    """``"<club name>: <paper title>"`` (≤200 characters); the club name alone without a paper."""
    title = " ".join((paper_title or "").split())
    return _truncate(f"{club_name}: {title}" if title else club_name, TOPIC_MAX)


def meeting_agenda(session: SessionView) -> str:
    """Marker line first, then the paper link and the people (≤2000 characters)."""
    lines = []
    if session.paper_title:
        lines.append(f"Paper: {' '.join(session.paper_title.split())}")
    if session.paper_url:
        lines.append(f"Link: {session.paper_url}")
    if session.facilitator:
        lines.append(f"Facilitator: {session.facilitator}")
    if session.author:
        lines.append(f"Invited author: {session.author}")
    if session.notes:
        lines.append(session.notes)
    if not session.paper_title:
        lines.insert(0, "Paper to be announced.")
    head = marker(session.date) + "\n"
    return head + _truncate("\n".join(lines), AGENDA_MAX - len(head))


def meeting_body(session: SessionView, club: ClubSettings) -> dict[str, Any]:
    """The create/update request body for ``session`` (type 2, local start + time zone)."""
    start = session_start(session.date, club.start_time, club.tz)
    return {
        "topic": meeting_topic(club.name, session.paper_title),
        "type": 2,
        "start_time": zoom_local_time(start),
        "timezone": club.timezone,
        "duration": club.duration_minutes,
        "agenda": meeting_agenda(session),
        "settings": {
            "auto_recording": "cloud",
            "join_before_host": club.join_before_host,
            "waiting_room": club.waiting_room,
        },
    }


@dataclass(frozen=True)
class RemoteMeeting:
    """What the list endpoint tells us about one upcoming meeting."""

    id: int
    topic: str
    start_time: datetime | None
    agenda: str | None = None
    join_url: str | None = None


def session_date_of(remote: RemoteMeeting, club: ClubSettings) -> date | None:
    """The session date a Zoom meeting belongs to, or None if it is not one of ours.

    The agenda marker decides; without it (someone edited the agenda in Zoom) a meeting whose topic
    starts with the club name and that starts exactly at a session time counts as ours.
    """
    m = _MARKER_RE.search(remote.agenda or "")
    if m:
        try:
            return date.fromisoformat(m.group(1))
        except ValueError:
            return None
    if remote.start_time is None:
        return None
    if not (remote.topic == club.name or remote.topic.startswith(club.name + ":")):
        return None
    local = remote.start_time.astimezone(club.tz)
    if session_start(local.date(), club.start_time, club.tz) == local:
        return local.date()
    return None


@dataclass(frozen=True)
class Action:
    """One step: ``kind`` in create | update | delete | adopt | forget | keep."""

    kind: str
    day: date
    meeting_id: int | None = None
    join_url: str | None = None
    reason: str = ""


def plan_sync(
    sessions: dict[date, SessionView | None],
    remote: list[RemoteMeeting],
    club: ClubSettings,
    *,
    creatable: set[date],
) -> list[Action]:
    """Decide create/update/delete/adopt so each active session has exactly one meeting.

    ``sessions`` maps every date to consider to its session (None: nothing is planned that day).
    ``creatable`` are the dates whose meeting may be created now (the creation window, or the date
    asked for by hand). ``remote`` is the host's upcoming meetings.
    """
    ours: dict[date, list[RemoteMeeting]] = {}
    for r in remote:
        d = session_date_of(r, club)
        if d is not None:
            ours.setdefault(d, []).append(r)
    actions: list[Action] = []
    for day in sorted(set(sessions) | set(ours)):
        s = sessions.get(day)
        found = sorted(ours.get(day, []), key=lambda r: r.id)
        if s is None or s.skipped:
            why = "week skipped" if s is not None else "no session planned"
            ids = [r.id for r in found]
            if s is not None and s.meeting_id is not None and s.meeting_id not in ids:
                ids.append(s.meeting_id)
            actions.extend(Action("delete", day, mid, reason=why) for mid in ids)
            if s is not None and s.meeting_id is not None:
                actions.append(Action("forget", day))
            continue
        keeper = next((r for r in found if r.id == s.meeting_id), found[0] if found else None)
        for extra in found:
            if keeper is not None and extra.id != keeper.id:
                actions.append(Action("delete", day, extra.id, reason="duplicate meeting"))
        if keeper is None:
            if day in creatable:
                actions.append(Action("create", day))
            elif s.meeting_id is not None:
                actions.append(Action("forget", day, reason="meeting no longer on Zoom"))
            continue
        if keeper.id != s.meeting_id:
            actions.append(Action("adopt", day, keeper.id, keeper.join_url, "found on Zoom"))
        body = meeting_body(s, club)
        want_start = session_start(day, club.start_time, club.tz).astimezone(UTC)
        stale = (
            keeper.topic != body["topic"]
            or (keeper.start_time is not None and keeper.start_time != want_start)
            or s.synced_sequence != s.sequence
        )
        actions.append(Action("update" if stale else "keep", day, keeper.id, keeper.join_url))
    return actions
