"""Organizer review of held sessions: list, approve (publish with a decided cut), reject."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING, Any

from zoomclub.archive.outcome import ArchiveOutcome, BoundaryOverride
from zoomclub.archive.pipeline import archive_instance, run_lock
from zoomclub.archive.produce import work_dir
from zoomclub.archive.state import (
    HELD,
    REJECTED,
    ArchiveAttempt,
    ArchiveRecord,
    find_by_key,
    held_records,
)
from zoomclub.errors import InputError

if TYPE_CHECKING:
    from zoomclub.wiring import Services


def list_held(services: Services) -> list[dict[str, Any]]:
    with services.db() as db:
        return [
            {
                "session": r.key,
                "meeting_id": r.meeting_id,
                "meeting_uuid": r.meeting_uuid,
                "topic": r.topic,
                "start_time": r.start_time.isoformat(),
                "reason": r.reason,
                "proposed_boundary": r.boundary,
                "evidence": r.evidence or [],
            }
            for r in held_records(db)
        ]


def _held(services: Services, session: str) -> ArchiveRecord:
    with services.db() as db:
        record = find_by_key(db, session)
    if record is None:
        raise InputError(f"no session {session!r}; see `zoomclub review list`")
    if record.status != HELD:
        raise InputError(f"session {session} is {record.status}, not held")
    return record


def approve(services: Services, session: str, override: BoundaryOverride | None) -> ArchiveOutcome:
    """Publish a held session. Without an override, the detector's proposed cut is used; a hold
    with no proposal needs --boundary or --no-trim."""
    record = _held(services, session)
    proposal = (record.boundary or {}).get("facilitation_end_s")
    if override is None:
        if proposal is None:
            raise InputError(
                f"session {session} has no proposed cut ({record.reason}); "
                "give --boundary HH:MM:SS or --no-trim"
            )
        override = BoundaryOverride(float(proposal))
    rs = services.zoom.get_recordings(record.meeting_uuid)
    with run_lock(services):
        return archive_instance(services, rs, override=override)


def reject(services: Services, session: str) -> None:
    """Discard a held session: it is never published and later runs skip it."""
    record = _held(services, session)
    now = services.clock.now()
    with services.db() as db, db.begin():
        row = db.get(ArchiveRecord, record.meeting_uuid)
        assert row is not None
        row.status = REJECTED
        row.reason = "rejected by an organizer"
        row.updated_at = now
        db.add(ArchiveAttempt(meeting_uuid=row.meeting_uuid, at=now, result=REJECTED, detail=""))
    shutil.rmtree(work_dir(services, record.meeting_uuid), ignore_errors=True)
