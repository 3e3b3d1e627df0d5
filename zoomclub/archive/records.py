"""The archive's rows in the database, and the archive key each recorded instance gets.

The key and ``archived_at`` are fixed here before anything is uploaded, so a resumed run repeats
the same decisions; a lost database is healed from the ``session.json`` markers in storage.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from zoomclub.archive import keys as K
from zoomclub.archive.outcome import as_int
from zoomclub.archive.state import PENDING, ArchiveAttempt, ArchiveRecord, keys_in_use
from zoomclub.errors import ArchiveError

if TYPE_CHECKING:
    from zoomclub.archive.document import SessionMeta
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
        key = _published_key_for(services, stem, rs.uuid)
        n = 1
        while key is None:
            candidate = K.session_key(meta.start, meta.title, tz, n=n)
            if candidate not in used and not _key_taken_in_storage(services, candidate, rs.uuid):
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


def _published_key_for(services: Services, stem: str, uuid: str) -> str | None:
    for n in range(1, 20):
        key = stem if n == 1 else f"{stem}-{n}"
        info = services.storage.head(K.object_key(key, K.MARKER))
        if info is None:
            return None
        doc = json.loads(services.storage.get_bytes(K.object_key(key, K.MARKER)))
        if doc.get("meeting_uuid") == uuid:
            return key
    return None


def _key_taken_in_storage(services: Services, key: str, uuid: str) -> bool:
    if services.storage.head(K.object_key(key, K.MARKER)) is None:
        return False
    doc = json.loads(services.storage.get_bytes(K.object_key(key, K.MARKER)))
    return bool(doc.get("meeting_uuid") != uuid)


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
