"""Archives for the site tests: catalog entries, transcripts, a hostile fixture; and catalog parsing."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from zoomclub.errors import InputError
from zoomclub.site.catalog import parse_catalog, safe_http_url
from zoomclub.storage import Storage, open_storage

TZ = "Europe/Berlin"

HOSTILE_TITLE = '"><script>alert(1)</script><img src=x onerror=alert(2)> Attention & <b>Friends</b>'
HOSTILE_NAME = "Mallory' onmouseover='alert(3)"
# webvtt-py strips tags from cue text, so the hostile line carries quotes, ampersands and entities
HOSTILE_LINE = "javascript:alert(5) \"quoted\" & 'single' &lt;script&gt;alert(4)&lt;/script&gt;"


def vtt(lines: list[tuple[float, str]], step: float = 4.0) -> bytes:
    out = ["WEBVTT", ""]
    for n, (start, text) in enumerate(lines, 1):
        end = start + step
        out += [str(n), f"{_ts(start)} --> {_ts(end)}", text, ""]
    return "\n".join(out).encode("utf-8")


def _ts(sec: float) -> str:
    ms = round(sec * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, milli = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{milli:03d}"


def entry(
    key: str,
    start: str,
    *,
    title: str | None = "A paper",
    url: str | None = "https://arxiv.org/abs/1706.03762",
    facilitator: str | None = "Ada Lovelace",
    kinds: tuple[str, ...] = ("video", "audio", "transcript"),
    duration: float = 2700.0,
) -> dict[str, Any]:
    names = {"video": "video.mp4", "audio": "audio.m4a", "transcript": "transcript.vtt"}
    e: dict[str, Any] = {
        "key": key,
        "meeting_id": 85746065432,
        "meeting_uuid": "abc==",
        "topic": "Paper Club",
        "start_time": start,
        "paper": None if title is None else {"title": title, "url": url},
        "facilitator": facilitator,
        "files": [
            {
                "name": names[k],
                "kind": k,
                "bytes": 1000 + i,
                "sha256": "0" * 64,
                "duration_s": duration,
            }
            for i, k in enumerate(kinds)
        ],
        "boundary": {
            "facilitation_end_s": duration,
            "source": "marker",
            "confidence": 1.0,
            "reason": "x",
        },
        "original_duration_s": duration + 900,
        "published_duration_s": duration,
        "archived_at": "2026-01-08T10:00:00+00:00",
        "zoomclub_version": "0.1.0",
    }
    return e


def write_archive(
    storage: Storage, entries: list[dict[str, Any]], transcripts: dict[str, bytes]
) -> None:
    for e in entries:
        storage.put_bytes(
            f"sessions/{e['key']}/session.json",
            json.dumps(e).encode(),
            content_type="application/json",
        )
        if e["key"] in transcripts:
            storage.put_bytes(
                f"sessions/{e['key']}/transcript.vtt",
                transcripts[e["key"]],
                content_type="text/vtt",
            )
    catalog = {
        "version": 1,
        "updated_at": "2026-01-08T10:00:00+00:00",
        "club": {"name": "Paper Club", "timezone": TZ},
        "sessions": entries,
    }
    storage.put_bytes("catalog.json", json.dumps(catalog).encode(), content_type="application/json")


def standard_archive(root: Path) -> Storage:
    """Three sessions: a normal one, a hostile one, and one with audio only and no transcript."""
    storage = open_storage(str(root))
    entries = [
        entry(
            "2026-01-07-attention", "2026-01-07T12:00:00+01:00", title="Attention Is All You Need"
        ),
        entry(
            "2025-12-17-hostile",
            "2025-12-17T12:00:00+01:00",
            title=HOSTILE_TITLE,
            url="javascript:alert(6)",
            facilitator=HOSTILE_NAME,
        ),
        entry(
            "2025-12-10-audio-only",
            "2025-12-10T12:00:00+01:00",
            title=None,
            facilitator=None,
            kinds=("audio",),
        ),
    ]
    transcripts = {
        "2026-01-07-attention": vtt(
            [
                (1.0, "Ada Lovelace: Welcome back, everyone."),
                (5.0, "Hmm."),
                (
                    9.0,
                    "Dr. Alan Turing: Today's paper argues that multi-head attention replaces recurrence.",
                ),
                (14.0, "Ada Lovelace: The positional encodings are sinusoidal."),
            ]
        ),
        "2025-12-17-hostile": vtt([(2.0, f"Mallory: {HOSTILE_LINE}"), (6.0, "Mallory: fine")]),
    }
    write_archive(storage, entries, transcripts)
    return storage


# -- catalog parsing ---------------------------------------------------------------------------


def test_catalog_sorts_newest_first_and_keeps_untrusted_text_as_text() -> None:
    doc = {
        "sessions": [
            entry("2025-12-17-hostile", "2025-12-17T12:00:00+01:00", title=HOSTILE_TITLE),
            entry("2026-01-07-b", "2026-01-07T12:00:00+01:00"),
            entry("nodate", "not a date"),
        ]
    }
    cat = parse_catalog(json.dumps(doc).encode())
    assert [s.key for s in cat.sessions] == ["2026-01-07-b", "2025-12-17-hostile", "nodate"]
    assert cat.sessions[1].title == HOSTILE_TITLE
    assert cat.sessions[0].start == datetime(2026, 1, 7, 12, tzinfo=ZoneInfo(TZ))


@pytest.mark.parametrize("key", ["../etc", "a/b", "", ".hidden", "x" * 300, None, "a b"])
def test_catalog_skips_unusable_keys(key: object) -> None:
    e = entry("ok", "2026-01-07T12:00:00+01:00")
    bad = {**e, "key": key}
    cat = parse_catalog(json.dumps({"sessions": [bad, e]}).encode())
    assert [s.key for s in cat.sessions] == ["ok"]


def test_catalog_title_never_changes_the_key() -> None:
    e = entry("2026-01-07-x", "2026-01-07T12:00:00+01:00", title="../../evil/index")
    (s,) = parse_catalog(json.dumps({"sessions": [e]}).encode()).sessions
    assert s.key == "2026-01-07-x"


@pytest.mark.parametrize("data", [b"{", b"[]", b'{"sessions": 3}', b"\xff"])
def test_catalog_rejects_non_catalogs(data: bytes) -> None:
    with pytest.raises(InputError):
        parse_catalog(data)


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://arxiv.org/abs/1", True),
        ("http://example.com", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        (" javascript:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("data:text/html,<script>", False),
        ("//evil.example/x", False),
        ("https://", False),
        ('https://a.example/"><script>', True),  # kept as text; the template escapes it
        (None, False),
    ],
)
def test_safe_http_url(url: object, ok: bool) -> None:
    assert (safe_http_url(url) is not None) is ok
