"""Schedule operations: add, list, edit, skip, remove, and the calendar the site shows.

Weeks on the club's weekday need no row: they are *implicit* sessions (no paper yet) that still get
their Zoom meeting. A row adds the paper and people, moves a session to another day, or marks a
skipped week. Every change bumps ``sequence`` so the meeting job and calendar apps see it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zoomclub.errors import InputError
from zoomclub.schedule.dates import (
    creation_window,
    local_today,
    next_weekday_on_or_after,
    session_start,
    weekly_dates,
)
from zoomclub.schedule.models import ClubSession
from zoomclub.settings import ClubSettings
from zoomclub.site.model import CalendarEntry

EDITABLE = ("paper_title", "paper_url", "facilitator", "author", "notes")


@dataclass(frozen=True)
class SessionView:
    """A session as plain values (explicit row or implicit weekly slot)."""

    date: date
    uid: str
    paper_title: str | None = None
    paper_url: str | None = None
    facilitator: str | None = None
    author: str | None = None
    notes: str | None = None
    skipped: bool = False
    sequence: int = 0
    meeting_id: int | None = None
    join_url: str | None = None
    synced_sequence: int | None = None
    explicit: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "paper_title": self.paper_title,
            "paper_url": self.paper_url,
            "facilitator": self.facilitator,
            "author": self.author,
            "notes": self.notes,
            "skipped": self.skipped,
            "meeting_id": self.meeting_id,
            "join_url": self.join_url,
            "explicit": self.explicit,
            "sequence": self.sequence,
        }


def session_uid(day: date, club_name: str) -> str:
    """Stable per scheduled date and club, so it survives a lost database."""
    slug = re.sub(r"[^a-z0-9]+", "-", club_name.lower()).strip("-") or "club"
    return f"session-{day.isoformat()}@{slug}.zoomclub"


def view(row: ClubSession) -> SessionView:
    return SessionView(
        date=row.date,
        uid=row.uid,
        paper_title=row.paper_title,
        paper_url=row.paper_url,
        facilitator=row.facilitator,
        author=row.author,
        notes=row.notes,
        skipped=row.skipped,
        sequence=row.sequence,
        meeting_id=row.meeting_id,
        join_url=row.join_url,
        synced_sequence=row.synced_sequence,
        explicit=True,
    )


def _clean(value: object, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(f"{field}: expected text, got {type(value).__name__}")
    text = value.strip()
    if field == "paper_url" and text and not re.match(r"^https?://\S+$", text):
        raise InputError(f"paper_url: not an http(s) URL: {text!r}")
    return text or None


def get_row(db: Session, day: date) -> ClubSession | None:
    return db.scalars(select(ClubSession).where(ClubSession.date == day)).first()


def add_session(
    db: Session, day: date, club: ClubSettings, now: datetime, **fields: str | None
) -> SessionView:
    """Plan a session on ``day``; refuses a date that already has one (use edit)."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise InputError(f"unknown session field(s): {', '.join(sorted(unknown))}")
    if get_row(db, day) is not None:
        raise InputError(f"{day}: a session is already planned; use `zoomclub schedule edit`")
    row = ClubSession(
        date=day,
        uid=session_uid(day, club.name),
        skipped=False,
        sequence=1,
        updated_at=now,
        **{k: _clean(v, k) for k, v in fields.items()},
    )
    db.add(row)
    db.flush()
    return view(row)


def edit_session(
    db: Session, day: date, club: ClubSettings, now: datetime, changes: Mapping[str, str | None]
) -> SessionView:
    """Change fields of the session on ``day`` (an empty string clears a field).

    Editing an implicit weekly slot turns it into a row; editing a skipped week un-skips it.
    """
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise InputError(f"unknown session field(s): {', '.join(sorted(unknown))}")
    row = get_row(db, day)
    if row is None:
        if day.weekday() != club.weekday_index:
            raise InputError(f"{day}: no session planned on that date")
        row = ClubSession(date=day, uid=session_uid(day, club.name), sequence=0, skipped=False)
        db.add(row)
    for key, value in changes.items():
        setattr(row, key, _clean(value, key))
    row.skipped = False
    row.sequence = (row.sequence or 0) + 1
    row.updated_at = now
    db.flush()
    return view(row)


