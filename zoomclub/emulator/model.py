"""Plain values shared by the emulator's modules: what callers pass in and what the emulator keeps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

DEFAULT_VIDEO_TYPES = ("shared_screen_with_speaker_view", "active_speaker")
PAGE_TOKEN_TTL = timedelta(minutes=15)
SIGNED_URL_TTL = timedelta(hours=6)


@dataclass(frozen=True)
class Segment:
    """One stop/start recording segment, ``start_offset_s`` after the meeting start.

    Media are generated (tiny H.264+AAC MP4, AAC M4A of ``duration_s``) unless a path is given.
    ``transcript`` is Zoom-format VTT whose cue times are relative to this segment's start.
    """

    start_offset_s: float
    duration_s: float
    transcript: str | None = None
    video_path: Path | None = None
    audio_path: Path | None = None
    video_types: tuple[str, ...] = DEFAULT_VIDEO_TYPES


@dataclass
class Fault:
    """A scripted misbehaviour for the next ``times`` matching requests.

    Matching: ``host`` ("api" | "web" | "files" | None = any), ``method`` (None = any) and ``path``
    (a regex searched in the raw request path, query excluded). Effects, combinable:
    ``status`` (+ ``body``/``headers``) answers instead of the real handler; ``malformed_json``
    cuts the JSON body in half; ``drop_after_bytes`` sends the headers and that many body bytes,
    then closes the socket; ``delay_s`` waits before answering (real time: for client timeouts).
    """

    host: str | None = None
    method: str | None = None
    path: str = ".*"
    status: int | None = None
    body: bytes | dict[str, Any] | None = None
    headers: dict[str, str] | None = None
    times: int = 1
    drop_after_bytes: int | None = None
    malformed_json: bool = False
    delay_s: float = 0.0


@dataclass(frozen=True)
class RecordedInstance:
    meeting_id: int
    uuid: str
    start_time: datetime


@dataclass
class RequestRecord:
    """One request as received. ``path`` is raw (still percent-encoded), without the query."""

    host: str
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    status: int = 0


@dataclass
class FileState:
    id: str
    instance_uuid: str
    file_type: str
    file_extension: str
    recording_type: str
    start: datetime
    end: datetime
    path: Path
    content_type: str
    token: str
    webhook_token: str
    bare: bool = False  # a TIMELINE/CC entry without id/status/file_size/recording_type/play_url
    is_transcript: bool = False
    deleted: bool = False

    @property
    def size(self) -> int:
        return self.path.stat().st_size


@dataclass
class InstanceState:
    meeting_id: int
    uuid: str
    topic: str
    start_time: datetime
    end_time: datetime
    ready_at: datetime
    transcript_ready_at: datetime
    seq: int
    files: list[FileState] = field(default_factory=list)
    trashed: bool = False
    deleted: bool = False
    password: str = ""
    share_token: str = ""


def zulu(dt: datetime) -> str:
    """Zoom's UTC date-time form: ``2026-01-07T12:00:00Z``."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
