"""Archive keys: where a session lives under the archive root.

``sessions/<YYYY-MM-DD>-<slug>/`` — the date is the session's start in the club's time zone, the slug
comes from the paper title (or the meeting topic). Slugs are ASCII, lower-case, ``[a-z0-9-]`` only,
at most 60 characters: safe on every file system and in S3, no ``..``, no separators, so nothing in
a title can change a key. Uniqueness per weekly occurrence is the caller's job (``-2``, ``-3``...).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

MAX_SLUG = 60
SESSIONS_PREFIX = "sessions/"
CATALOG_KEY = "catalog.json"
PUBLISHED_FILES = ("video.mp4", "audio.m4a", "transcript.vtt")
MARKER = "session.json"
CONTENT_TYPES = {
    "video.mp4": "video/mp4",
    "audio.m4a": "audio/mp4",
    "transcript.vtt": "text/vtt; charset=utf-8",
    "session.json": "application/json",
}

_KEY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}-[a-z0-9]+(?:-[a-z0-9]+)*$")

# Letters that NFKD does not decompose into ASCII.
_EXTRA = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "ae",
        "ø": "o",
        "Ø": "o",
        "đ": "d",
        "Đ": "d",
        "ł": "l",
        "Ł": "l",
        "þ": "th",
        "Þ": "th",
        "œ": "oe",
        "Œ": "oe",
        "ı": "i",
    }
)


def slugify(text: str | None, *, fallback: str = "session") -> str:
    """ASCII slug of ``text``; ``fallback`` when nothing usable remains (e.g. a CJK-only title)."""
    if not text:
        return fallback
    folded = unicodedata.normalize("NFKD", text.translate(_EXTRA))
    ascii_text = folded.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > MAX_SLUG:
        cut = slug[:MAX_SLUG]
        slug = cut.rsplit("-", 1)[0] if "-" in cut[MAX_SLUG // 2 :] else cut
        slug = slug.strip("-")
    return slug or fallback


def title_from_topic(topic: str | None, club_name: str) -> str | None:
    """The paper title inside a topic we created ("<club>: <title>"), else the topic itself."""
    if not topic:
        return None
    prefix = f"{club_name}:"
    if topic.startswith(prefix) and topic[len(prefix) :].strip():
        return topic[len(prefix) :].strip()
    return topic.strip() or None


def session_key(start: datetime, title: str | None, tz: ZoneInfo, *, n: int = 1) -> str:
    """``2026-01-07-attention-is-all-you-need`` (``-2`` etc. for a second instance that day)."""
    day = start.astimezone(tz).date().isoformat()
    key = f"{day}-{slugify(title)}"
    return key if n <= 1 else f"{key}-{n}"


def is_session_key(key: str) -> bool:
    return bool(_KEY_RE.match(key)) and len(key) <= 11 + MAX_SLUG + 4


def object_key(session: str, name: str) -> str:
    if not is_session_key(session):
        raise ValueError(f"not a session key: {session!r}")
    return f"{SESSIONS_PREFIX}{session}/{name}"
