"""The I/O shell around :mod:`.plan`: list Zoom's upcoming meetings, plan, act, record.

Create is never blindly retried: when Zoom answers 5xx or the connection drops after we sent a
create, we list again and adopt what is there; otherwise the next run tries again. Each Zoom
create/update spends one unit of the host's 100-a-day quota, counted in the database *before* the
call; when the day's budget is spent the change is deferred to the next run.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from zoomclub.db import transaction
from zoomclub.errors import ZoomError, ZoomNotFound, ZoomRateLimited, ZoomServerError
from zoomclub.meetings.plan import Action, RemoteMeeting, meeting_body, plan_sync, session_date_of
from zoomclub.schedule import service
from zoomclub.schedule.dates import creation_window, session_start
from zoomclub.schedule.models import ClubSession, QuotaUsage
from zoomclub.settings import ClubSettings

log = logging.getLogger(__name__)

DAILY_CREATE_UPDATE_LIMIT = 100
# Leave a few calls of Zoom's 100 for an organizer editing by hand on the same day.
QUOTA_RESERVE = 5


class MeetingsApi(Protocol):
    """The part of :class:`zoomclub.zoom.client.ZoomClient` this module uses."""

    def create_meeting(self, user_id: str, body: dict[str, Any]) -> Any: ...

    def update_meeting(self, meeting_id: int, body: dict[str, Any]) -> Any: ...

    def delete_meeting(self, meeting_id: int) -> Any: ...

    def list_meetings(self, user_id: str, *, type: str = "upcoming") -> Iterable[Any]: ...


@dataclass(frozen=True)
class SyncResult:
    """What happened to one session's meeting: ``result`` in created | updated | deleted |
    adopted | unchanged | deferred | failed."""

    day: date
    result: str
    meeting_id: int | None = None
    join_url: str | None = None
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            "result": self.result,
            "meeting_id": self.meeting_id,
            "join_url": self.join_url,
            "reason": self.reason,
        }


def _remote(
    zoom: MeetingsApi, user_id: str, club: ClubSettings, now: datetime
) -> list[RemoteMeeting]:
    out = []
    for m in zoom.list_meetings(user_id, type="upcoming"):
        start = getattr(m, "start_time", None)
        if isinstance(start, datetime) and start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        r = RemoteMeeting(
            id=int(m.id),
            topic=getattr(m, "topic", "") or "",
            start_time=start,
            agenda=getattr(m, "agenda", None),
            join_url=getattr(m, "join_url", None),
        )
        # A meeting that has started belongs to the archive side now; leave it alone.
        if (r.start_time is None or r.start_time > now) and session_date_of(r, club) is not None:
            out.append(r)
    return out


def _sessions_for(
    db: Session, club: ClubSettings, now: datetime, days: Iterable[date], only: date | None
) -> dict[date, service.SessionView | None]:
    sessions: dict[date, service.SessionView | None] = {}
    if only is None:
        for s in service.window_sessions(db, club, now):
            sessions[s.date] = s
    for day in days:
        if day in sessions:
            continue
        found = service.sessions_between(db, day, day, club)
        sessions[day] = found[0] if found else None
    # Started sessions are not ours to change any more.
    return {d: s for d, s in sessions.items() if session_start(d, club.start_time, club.tz) > now}


class _Quota:
    def __init__(self, factory: sessionmaker[Session], user_id: str, limit: int) -> None:
        self.factory, self.user_id, self.limit = factory, user_id, limit

    def take(self, now: datetime) -> bool:
        """Spend one call of today's (UTC) budget; False when it is used up. Committed at once."""
        day = now.astimezone(UTC).date()
        for attempt in range(3):
            try:
                with transaction(self.factory) as db:
                    row = db.get(QuotaUsage, (self.user_id, day))
                    if row is None:
                        row = QuotaUsage(user_id=self.user_id, day=day, used=0)
                        db.add(row)
                    if row.used >= self.limit:
                        return False
                    row.used += 1
                    return True
            except IntegrityError:  # another process created today's row first
                if attempt == 2:
                    raise
        return False

    def exhaust(self, now: datetime) -> None:
        day = now.astimezone(UTC).date()
        with transaction(self.factory) as db:
            row = db.get(QuotaUsage, (self.user_id, day))
            if row is None:
                db.add(QuotaUsage(user_id=self.user_id, day=day, used=self.limit))
            else:
                row.used = max(row.used, self.limit)


def _record(
    factory: sessionmaker[Session],
    club: ClubSettings,
    day: date,
    now: datetime,
    *,
    meeting_id: int | None,
    join_url: str | None,
    synced: int | None,
) -> None:
    with transaction(factory) as db:
        row = service.get_row(db, day)
        if row is None:
            if meeting_id is None:
                return
            row = ClubSession(date=day, uid=service.session_uid(day, club.name), sequence=0)
            db.add(row)
        row.meeting_id = meeting_id
        row.join_url = join_url
        row.synced_sequence = synced
        row.updated_at = row.updated_at or now


