"""The persistent archive queue and its poll-with-backoff worker.

A job is a meeting id or instance UUID to archive. It is queued when a session ends (polling starts
``FIRST_POLL`` after the end), when Zoom's webhook says a recording or transcript is ready, or by an
organizer. The worker calls the archive function (injected; the composition root passes
:func:`zoomclub.archive.pipeline.archive_meeting`) and reads its outcomes:

* all archived/skipped → ``done``; any held → ``held`` (an organizer decides, never us);
* pending, failed, or a retryable error → try again after a growing delay (15 min, 30 min, 1 h,
  2 h, then every 4 h) until ``deadline_at``, then ``expired``: logged as an error and shown by
  /healthz — a recording that never comes is reported, not silently dropped;
* a permanent error → ``failed``, loudly.

Jobs live in the database, so a restart (or kill -9) loses nothing: a job claimed by a worker that
died is simply due again once its lease ends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from zoomclub.db import transaction
from zoomclub.errors import ZoomclubError
from zoomclub.schedule.dates import as_utc, session_end
from zoomclub.schedule.models import ArchiveJob, ClubSession
from zoomclub.settings import ClubSettings

log = logging.getLogger(__name__)

FIRST_POLL = timedelta(minutes=15)
MAX_DELAY = timedelta(hours=4)
LEASE = timedelta(minutes=30)
FINAL_STATES = ("done", "held", "failed", "expired")

ArchiveFn = Callable[[int | str], Sequence[Any]]


def backoff_delay(attempts: int) -> timedelta:
    """Delay before the next poll after ``attempts`` unsuccessful ones (1 → 15 min, doubling)."""
    n = max(0, attempts - 1)
    return min(FIRST_POLL * (2 ** min(n, 10)), MAX_DELAY)


@dataclass(frozen=True)
class QueueItem:
    ref: str
    state: str
    source: str
    attempts: int
    next_attempt_at: datetime
    deadline_at: datetime
    last_status: str | None = None
    last_reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "state": self.state,
            "source": self.source,
            "attempts": self.attempts,
            "next_attempt_at": self.next_attempt_at.isoformat(),
            "deadline_at": self.deadline_at.isoformat(),
            "last_status": self.last_status,
            "last_reason": self.last_reason,
        }


def _item(j: ArchiveJob) -> QueueItem:
    return QueueItem(
        ref=j.ref,
        state=j.state,
        source=j.source,
        attempts=j.attempts,
        next_attempt_at=as_utc(j.next_attempt_at),
        deadline_at=as_utc(j.deadline_at),
        last_status=j.last_status,
        last_reason=j.last_reason,
    )


def enqueue(
    db: Session,
    ref: int | str,
    *,
    now: datetime,
    deadline: timedelta,
    source: str,
    first_attempt_at: datetime | None = None,
    force: bool = False,
) -> QueueItem:
    """Queue ``ref`` (idempotent). A queued job is made due now; a finished one stays finished
    unless ``force`` (an organizer asking again), so duplicate webhook deliveries are harmless."""
    now = as_utc(now)
    key = str(ref).strip()
    if not key:
        raise ValueError("empty meeting reference")
    when = as_utc(first_attempt_at) if first_attempt_at else now
    job = db.scalars(select(ArchiveJob).where(ArchiveJob.ref == key)).first()
    if job is None:
        job = ArchiveJob(
            ref=key,
            source=source,
            state="queued",
            attempts=0,
            next_attempt_at=when,
            deadline_at=max(when, now) + deadline,
            created_at=now,
            updated_at=now,
        )
        db.add(job)
    elif job.state == "queued":
        if as_utc(job.next_attempt_at) > when:
            job.next_attempt_at = when
            job.updated_at = now
    elif force:
        job.state = "queued"
        job.source = source
        job.next_attempt_at = when
        job.deadline_at = now + deadline
        job.updated_at = now
    db.flush()
    return _item(job)


def enqueue_webhook(
    db: Session, meeting_id: int | None, uuid: str | None, *, now: datetime, deadline: timedelta
) -> QueueItem:
    """A recording (or transcript) is ready. Make the session's poll job due now; a session
    already archived or held stays so (duplicate deliveries are harmless); one we gave up on is
    tried again (the recording came late after all). Otherwise queue the instance UUID."""
    if uuid:
        by_uuid = db.scalars(select(ArchiveJob).where(ArchiveJob.ref == uuid)).first()
        if by_uuid is not None:
            return enqueue(db, uuid, now=now, deadline=deadline, source="webhook")
    if meeting_id is not None:
        existing = db.scalars(select(ArchiveJob).where(ArchiveJob.ref == str(meeting_id))).first()
        if existing is not None:
            retry = existing.state in ("expired", "failed")
            return enqueue(
                db, meeting_id, now=now, deadline=deadline, source="webhook", force=retry
            )
    ref: int | str = uuid if uuid else meeting_id  # type: ignore[assignment]
    return enqueue(db, ref, now=now, deadline=deadline, source="webhook")


def enqueue_ended_sessions(db: Session, club: ClubSettings, now: datetime) -> list[QueueItem]:
    """Queue a poll job for every session with a meeting that has ended and has none yet."""
    deadline = timedelta(hours=club.recording_deadline_hours)
    since = (as_utc(now) - deadline - timedelta(days=2)).date()
    rows = db.scalars(
        select(ClubSession).where(
            ClubSession.meeting_id.is_not(None),
            ClubSession.skipped.is_(False),
            ClubSession.date >= since,
        )
    ).all()
    queued = []
    for row in rows:
        end = session_end(row.date, club.start_time, club.duration_minutes, club.tz)
        if end > now or row.meeting_id is None:
            continue
        if db.scalars(select(ArchiveJob).where(ArchiveJob.ref == str(row.meeting_id))).first():
            continue
        queued.append(
            enqueue(
                db,
                row.meeting_id,
                now=now,
                deadline=deadline,
                source="schedule",
                first_attempt_at=end + FIRST_POLL,
            )
        )
        # Deadline counts from the session's end, not from when we noticed it.
        job = db.scalars(select(ArchiveJob).where(ArchiveJob.ref == str(row.meeting_id))).one()
        job.deadline_at = as_utc(end + deadline)
    return queued


@dataclass(frozen=True)
class RunResult:
    ref: str
    state: str
    status: str
    reason: str = ""


def _judge(outcomes: Sequence[Any]) -> tuple[str, str, str]:
    """(next state, status, reason) from the pipeline's outcomes."""
    statuses = [getattr(o, "status", "failed") for o in outcomes]
    reasons = "; ".join(str(getattr(o, "reason", "")) for o in outcomes if getattr(o, "reason", ""))
    if not statuses:
        return "queued", "pending", "nothing to archive yet"
    if "pending" in statuses:
        return "queued", "pending", reasons
    if "failed" in statuses:
        return "queued", "failed", reasons
    if "held" in statuses:
        return "held", "held", reasons
    return "done", statuses[0] if len(set(statuses)) == 1 else "archived", reasons


