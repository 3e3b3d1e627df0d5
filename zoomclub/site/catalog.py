"""Read the archive's ``catalog.json`` into plain, validated values the site renders.

Everything in the catalog is treated as untrusted text. Keys are checked against a strict pattern
(they become paths in the site); titles, names and URLs are kept as text and escaped at render
time. A session entry the site cannot use is skipped with a logged reason, never guessed at.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from zoomclub.errors import InputError

log = logging.getLogger(__name__)

KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
FILE_KINDS = ("video", "audio", "transcript")
CONTENT_TYPES = {"video": "video/mp4", "audio": "audio/mp4", "transcript": "text/vtt"}


@dataclass(frozen=True)
class MediaFile:
    name: str
    kind: str
    bytes: int | None
    duration_s: float | None


@dataclass(frozen=True)
class SessionView:
    """One archived session as the site shows it."""

    key: str
    start: datetime | None
    title: str  # the paper title, else the meeting topic, else the key
    paper_url: str | None  # only ever an http(s) URL
    facilitator: str | None
    duration_s: float | None
    files: dict[str, MediaFile] = field(default_factory=dict)
    fingerprint: str = ""  # hash of the raw entry: changes whenever anything shown may change


def safe_http_url(value: object) -> str | None:
    """``value`` if it is an absolute http(s) URL with a host, else None (javascript:, data:...)."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    if not url or any(ord(c) < 0x20 or c.isspace() for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: str) -> str:
    """One line, without control characters (they are invalid in XML feeds and calendars)."""
    return " ".join(_CONTROL.sub("", value).split())


def _text(value: object, limit: int = 500) -> str | None:
    if not isinstance(value, str):
        return None
    return clean_text(value)[:limit] or None


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if value >= 0 else None


def _parse_start(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return None
    return dt if dt.tzinfo is not None else None


def fingerprint(entry: dict[str, Any]) -> str:
    raw = json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:20]


def session_from_entry(entry: object) -> SessionView | None:
    """A :class:`SessionView`, or None (logged) when the entry has no usable key."""
    if not isinstance(entry, dict):
        log.warning("catalog: skipping a session entry that is not an object")
        return None
    key = entry.get("key")
    if not isinstance(key, str) or not KEY_RE.match(key) or ".." in key:
        log.warning("catalog: skipping a session with an unusable key %r", key)
        return None
    paper = entry.get("paper") if isinstance(entry.get("paper"), dict) else {}
    assert isinstance(paper, dict)
    title = _text(paper.get("title")) or _text(entry.get("topic")) or key
    files: dict[str, MediaFile] = {}
    raw_files = entry.get("files")
    for f in raw_files if isinstance(raw_files, list) else []:
        if not isinstance(f, dict):
            continue
        kind, name = f.get("kind"), f.get("name")
        if kind not in FILE_KINDS or not isinstance(name, str) or not KEY_RE.match(name):
            continue
        size = _number(f.get("bytes"))
        files[kind] = MediaFile(
            name=name,
            kind=kind,
            bytes=int(size) if size is not None else None,
            duration_s=_number(f.get("duration_s")),
        )
    duration = _number(entry.get("published_duration_s"))
    if duration is None:
        duration = next((f.duration_s for f in files.values() if f.duration_s), None)
    return SessionView(
        key=key,
        start=_parse_start(entry.get("start_time")),
        title=title,
        paper_url=safe_http_url(paper.get("url")),
        facilitator=_text(entry.get("facilitator"), 200),
        duration_s=duration,
        files=files,
        fingerprint=fingerprint(entry),
    )


@dataclass(frozen=True)
class Catalog:
    club_name: str | None
    sessions: list[SessionView]  # newest first, unique keys


def parse_catalog(data: bytes) -> Catalog:
    """Parse ``catalog.json``; raise :class:`InputError` if it is not a catalog at all."""
    try:
        doc = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"catalog.json is not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("sessions", []), list):
        raise InputError("catalog.json must be an object with a 'sessions' list")
    club = doc.get("club") if isinstance(doc.get("club"), dict) else {}
    assert isinstance(club, dict)
    seen: dict[str, SessionView] = {}
    for entry in doc.get("sessions", []):
        view = session_from_entry(entry)
        if view is None:
            continue
        if view.key in seen:
            log.warning("catalog: duplicate session key %r; keeping the first", view.key)
            continue
        seen[view.key] = view
    return Catalog(club_name=_text(club.get("name"), 200), sessions=sort_sessions(seen.values()))


def sort_sessions(sessions: Any) -> list[SessionView]:
    """Newest first; sessions with no start time last, then by key for a stable order."""

    def order(s: SessionView) -> tuple[int, float, str]:
        return (0 if s.start else 1, -(s.start.timestamp() if s.start else 0.0), s.key)

    return sorted(sessions, key=order)