def sync_meetings(
    factory: sessionmaker[Session],
    zoom: MeetingsApi,
    user_id: str,
    club: ClubSettings,
    now: datetime,
    *,
    only: date | None = None,
    daily_limit: int = DAILY_CREATE_UPDATE_LIMIT - QUOTA_RESERVE,
) -> list[SyncResult]:
    """Make Zoom match the schedule: create, update, delete and adopt meetings.

    Without ``only``, the sessions of the creation window (today + ``club.create_days_ahead``) and
    every session that already has a meeting on Zoom are considered; with ``only``, just that date
    (``zoomclub meeting create --date``). Safe to run any number of times.
    """
    remote = _remote(zoom, user_id, club, now)
    remote_days = {d for r in remote if (d := session_date_of(r, club)) is not None}
    if only is not None:
        remote = [r for r in remote if session_date_of(r, club) == only]
        remote_days = {only}
    with transaction(factory) as db:
        sessions = _sessions_for(db, club, now, remote_days, only)
    first, last = creation_window(now, club.tz, club.create_days_ahead)
    creatable = {only} if only is not None else {d for d in sessions if first <= d <= last}
    actions = plan_sync(sessions, remote, club, creatable=creatable)
    quota = _Quota(factory, user_id, daily_limit)
    results: dict[date, SyncResult] = {}
    for action in actions:
        res = _act(action, sessions, factory, zoom, user_id, club, now, quota)
        if res is not None and (action.day not in results or res.result != "unchanged"):
            results[action.day] = res
    for res in results.values():
        log.info(
            "meeting %s %s",
            res.day,
            res.result,
            extra={
                "session": res.day.isoformat(),
                "result": res.result,
                "meeting_id": res.meeting_id,
            },
        )
    return [results[d] for d in sorted(results)]


def _act(
    action: Action,
    sessions: dict[date, service.SessionView | None],
    factory: sessionmaker[Session],
    zoom: MeetingsApi,
    user_id: str,
    club: ClubSettings,
    now: datetime,
    quota: _Quota,
) -> SyncResult | None:
    day = action.day
    s = sessions.get(day)
    try:
        if action.kind == "delete":
            assert action.meeting_id is not None
            with contextlib.suppress(ZoomNotFound):  # already gone is what we wanted
                zoom.delete_meeting(action.meeting_id)
            return SyncResult(day, "deleted", action.meeting_id, reason=action.reason)
        if action.kind == "forget":
            _record(factory, club, day, now, meeting_id=None, join_url=None, synced=None)
            return None
        assert s is not None
        if action.kind == "adopt":
            _record(
                factory,
                club,
                day,
                now,
                meeting_id=action.meeting_id,
                join_url=action.join_url,
                synced=s.synced_sequence,
            )
            return SyncResult(day, "adopted", action.meeting_id, action.join_url, action.reason)
        if action.kind == "keep":
            return SyncResult(day, "unchanged", action.meeting_id, action.join_url)
        if not quota.take(now):
            return SyncResult(
                day, "deferred", action.meeting_id, reason="daily Zoom create/update budget spent"
            )
        body = meeting_body(s, club)
        if action.kind == "update":
            assert action.meeting_id is not None
            zoom.update_meeting(action.meeting_id, body)
            _record(
                factory,
                club,
                day,
                now,
                meeting_id=action.meeting_id,
                join_url=action.join_url,
                synced=s.sequence,
            )
            return SyncResult(day, "updated", action.meeting_id, action.join_url)
        return _create(day, s, body, factory, zoom, user_id, club, now)
    except ZoomRateLimited as exc:
        quota.exhaust(now)
        return SyncResult(day, "deferred", action.meeting_id, reason=f"Zoom rate limit: {exc}")
    except ZoomError as exc:
        log.warning("meeting %s: %s failed: %s", day, action.kind, exc)
        return SyncResult(day, "failed", action.meeting_id, reason=str(exc))


def _create(
    day: date,
    s: service.SessionView,
    body: dict[str, Any],
    factory: sessionmaker[Session],
    zoom: MeetingsApi,
    user_id: str,
    club: ClubSettings,
    now: datetime,
) -> SyncResult:
    try:
        created = zoom.create_meeting(user_id, body)
    except ZoomServerError as exc:
        # Zoom may have created it before failing to answer: look before anyone retries.
        for r in _remote(zoom, user_id, club, now):
            if session_date_of(r, club) == day:
                _record(
                    factory, club, day, now, meeting_id=r.id, join_url=r.join_url, synced=s.sequence
                )
                return SyncResult(day, "created", r.id, r.join_url, "found after a failed answer")
        raise exc
    mid, url = int(created.id), getattr(created, "join_url", None)
    _record(factory, club, day, now, meeting_id=mid, join_url=url, synced=s.sequence)
    return SyncResult(day, "created", mid, url)


def iter_results(results: list[SyncResult]) -> Iterator[dict[str, Any]]:
    for r in results:
        yield r.to_json()