def run_due(
    factory: sessionmaker[Session],
    archive: ArchiveFn,
    now_fn: Callable[[], datetime],
    *,
    limit: int = 20,
    should_stop: Callable[[], bool] = lambda: False,
) -> list[RunResult]:
    """Run every due job once (oldest first). Between jobs ``should_stop`` lets a shutdown in."""
    now = as_utc(now_fn())
    with transaction(factory) as db:
        due = db.scalars(
            select(ArchiveJob)
            .where(ArchiveJob.state == "queued", ArchiveJob.next_attempt_at <= now)
            .order_by(ArchiveJob.next_attempt_at)
            .limit(limit)
        ).all()
        refs = [j.ref for j in due]
        for j in due:  # lease: a worker killed mid-job makes it due again later, not lost
            j.next_attempt_at = now + LEASE
    results = []
    for ref in refs:
        if should_stop():
            break
        results.append(_run_one(factory, archive, now_fn, ref))
    _expire(factory, as_utc(now_fn()))
    return results


def _expire(factory: sessionmaker[Session], now: datetime) -> None:
    """Give up (loudly) on queued jobs past their deadline; their last look has happened."""
    with transaction(factory) as db:
        for job in db.scalars(
            select(ArchiveJob).where(
                ArchiveJob.state == "queued",
                ArchiveJob.deadline_at <= now,
                ArchiveJob.next_attempt_at <= now,
            )
        ).all():
            if job.attempts == 0:
                continue  # never tried (the server was down): one look first
            job.state = "expired"
            job.updated_at = now
            log.error(
                "archive %s: gave up after %d attempts, no archive by the deadline (%s): %s",
                job.ref,
                job.attempts,
                as_utc(job.deadline_at).isoformat(),
                job.last_reason or job.last_status or "no answer",
                extra={"session": job.ref, "result": "expired"},
            )


def _run_one(
    factory: sessionmaker[Session], archive: ArchiveFn, now_fn: Callable[[], datetime], ref: str
) -> RunResult:
    target: int | str = int(ref) if ref.isdigit() else ref
    try:
        state, status, reason = _judge(archive(target))
    except ZoomclubError as exc:
        state, status, reason = ("queued" if exc.retryable else "failed"), "error", str(exc)
    except Exception as exc:  # a bug or a missing pipeline must not kill the worker
        log.exception("archive %s: unexpected error", ref)
        state, status, reason = "queued", "error", f"{type(exc).__name__}: {exc}"
    now = as_utc(now_fn())
    with transaction(factory) as db:
        job = db.scalars(select(ArchiveJob).where(ArchiveJob.ref == ref)).one()
        job.attempts += 1
        job.last_status, job.last_reason, job.updated_at = status, reason[:2000], now
        if state == "queued":
            nxt = now + backoff_delay(job.attempts)
            if nxt >= as_utc(job.deadline_at):
                nxt = as_utc(job.deadline_at)  # one last look at the deadline, then expire
            job.next_attempt_at = nxt
        job.state = state
    level = logging.ERROR if state == "failed" else logging.INFO
    log.log(
        level,
        "archive %s: %s (%s)%s",
        ref,
        status,
        state,
        f": {reason}" if reason else "",
        extra={"session": ref, "result": status},
    )
    return RunResult(ref, state, status, reason)


def list_items(db: Session, *, states: Sequence[str] | None = None) -> list[QueueItem]:
    q = select(ArchiveJob).order_by(ArchiveJob.created_at)
    if states:
        q = q.where(ArchiveJob.state.in_(states))
    return [_item(j) for j in db.scalars(q).all()]


def summary(db: Session, now: datetime, *, recent_days: int = 30) -> dict[str, Any]:
    """Counts by state and the jobs given up on recently (for /healthz)."""
    rows = db.execute(select(ArchiveJob.state, func.count()).group_by(ArchiveJob.state)).all()
    counts = {str(state): int(n) for state, n in rows}
    since = as_utc(now) - timedelta(days=recent_days)
    given_up = [
        {"ref": j.ref, "state": j.state, "reason": j.last_reason or j.last_status}
        for j in db.scalars(
            select(ArchiveJob).where(
                ArchiveJob.state.in_(("expired", "failed")), ArchiveJob.updated_at >= since
            )
        ).all()
    ]
    return {"counts": counts, "given_up": given_up}