def skip_week(db: Session, day: date, club: ClubSettings, now: datetime) -> SessionView:
    """Mark ``day`` as skipped (a holiday); its Zoom meeting is deleted by the meeting job."""
    row = get_row(db, day)
    if row is None:
        row = ClubSession(date=day, uid=session_uid(day, club.name), sequence=0)
        db.add(row)
    elif row.skipped:
        return view(row)
    row.skipped = True
    row.sequence = (row.sequence or 0) + 1
    row.updated_at = now
    db.flush()
    return view(row)


def remove_session(db: Session, day: date) -> bool:
    """Forget the plan for ``day``. On the club's weekday the week becomes a plain (paper-less)
    session again; to cancel a week use :func:`skip_week`. Returns whether a row was removed."""
    row = get_row(db, day)
    if row is None:
        return False
    db.delete(row)
    db.flush()
    return True


def sessions_between(
    db: Session, first: date, last: date, club: ClubSettings, *, implicit: bool = True
) -> list[SessionView]:
    """Sessions from ``first`` to ``last``: rows plus (when ``implicit``) unplanned weekly slots."""
    rows = db.scalars(
        select(ClubSession).where(ClubSession.date >= first, ClubSession.date <= last)
    ).all()
    by_day = {r.date: view(r) for r in rows}
    if implicit:
        for day in weekly_dates(first, last, club.weekday_index):
            by_day.setdefault(day, SessionView(date=day, uid=session_uid(day, club.name)))
    return [by_day[d] for d in sorted(by_day)]


def window_sessions(db: Session, club: ClubSettings, now: datetime) -> list[SessionView]:
    """Sessions whose meetings should exist (or be deleted) now, that have not started yet."""
    first, last = creation_window(now, club.tz, club.create_days_ahead)
    out = []
    for s in sessions_between(db, first, last, club):
        if session_start(s.date, club.start_time, club.tz) > now:
            out.append(s)
    return out


def next_free_date(db: Session, club: ClubSettings, now: datetime) -> date:
    """The next club weekday from today that has no row yet (default for ``schedule add``)."""
    day = next_weekday_on_or_after(local_today(now, club.tz), club.weekday_index)
    while get_row(db, day) is not None:
        day += timedelta(days=7)
    return day


def calendar_entries(
    session: Session, settings: Any, now: datetime, *, weeks_ahead: int = 12, weeks_back: int = 0
) -> list[CalendarEntry]:
    """Calendar entries for the site: upcoming sessions (``weeks_ahead``), skipped weeks cancelled.

    ``settings`` is the application Settings (its ``club`` section is used).
    """
    club: ClubSettings = settings.club
    today = local_today(now, club.tz)
    first = today - timedelta(weeks=weeks_back)
    last = today + timedelta(weeks=weeks_ahead)
    entries = []
    for s in sessions_between(session, first, last, club):
        start = session_start(s.date, club.start_time, club.tz)
        entries.append(
            CalendarEntry(
                uid=s.uid,
                date=s.date,
                start=start,
                duration_minutes=club.duration_minutes,
                paper_title=s.paper_title,
                paper_url=s.paper_url,
                facilitator=s.facilitator,
                author=s.author,
                notes=s.notes,
                join_url=s.join_url if club.publish_join_link and not s.skipped else None,
                cancelled=s.skipped,
                sequence=s.sequence,
            )
        )
    return entries


def with_meeting(s: SessionView, meeting_id: int | None, join_url: str | None) -> SessionView:
    return replace(s, meeting_id=meeting_id, join_url=join_url)
