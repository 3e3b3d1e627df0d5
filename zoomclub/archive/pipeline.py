"""The archive pipeline: pull a recording from Zoom, cut it where facilitation ends, publish it.

Steps for one meeting instance, each idempotent and resumable after a kill at any point:

1. fetch the recording set (one API call) and plan the segments (:mod:`.plan`);
2. wait (status ``pending``) while the transcript is missing, hold after the deadline;
3. download the planned files into the work directory (``.part`` + resume + atomic rename);
4. decide the cut: the organizer's override, else the transcript detector; a decision that
   needs review holds the session (nothing is published);
5. cut video, audio (ffmpeg stream copy, verified by probing) and transcript into the work dir;
6. upload the files (atomic, skipped when identical), then ``session.json`` as the commit marker,
   then replace ``catalog.json``; mark the database row archived; clean the work directory.

A rerun finds ``session.json`` and does nothing; a run killed before it repeats the same decisions
(the key and ``archived_at`` are stored in the database first) and so produces identical bytes.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from filelock import FileLock, Timeout

from zoomclub.archive import keys as K
from zoomclub.archive.catalog import update_catalog
from zoomclub.archive.document import (
    club_json,
    file_ref,
    publish_marker,
    read_marker,
    session_doc,
    session_meta,
)
from zoomclub.archive.outcome import (
    ArchiveOutcome,
    BoundaryOverride,
    as_int,
    outcome_for_ref,
    with_status,
)
from zoomclub.archive.plan import SegmentPlan, offsets, plan_segments
from zoomclub.archive.produce import (
    Uploader,
    cut_outputs,
    download_files,
    joined_cues,
    segment_durations,
    work_dir,
)
from zoomclub.archive.records import (
    ensure_record,
    note_attempt,
    set_status,
    stamp_archived_at,
)
from zoomclub.archive.state import (
    ARCHIVED,
    HELD,
    PENDING,
    REJECTED,
)
from zoomclub.errors import (
    ArchiveError,
    InputError,
    LockError,
    RecordingNotReady,
    TranscriptError,
    ZoomclubError,
    ZoomNotFound,
)

if TYPE_CHECKING:
    from zoomclub.storage.base import Storage
    from zoomclub.wiring import Services
    from zoomclub.zoom.models import RecordingSet

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------------------------
# entry points


def archive_meeting(
    services: Services,
    ref: int | str,
    *,
    override: BoundaryOverride | None = None,
    dry_run: bool = False,
) -> list[ArchiveOutcome]:
    """Archive the latest instance of meeting ``ref`` (numeric id) or the instance ``ref`` (UUID).

    Idempotent: an already archived session is reported as archived and nothing is uploaded again.
    """
    try:
        rs = services.zoom.get_recordings(ref)
    except RecordingNotReady as exc:
        return [outcome_for_ref("pending", ref, f"Zoom is still processing the recording: {exc}")]
    except ZoomNotFound as exc:
        if exc.code not in (3301, "3301"):  # e.g. 3001: the meeting itself does not exist
            raise
        return [outcome_for_ref("pending", ref, f"no recording yet: {exc}")]
    with run_lock(services):
        return [archive_instance(services, rs, override=override, dry_run=dry_run)]


def archive_range(
    services: Services,
    since: date,
    until: date,
    *,
    any_topic: bool = False,
    dry_run: bool = False,
    override: BoundaryOverride | None = None,
) -> list[ArchiveOutcome]:
    """Backfill every recorded instance of the host in [since, until] (club meetings only, unless
    ``any_topic``: the host's other meetings may be private)."""
    outcomes = []
    club = services.settings.club.name
    with run_lock(services):
        for rs in services.zoom.list_recordings(services.zoom_user_id, since, until):
            if not any_topic and not _is_club_meeting(services, rs, club):
                outcomes.append(
                    ArchiveOutcome(
                        "skipped",
                        None,
                        as_int(rs.id),
                        rs.uuid,
                        f"topic {rs.topic!r} is not a {club} meeting (use --any-topic)",
                    )
                )
                continue
            outcomes.append(archive_instance(services, rs, override=override, dry_run=dry_run))
    return outcomes


def _is_club_meeting(services: Services, rs: RecordingSet, club: str) -> bool:
    if (rs.topic or "").startswith(f"{club}:") or (rs.topic or "") == club:
        return True
    from zoomclub.archive.schedule_link import is_club_meeting_id

    with services.db() as db:
        return bool(is_club_meeting_id(db, as_int(rs.id)))


# --------------------------------------------------------------------------------------------
# one instance


def archive_instance(
    services: Services,
    rs: RecordingSet,
    *,
    override: BoundaryOverride | None = None,
    dry_run: bool = False,
) -> ArchiveOutcome:
    started = time.monotonic()
    try:
        outcome = _archive_instance(services, rs, override, dry_run)
    except ZoomclubError as exc:
        outcome = ArchiveOutcome("failed", None, as_int(rs.id), rs.uuid, str(exc))
        if not dry_run:
            note_attempt(services, rs.uuid, "failed", str(exc))
        if not exc.retryable and not isinstance(exc, InputError):
            raise
        log.warning("archive of %s failed (will retry): %s", rs.uuid, exc)
    log.info(
        "archive %s: %s %s",
        outcome.session or rs.uuid,
        outcome.status,
        outcome.reason,
        extra={
            "job": "archive",
            "session": outcome.session,
            "result": outcome.status,
            "duration_s": round(time.monotonic() - started, 3),
        },
    )
    return outcome


def _archive_instance(
    services: Services,
    rs: RecordingSet,
    override: BoundaryOverride | None,
    dry_run: bool,
) -> ArchiveOutcome:
    settings = services.settings
    storage = services.storage
    now = services.clock.now()
    meta = session_meta(services, rs)
    record = ensure_record(services, rs, meta, now, dry_run)
    key = record.key
    base = ArchiveOutcome("pending", key, as_int(rs.id), rs.uuid)

    # Already published? session.json is the commit marker; it also heals a lost database.
    # An organizer's different cut is a correction: the session is cut and published again.
    published = read_marker(storage, key)
    if published is not None:
        correcting = override is not None and published.get("boundary") != override.as_boundary()
        if published.get("meeting_uuid") == rs.uuid and correcting:
            log.info("correcting the published cut of %s", key)
        elif published.get("meeting_uuid") == rs.uuid:
            if not dry_run:
                if record.status != ARCHIVED:
                    set_status(services, rs.uuid, ARCHIVED, "already published")
                update_catalog(storage, published, club=club_json(services))
            return with_status(base, "archived", "already archived", unchanged=True)
        else:
            raise ArchiveError(f"key {key} holds another meeting instance; refusing to overwrite")

    if record.status == REJECTED:
        return with_status(base, "skipped", "rejected by an organizer")
    if record.status == HELD and override is None:  # only an organizer's decision releases it
        return with_status(base, "held", record.reason, boundary=record.boundary)

    plan = plan_segments(
        [file_ref(f) for f in rs.recording_files],
        video_preference=settings.archive.video_preference,
        min_segment_s=settings.archive.min_segment_s,
        include_chat=settings.archive.include_chat,
    )
    if not plan.has_media:
        return with_status(base, "skipped", "the recording has no video or audio")
    if plan.missing_transcript and override is None:
        end = max(s.end for s in plan.kept)
        deadline = end + timedelta(hours=settings.archive.transcript_deadline_hours)
        if now < deadline:
            if not dry_run:
                note_attempt(services, rs.uuid, PENDING, "waiting for the transcript")
            return with_status(
                base, "pending", "waiting for Zoom's transcript", deadline=deadline.isoformat()
            )
        reason = f"the transcript never arrived (deadline {deadline.isoformat()})"
        if not dry_run:
            set_status(services, rs.uuid, HELD, reason)
        return with_status(base, "held", reason)

    if dry_run:
        return with_status(
            base, "pending", "dry run: nothing written", plan=_describe_plan(plan, key)
        )

    work = work_dir(services, rs.uuid)
    local = download_files(services, plan, work, rs)
    durations = segment_durations(local, plan)
    total_s = sum(durations)
    try:
        cues = joined_cues(local, plan, durations)
    except TranscriptError as exc:
        if override is None:  # without a readable transcript only an organizer can place the cut
            reason = f"Zoom's transcript cannot be read: {exc}"
            set_status(services, rs.uuid, HELD, reason)
            return with_status(base, "held", reason)
        log.warning("publishing %s without its unreadable transcript: %s", key, exc)
        cues = []

    if override is not None:
        boundary = override.as_boundary()
        evidence: list[str] = []
    else:
        from zoomclub.transcript.boundary import detect_boundary

        bounds = [(o, o + d) for o, d in zip(offsets(durations), durations, strict=True)]
        decision = detect_boundary(
            cues,
            facilitation_minutes=settings.club.facilitation_minutes,
            recording_duration_s=total_s,
            segment_bounds_s=bounds,
        )
        boundary = {
            "facilitation_end_s": decision.facilitation_end_s,
            "source": "transcript",
            "confidence": decision.confidence,
            "reason": decision.reason,
        }
        evidence = list(decision.evidence)
        if decision.needs_review:
            set_status(
                services, rs.uuid, HELD, decision.reason, boundary=boundary, evidence=evidence
            )
            return with_status(base, "held", decision.reason, boundary=boundary, evidence=evidence)
    if boundary["facilitation_end_s"] is not None and boundary["facilitation_end_s"] >= total_s:
        boundary = {**boundary, "facilitation_end_s": None}

    archived_at = stamp_archived_at(services, rs.uuid, boundary, evidence, now)
    # Each output is uploaded while the next one is cut; session.json goes last, after all of them.
    with Uploader(services.storage, key) as uploader:
        out = cut_outputs(
            local,
            plan,
            durations,
            cues,
            boundary["facilitation_end_s"],
            work,
            uploader.put,
            uploader.follow,
        )
        # Deleting gigabytes takes a moment: the downloads go while the uploads finish (a run
        # that fails from here on downloads them again), the rest while the site is rebuilt.
        drop = threading.Thread(target=_unlink_all, args=(local.values(),), name="archive-drop")
        drop.start()
        try:
            _warm_site()  # while the uploads run: the rebuild below then starts at once
            stored = uploader.results()
        finally:
            drop.join()
    doc = session_doc(meta, key, rs, out, stored, boundary, total_s, archived_at, plan)
    publish_marker(services, key, doc)
    set_status(services, rs.uuid, ARCHIVED, boundary["reason"])
    cleanup = threading.Thread(target=shutil.rmtree, args=(work, True), name="archive-cleanup")
    cleanup.start()
    _rebuild_site(services, key)
    cleanup.join()
    return with_status(
        base,
        "archived",
        boundary["reason"],
        boundary=boundary,
        published_duration_s=doc["published_duration_s"],
        files=[f["name"] for f in doc["files"]],
    )


# --------------------------------------------------------------------------------------------
# helpers


def _unlink_all(paths: Iterable[Path]) -> None:
    for path in list(paths):
        path.unlink(missing_ok=True)


def _warm_site() -> None:
    """Import the site builder and compile its templates (about 0.1 s of CPU). Only a head
    start: whatever goes wrong here, the rebuild itself meets again and reports."""
    try:
        from zoomclub.site import publish  # noqa: F401 - the import is the point
        from zoomclub.site.render import warm

        warm()
    except Exception as exc:  # never let a head start fail an archive
        log.debug("warming the site builder failed (the rebuild will report it): %s", exc)


def _rebuild_site(services: Services, key: str) -> None:
    """The session is published whatever happens here; a failed rebuild is logged loudly and the
    next archive (or `zoomclub site build`) redoes it."""
    from zoomclub.site.publish import publish_site

    try:
        publish_site(services, changed={key})
    except ZoomclubError as exc:
        log.error("site rebuild after %s failed: %s; run `zoomclub site build`", key, exc)


def _describe_plan(plan: SegmentPlan, key: str) -> dict[str, Any]:
    return {
        "destination": [K.object_key(key, n) for n in (*K.PUBLISHED_FILES, K.MARKER)],
        "segments": [
            {
                "start": s.start.isoformat(),
                "duration_s": s.duration_s,
                "files": [
                    {"type": f.file_type, "recording_type": f.recording_type, "bytes": f.size}
                    for f in s.files()
                ],
            }
            for s in plan.kept
        ],
        "dropped": [{"start": s.start.isoformat(), "reason": why} for s, why in plan.dropped],
        "cut": "decided from the transcript after download",
    }


class _RunLock:
    """One archive run at a time per work directory (the server's queue and a manual CLI run)."""

    def __init__(self, path: Path, storage: Storage) -> None:
        self.lock = FileLock(str(path))
        self.storage = storage

    def __enter__(self) -> None:
        try:
            self.lock.acquire(timeout=600)
        except Timeout as exc:
            raise LockError(f"another archive run holds {self.lock.lock_file}") from exc
        try:
            # Uploads a killed run left unfinished are invisible but cost storage: abort them.
            # An hour's margin spares another host's upload in flight.
            n = self.storage.abort_stale_uploads(K.SESSIONS_PREFIX, older_than_s=3600)
        except ZoomclubError as exc:
            log.warning("could not clean unfinished uploads: %s", exc)
        else:
            if n:
                log.info("aborted %d unfinished upload(s) left by an earlier run", n)

    def __exit__(self, *exc: object) -> None:
        self.lock.release()


def run_lock(services: Services) -> _RunLock:
    """Held around every archive run: the server's queue, the CLI and organizer review."""
    work = Path(services.settings.archive.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    return _RunLock(work / ".archive.lock", services.storage)
