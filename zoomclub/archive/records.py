"""The archive's rows in the database, and the archive key each recorded instance gets.

The key and ``archived_at`` are fixed here before anything is uploaded, so a resumed run repeats
the same decisions; a lost database is healed from the ``session.json`` markers in storage.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from zoomclub.archive import keys as K
from zoomclub.archive.document import read_marker
from zoomclub.archive.outcome import as_int
from zoomclub.archive.state import PENDING, ArchiveAttempt, ArchiveRecord, keys_in_use
from zoomclub.errors import ArchiveError

if TYPE_CHECKING:
    from zoomclub.archive.document import SessionMeta
    from zoomclub.storage.base import Storage
    from zoomclub.wiring import Services
    from zoomclub.zoom.models import RecordingSet


def ensure_record(
    services: Services, rs: RecordingSet, meta: SessionMeta, now: datetime, dry_run: bool
) -> ArchiveRecord:
    tz = services.settings.club.tz
    with services.db() as db, db.begin():
        record = db.get(ArchiveRecord, rs.uuid)
        if record is not None:
            return record
        # A lost database: the instance may already be published under a key we can find.
        stem = K.session_key(meta.start, meta.title, tz)
        used = keys_in_use(db, stem)
        published = _published_under(services.storage, stem)
        key = next((k for k, uuid in published.items() if uuid == rs.uuid), None)
        n = 1
        while key is None:
            candidate = K.session_key(meta.start, meta.title, tz, n=n)
            if candidate not in used and candidate not in published:
                key = candidate
            n += 1
        record = ArchiveRecord(
            meeting_uuid=rs.uuid,
            meeting_id=as_int(rs.id),
            key=key,
            topic=rs.topic,
            start_time=meta.start,
            status=PENDING,
            reason="",
            first_seen_at=now,
            updated_at=now,
        )
        if not dry_run:
            db.add(record)
        return record


def _published_under(storage: Storage, stem: str) -> dict[str, str | None]:
    """Published sessions keyed ``stem`` or ``stem-N``, with their meeting UUIDs: one listing."""
    found: dict[str, str | None] = {}
    same_day = re.compile(re.escape(stem) + r"(-\d+)?")
    for info in storage.list(K.SESSIONS_PREFIX + stem):
        key, _, name = info.key.removeprefix(K.SESSIONS_PREFIX).partition("/")
        if name == K.MARKER and same_day.fullmatch(key):
            doc = read_marker(storage, key)
            found[key] = doc.get("meeting_uuid") if doc else None
    return found


def set_status(
    services: Services,
    uuid: str,
    status: str,
    reason: str,
    *,
    boundary: dict[str, Any] | None = None,
    evidence: list[str] | None = None,
) -> None:
    now = services.clock.now()
    with services.db() as db, db.begin():
        record = db.get(ArchiveRecord, uuid)
        if record is None:
            return
        record.status = status
        record.reason = reason
        record.updated_at = now
        if boundary is not None:
            record.boundary = boundary
        if evidence is not None:
            record.evidence = evidence
        db.add(ArchiveAttempt(meeting_uuid=uuid, at=now, result=status, detail=reason))


def note_attempt(services: Services, uuid: str, result: str, detail: str) -> None:
    with services.db() as db, db.begin():
        if db.get(ArchiveRecord, uuid) is not None:
            db.add(
                ArchiveAttempt(
                    meeting_uuid=uuid, at=services.clock.now(), result=result, detail=detail
                )
            )


def stamp_archived_at(
    services: Services, uuid: str, boundary: dict[str, Any], evidence: list[str], now: datetime
) -> datetime:
    """The publication time, fixed on first reach so that a resumed run writes identical bytes."""
    with services.db() as db, db.begin():
        record = db.get(ArchiveRecord, uuid)
        if record is None:
            raise ArchiveError(f"no archive record for {uuid}")
        if record.archived_at is None or record.boundary != boundary:
            record.archived_at = now.replace(microsecond=0)
            record.boundary = boundary
            record.evidence = evidence
        return record.archived_at
