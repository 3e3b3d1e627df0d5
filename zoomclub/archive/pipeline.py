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

import hashlib
import json
import logging
import shutil
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from filelock import FileLock, Timeout

from zoomclub import __version__, failpoints
from zoomclub.archive import keys as K
from zoomclub.archive.catalog import update_catalog
from zoomclub.archive.plan import FileRef, Segment, SegmentPlan, map_cut, offsets, plan_segments
from zoomclub.archive.state import (
    ARCHIVED,
    HELD,
    PENDING,
    REJECTED,
    ArchiveAttempt,
    ArchiveRecord,
    keys_in_use,
)
from zoomclub.errors import (
    ArchiveError,
    InputError,
    LockError,
    RecordingNotReady,
    ZoomclubError,
    ZoomNotFound,
)

if TYPE_CHECKING:
    from zoomclub.storage.base import ObjectInfo, Storage
    from zoomclub.wiring import Services
    from zoomclub.zoom.models import RecordingSet

log = logging.getLogger(__name__)

Status = Literal["archived", "held", "pending", "skipped", "failed"]
CONTENT_TYPES = {
    "video.mp4": "video/mp4",
    "audio.m4a": "audio/mp4",
    "transcript.vtt": "text/vtt; charset=utf-8",
    "session.json": "application/json",
}


@dataclass
class ArchiveOutcome:
    """What happened to one recorded session (one meeting instance)."""

    status: Status
    session: str | None  # the archive key, e.g. "2026-01-07-attention-is-all-you-need"
    meeting_id: int | None
    meeting_uuid: str | None
    reason: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "session": self.session,
            "meeting_id": self.meeting_id,
            "meeting_uuid": self.meeting_uuid,
            "reason": self.reason,
            **self.detail,
        }


@dataclass(frozen=True)
class BoundaryOverride:
    """An organizer's decision: cut at ``end_s``, or keep everything (``end_s`` None)."""

    end_s: float | None

    def as_boundary(self) -> dict[str, Any]:
        return {
            "facilitation_end_s": self.end_s,
            "source": "organizer",
            "confidence": 1.0,
            "reason": "set by an organizer" + ("" if self.end_s is not None else " (no trim)"),
        }


# --------------------------------------------------------------------------------------------
# entry points


