"""What is published about a session: its metadata, ``session.json`` and the catalog entry."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from zoomclub import __version__, failpoints
from zoomclub.archive import keys as K
from zoomclub.archive.catalog import update_catalog
from zoomclub.archive.outcome import as_int
from zoomclub.archive.plan import FileRef, SegmentPlan
from zoomclub.errors import ArchiveError, ObjectNotFound

if TYPE_CHECKING:
    from zoomclub.archive.produce import CutOutput
    from zoomclub.storage.base import ObjectInfo, Storage
    from zoomclub.wiring import Services
    from zoomclub.zoom.models import RecordingSet


@dataclass(frozen=True)
class SessionMeta:
    start: datetime
    title: str | None
    paper: dict[str, Any] | None
    facilitator: str | None
    author: str | None


def session_meta(services: Services, rs: RecordingSet) -> SessionMeta:
    club = services.settings.club
    start = start_time(rs).astimezone(club.tz)  # session.json speaks the club's local time
    title = K.title_from_topic(rs.topic, club.name)
    paper: dict[str, Any] | None = {"title": title, "url": None} if title else None
    facilitator = author = None
    from zoomclub.archive.schedule_link import schedule_info_for

    with services.db() as db:
        info = schedule_info_for(db, meeting_id=as_int(rs.id), start=start, tz=club.tz)
    if info is not None:
        if info.get("paper_title"):
            title = info["paper_title"]
            paper = {"title": title, "url": info.get("paper_url")}
        facilitator = info.get("facilitator")
        author = info.get("author")
    return SessionMeta(start, title, paper, facilitator, author)


def session_doc(
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
        "meeting_id": as_int(rs.id),
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


def read_marker(storage: Storage, key: str) -> dict[str, Any] | None:
    """The published ``session.json`` of session ``key``, or None when it is not published."""
    try:
        doc = json.loads(storage.get_bytes(K.object_key(key, K.MARKER)))
    except ObjectNotFound:
        return None
    except ValueError as exc:
        raise ArchiveError(f"{key}/session.json is not valid JSON: {exc}") from exc
    return doc if isinstance(doc, dict) else None


def publish_marker(services: Services, key: str, doc: dict[str, Any]) -> None:
    storage = services.storage
    failpoints.hit("before-marker")
    body = json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=True).encode() + b"\n"
    storage.put_bytes(
        K.object_key(key, K.MARKER), body, content_type=K.CONTENT_TYPES["session.json"]
    )
    update_catalog(storage, doc, club=club_json(services))


def club_json(services: Services) -> dict[str, Any]:
    club = services.settings.club
    return {"name": club.name, "timezone": club.timezone}


def file_ref(f: Any) -> FileRef:
    return FileRef(
        id=str(getattr(f, "id", None) or ""),
        file_type=str(getattr(f, "file_type", "") or ""),
        recording_type=getattr(f, "recording_type", None),
        start=parse_dt(f.recording_start),
        end=parse_dt(f.recording_end),
        size=getattr(f, "file_size", None),
        download_url=str(getattr(f, "download_url", "") or ""),
        extension=getattr(f, "file_extension", None),
    )


def parse_dt(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def start_time(rs: RecordingSet) -> datetime:
    if rs.start_time is not None:
        return parse_dt(rs.start_time)
    starts = [parse_dt(f.recording_start) for f in rs.recording_files if f.recording_start]
    if not starts:
        raise ArchiveError(f"recording {rs.uuid} has no start time")
    return min(starts)
