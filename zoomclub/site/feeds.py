"""``feed.xml``: a podcast (RSS 2.0 + iTunes tags) of every session's facilitation audio.

GUIDs are ``zoomclub:<archive key>`` (not permalinks), so moving the site or renaming a paper never
makes podcast apps download an episode twice. Enclosure URLs are absolute when the club's
``site_url`` is set (podcast apps need that); without it they are relative to the feed.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime
from email.utils import format_datetime

from zoomclub.site.catalog import SessionView

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
ATOM = "http://www.w3.org/2005/Atom"
AUDIO_TYPE = "audio/x-m4a"

ET.register_namespace("itunes", ITUNES)
ET.register_namespace("atom", ATOM)


def _hms(seconds: float) -> str:
    total = round(seconds)
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h:02d}:{m:02d}:{s:02d}"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = text
    return el


def episode_notes(s: SessionView) -> str:
    lines = [f"Paper: {s.title}"]
    if s.paper_url:
        lines.append(f"Read it: {s.paper_url}")
    if s.facilitator:
        lines.append(f"Facilitated by {s.facilitator}.")
    lines.append("The recording ends when the facilitation ends; the Q&A is not published.")
    return "\n".join(lines)


def render_feed(
    sessions: Sequence[SessionView], *, club_name: str, site_url: str | None, now: datetime
) -> bytes:
    base = site_url or ""
    rss = ET.Element("rss", {"version": "2.0"})
    ch = _sub(rss, "channel")
    _sub(ch, "title", club_name)
    _sub(ch, "link", base + "index.html")
    _sub(ch, "description", f"Recorded facilitations of {club_name} sessions.")
    _sub(ch, "language", "en")
    _sub(ch, "lastBuildDate", format_datetime(now))
    _sub(ch, "generator", "zoomclub")
    if site_url:
        _sub(ch, f"{{{ATOM}}}link", href=base + "feed.xml", rel="self", type="application/rss+xml")
    _sub(ch, f"{{{ITUNES}}}author", club_name)
    _sub(ch, f"{{{ITUNES}}}summary", f"Recorded facilitations of {club_name} sessions.")
    _sub(ch, f"{{{ITUNES}}}explicit", "false")
    _sub(ch, f"{{{ITUNES}}}type", "episodic")
    _sub(ch, f"{{{ITUNES}}}category", text="Science")
    for s in sessions:
        audio = s.files.get("audio")
        if audio is None:
            continue
        item = _sub(ch, "item")
        _sub(item, "title", s.title)
        page = f"{base}sessions/{s.key}/index.html"
        _sub(item, "link", page)
        _sub(item, "guid", f"zoomclub:{s.key}", isPermaLink="false")
        if s.start:
            _sub(item, "pubDate", format_datetime(s.start))
        notes = episode_notes(s)
        _sub(item, "description", notes)
        _sub(item, f"{{{ITUNES}}}summary", notes)
        if s.facilitator:
            _sub(item, f"{{{ITUNES}}}author", s.facilitator)
        _sub(
            item,
            "enclosure",
            url=f"{base}sessions/{s.key}/{audio.name}",
            length=str(audio.bytes or 0),
            type=AUDIO_TYPE,
        )
        length = audio.duration_s or s.duration_s
        if length:
            _sub(item, f"{{{ITUNES}}}duration", _hms(length))
        _sub(item, f"{{{ITUNES}}}episodeType", "full")
    ET.indent(rss, space=" ")
    body: bytes = ET.tostring(rss, encoding="utf-8", xml_declaration=True)
    return body + b"\n"