def archive_meeting(
    services: Services,
    ref: int | str,
    *,
    override: BoundaryOverride | None = None,
    dry_run: bool = False,
    allow_held: bool = False,
) -> list[ArchiveOutcome]:
    """Archive the latest instance of meeting ``ref`` (numeric id) or the instance ``ref`` (UUID).

    Idempotent: an already archived session is reported as archived and nothing is uploaded again.
    """
    try:
        rs = services.zoom.get_recordings(ref)
    except RecordingNotReady as exc:
        return [_outcome_for_ref("pending", ref, f"Zoom is still processing the recording: {exc}")]
    except ZoomNotFound as exc:
        return [_outcome_for_ref("pending", ref, f"no recording yet: {exc}")]
    with _run_lock(services):
        return [
            archive_instance(
                services, rs, override=override, dry_run=dry_run, allow_held=allow_held
            )
        ]


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
    with _run_lock(services):
        for rs in services.zoom.list_recordings(services.zoom_user_id, since, until):
            if not any_topic and not _is_club_meeting(services, rs, club):
                outcomes.append(
                    ArchiveOutcome(
                        "skipped",
                        None,
                        _int(rs.id),
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
        return bool(is_club_meeting_id(db, _int(rs.id)))


# --------------------------------------------------------------------------------------------
# one instance


def archive_instance(
    services: Services,
    rs: RecordingSet,
    *,
    override: BoundaryOverride | None = None,
    dry_run: bool = False,
    allow_held: bool = False,
) -> ArchiveOutcome:
    started = time.monotonic()
    try:
        outcome = _archive_instance(services, rs, override, dry_run, allow_held)
    except ZoomclubError as exc:
        outcome = ArchiveOutcome("failed", None, _int(rs.id), rs.uuid, str(exc))
        if not dry_run:
            _note_attempt(services, rs.uuid, "failed", str(exc))
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
    allow_held: bool,
) -> ArchiveOutcome:
    settings = services.settings
    storage = services.storage
    now = services.clock.now()
    meta = _session_meta(services, rs)
    record = _ensure_record(services, rs, meta, now, dry_run)
    key = record.key
    base = ArchiveOutcome("pending", key, _int(rs.id), rs.uuid)

    # Already published? session.json is the commit marker; it also heals a lost database.
    marker = storage.head(K.object_key(key, K.MARKER))
    if marker is not None:
        published = json.loads(storage.get_bytes(K.object_key(key, K.MARKER)))
        if published.get("meeting_uuid") == rs.uuid:
            if not dry_run:
                if record.status != ARCHIVED:
                    _set_status(services, rs.uuid, ARCHIVED, "already published")
                update_catalog(storage, published, club=_club_json(services))
            return _with(base, "archived", "already archived", unchanged=True)
        raise ArchiveError(f"key {key} holds another meeting instance; refusing to overwrite")

    if record.status == REJECTED:
        return _with(base, "skipped", "rejected by an organizer")
    if record.status == HELD and override is None and not allow_held:
        return _with(base, "held", record.reason, boundary=record.boundary)

    plan = plan_segments(
        [_file_ref(f) for f in rs.recording_files],
        video_preference=settings.archive.video_preference,
        min_segment_s=settings.archive.min_segment_s,
        include_chat=settings.archive.include_chat,
    )
    if not plan.has_media:
        return _with(base, "skipped", "the recording has no video or audio")
    if plan.missing_transcript and override is None:
        end = max(s.end for s in plan.kept)
        deadline = end + timedelta(hours=settings.archive.transcript_deadline_hours)
        if now < deadline:
            if not dry_run:
                _note_attempt(services, rs.uuid, PENDING, "waiting for the transcript")
            return _with(
                base, "pending", "waiting for Zoom's transcript", deadline=deadline.isoformat()
            )
        reason = f"the transcript never arrived (deadline {deadline.isoformat()})"
        if not dry_run:
            _set_status(services, rs.uuid, HELD, reason)
        return _with(base, "held", reason)

    if dry_run:
        return _with(base, "pending", "dry run: nothing written", plan=_describe_plan(plan, key))

    work = _work_dir(services, rs.uuid)
    local = _download(services, plan, work, rs)
    durations = _segment_durations(local, plan)
    cues = _joined_cues(local, plan, durations)
    total_s = sum(durations)

    if override is not None:
        boundary = override.as_boundary()
        evidence: list[str] = []
    elif record.status == HELD and allow_held and record.boundary:
        boundary = {**record.boundary, "source": "organizer", "reason": "approved by an organizer"}
        evidence = []
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
            _set_status(
                services, rs.uuid, HELD, decision.reason, boundary=boundary, evidence=evidence
            )
            return _with(base, "held", decision.reason, boundary=boundary, evidence=evidence)
    if boundary["facilitation_end_s"] is not None and boundary["facilitation_end_s"] >= total_s:
        boundary = {**boundary, "facilitation_end_s": None}

    archived_at = _stamp_archived_at(services, rs.uuid, boundary, evidence, now)
    # Each output is uploaded while the next one is cut; session.json goes last, after all of them.
    with _Uploader(services.storage, key) as uploader:
        out = _cut(local, plan, durations, cues, boundary["facilitation_end_s"], work, uploader.put)
        stored = uploader.results()
    doc = _session_doc(meta, key, rs, out, stored, boundary, total_s, archived_at, plan)
    _publish_marker(services, key, doc)
    _set_status(services, rs.uuid, ARCHIVED, boundary["reason"])
    shutil.rmtree(work, ignore_errors=True)
    _rebuild_site(services, key)
    return _with(
        base,
        "archived",
        boundary["reason"],
        boundary=boundary,
        published_duration_s=doc["published_duration_s"],
        files=[f["name"] for f in doc["files"]],
    )


# --------------------------------------------------------------------------------------------
# helpers: metadata and state


@dataclass(frozen=True)
class SessionMeta:
    start: datetime
    title: str | None
    paper: dict[str, Any] | None
    facilitator: str | None
    author: str | None


def _session_meta(services: Services, rs: RecordingSet) -> SessionMeta:
    club = services.settings.club
    start = _start_time(rs).astimezone(club.tz)  # session.json speaks the club's local time
    title = K.title_from_topic(rs.topic, club.name)
    paper: dict[str, Any] | None = {"title": title, "url": None} if title else None
    facilitator = author = None
    from zoomclub.archive.schedule_link import schedule_info_for

    with services.db() as db:
        info = schedule_info_for(db, meeting_id=_int(rs.id), start=start, tz=club.tz)
    if info is not None:
        if info.get("paper_title"):
            title = info["paper_title"]
            paper = {"title": title, "url": info.get("paper_url")}
        facilitator = info.get("facilitator")
        author = info.get("author")
    return SessionMeta(start, title, paper, facilitator, author)


def _ensure_record(
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
            meeting_id=_int(rs.id),
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


def _set_status(
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


def _note_attempt(services: Services, uuid: str, result: str, detail: str) -> None:
    with services.db() as db, db.begin():
        if db.get(ArchiveRecord, uuid) is not None:
            db.add(
                ArchiveAttempt(
                    meeting_uuid=uuid, at=services.clock.now(), result=result, detail=detail
                )
            )


def _stamp_archived_at(
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


# --------------------------------------------------------------------------------------------
# helpers: files


def _work_dir(services: Services, uuid: str) -> Path:
    digest = hashlib.sha256(uuid.encode()).hexdigest()[:16]
    path = Path(services.settings.archive.work_dir) / digest
    path.mkdir(parents=True, exist_ok=True)
    return path


def _local_name(seg: Segment, kind: str) -> str:
    return {"video": f"seg{seg.index}-video.mp4", "audio": f"seg{seg.index}-audio.m4a"}.get(
        kind, f"seg{seg.index}-transcript.vtt"
    )


def _download(
    services: Services, plan: SegmentPlan, work: Path, rs: RecordingSet
) -> dict[str, Path]:
    by_id = {f.id: f for f in rs.recording_files if getattr(f, "id", None)}
    local: dict[str, Path] = {}
    for seg in plan.kept:
        for kind, ref in (
            ("video", seg.video),
            ("audio", seg.audio),
            ("transcript", seg.transcript),
        ):
            if ref is None:
                continue
            dest = work / _local_name(seg, kind)
            services.zoom.download(by_id[ref.id], dest, progress=services.progress)
            local[f"{seg.index}:{kind}"] = dest
            failpoints.hit("after-first-download")
    return local


def _segment_durations(local: dict[str, Path], plan: SegmentPlan) -> list[float]:
    """Each kept segment's length on the joined timeline.

    Several segments: read from the packets (``span_s``, exactly how far ``concat`` advances).
    One segment: nothing is joined, so the header's duration is enough; the cut itself is always
    verified from the packets by :mod:`zoomclub.media`.
    """
    from zoomclub.media import header_duration, probe

    out = []
    for seg in plan.kept:
        path = local.get(f"{seg.index}:video") or local.get(f"{seg.index}:audio")
        if path is None:
            out.append(seg.duration_s)
        elif len(plan.kept) == 1:
            out.append(header_duration(path))
        else:
            out.append(probe(path).span_s)
    return out


def _joined_cues(local: dict[str, Path], plan: SegmentPlan, durations: list[float]) -> list[Any]:
    from zoomclub.transcript.vtt import offset_cues, parse_vtt

    cues: list[Any] = []
    for seg, off in zip(plan.kept, offsets(durations), strict=True):
        path = local.get(f"{seg.index}:transcript")
        if path is None:
            continue
        seg_cues = parse_vtt(path.read_bytes(), source=path.name).cues
        # A segment's transcript cannot speak past its own media: clip to the segment.
        seg_cues = [c for c in seg_cues if c.start_ms < durations[seg.index] * 1000]
        cues.extend(offset_cues(seg_cues, round(off * 1000)))
    return cues


@dataclass(frozen=True)
class CutOutput:
    files: dict[str, Path]  # published name -> local path
    durations: dict[str, float]


def _cut(
    local: dict[str, Path],
    plan: SegmentPlan,
    durations: list[float],
    cues: list[Any],
    cut_s: float | None,
    work: Path,
    ready: Callable[[str, Path], None],
) -> CutOutput:
    from zoomclub.media import concat
    from zoomclub.transcript.vtt import cut_cues, render_vtt

    out_dir = work / "out"
    out_dir.mkdir(exist_ok=True)
    parts = map_cut(durations, cut_s)
    files: dict[str, Path] = {}
    lengths: dict[str, float] = {}
    for kind, name in (("video", "video.mp4"), ("audio", "audio.m4a")):
        inputs = [
            (local[f"{p.segment}:{kind}"], p.end_s) for p in parts if f"{p.segment}:{kind}" in local
        ]
        if not inputs:
            continue
        info = concat(inputs, out_dir / name)
        failpoints.hit("after-cut-" + kind)
        if cut_s is not None and info.end_s > cut_s + 0.05:
            raise ArchiveError(f"{name} ends at {info.end_s:.3f} s, past the cut at {cut_s:.3f} s")
        files[name] = out_dir / name
        lengths[name] = info.duration_s
        ready(name, out_dir / name)
    if any(s.transcript for s in plan.kept):
        kept = cut_cues(cues, round(cut_s * 1000)) if cut_s is not None else list(cues)
        text = render_vtt(kept)
        tmp = out_dir / "transcript.vtt.tmp"
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(out_dir / "transcript.vtt")
        files["transcript.vtt"] = out_dir / "transcript.vtt"
        lengths["transcript.vtt"] = (kept[-1].end_ms / 1000.0) if kept else 0.0
        ready("transcript.vtt", out_dir / "transcript.vtt")
    return CutOutput(files, lengths)


class _Uploader:
    """Uploads finished outputs on one background thread, in the order they are handed over."""

    def __init__(self, storage: Storage, key: str) -> None:
        self.storage = storage
        self.key = key
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="archive-upload")
        self.futures: dict[str, Future[ObjectInfo]] = {}

    def __enter__(self) -> _Uploader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def _put(self, name: str, path: Path) -> ObjectInfo:
        info = self.storage.put_file(
            K.object_key(self.key, name), path, content_type=CONTENT_TYPES[name]
        )
        failpoints.hit("after-upload-" + name)
        return info

    def put(self, name: str, path: Path) -> None:
        self.futures[name] = self.pool.submit(self._put, name, path)

    def results(self) -> dict[str, ObjectInfo]:
        out = {name: f.result() for name, f in self.futures.items()}
        for name, info in out.items():
            if not info.sha256:
                raise ArchiveError(f"storage returned no sha256 for {name}")
        return out


def _session_doc(
    meta: SessionMeta,
    key: str,
    rs: RecordingSet,
    out: CutOutput,
    stored: dict[str, ObjectInfo],
    boundary: dict[str, Any],
    total_s: float,
    archived_at: datetime,
    plan: SegmentPlan,
) -> dict[str, Any]:
    kinds = {"video.mp4": "video", "audio.m4a": "audio", "transcript.vtt": "transcript"}
    files = [
        {
            "name": name,
            "kind": kinds[name],
            "bytes": stored[name].size,
            "sha256": stored[name].sha256,
            "duration_s": round(out.durations[name], 3),
        }
        for name in sorted(out.files)
    ]
    published = max(
        (out.durations[n] for n in ("video.mp4", "audio.m4a") if n in out.durations), default=0.0
    )
    return {
        "key": key,
        "meeting_id": _int(rs.id),
        "meeting_uuid": rs.uuid,
        "topic": rs.topic,
        "start_time": meta.start.isoformat(),
        "paper": meta.paper,
        "facilitator": meta.facilitator,
        "author": meta.author,
        "files": files,
        "boundary": boundary,
        "segments": {
            "kept": len(plan.kept),
            "dropped": [{"start": s.start.isoformat(), "reason": why} for s, why in plan.dropped],
        },
        "original_duration_s": round(total_s, 3),
        "published_duration_s": round(published, 3),
        "archived_at": archived_at.isoformat(),
        "zoomclub_version": __version__,
    }


def _publish_marker(services: Services, key: str, doc: dict[str, Any]) -> None:
    storage = services.storage
    failpoints.hit("before-marker")
    body = json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True).encode() + b"\n"
    storage.put_bytes(K.object_key(key, K.MARKER), body, content_type=CONTENT_TYPES["session.json"])
    update_catalog(storage, doc, club=_club_json(services))


def _club_json(services: Services) -> dict[str, Any]:
    club = services.settings.club
    return {"name": club.name, "timezone": club.timezone}


def _rebuild_site(services: Services, key: str) -> None:
    """The session is published whatever happens here; a failed rebuild is logged loudly and the
    next archive (or `zoomclub site build`) redoes it."""
    from zoomclub.site.publish import publish_site

    try:
        publish_site(services, changed={key})
    except ZoomclubError as exc:
        log.error("site rebuild after %s failed: %s; run `zoomclub site build`", key, exc)


# --------------------------------------------------------------------------------------------
# small utilities


def _file_ref(f: Any) -> FileRef:
    return FileRef(
        id=str(getattr(f, "id", None) or ""),
        file_type=str(getattr(f, "file_type", "") or ""),
        recording_type=getattr(f, "recording_type", None),
        start=_dt(f.recording_start),
        end=_dt(f.recording_end),
        size=getattr(f, "file_size", None),
        download_url=str(getattr(f, "download_url", "") or ""),
        extension=getattr(f, "file_extension", None),
    )


def _dt(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _start_time(rs: RecordingSet) -> datetime:
    if rs.start_time is not None:
        return _dt(rs.start_time)
    starts = [_dt(f.recording_start) for f in rs.recording_files if f.recording_start]
    if not starts:
        raise ArchiveError(f"recording {rs.uuid} has no start time")
    return min(starts)


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _with(base: ArchiveOutcome, status: Status, reason: str, **detail: Any) -> ArchiveOutcome:
    return ArchiveOutcome(status, base.session, base.meeting_id, base.meeting_uuid, reason, detail)


def _outcome_for_ref(status: Status, ref: int | str, reason: str) -> ArchiveOutcome:
    mid = _int(ref) if str(ref).isdigit() else None
    return ArchiveOutcome(status, None, mid, None if mid else str(ref), reason)


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


def _run_lock(services: Services) -> _RunLock:
    work = Path(services.settings.archive.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    return _RunLock(work / ".archive.lock", services.storage)
