"""HTML rendering: plain values in, page text out (Jinja2 with autoescaping always on).

Untrusted text (titles, names, transcript lines) only ever reaches a page through an escaping
template expression; URLs only through :func:`~zoomclub.site.catalog.safe_http_url`, so a
``javascript:`` link is dropped rather than rendered.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from zoomclub.site.catalog import SessionView, safe_http_url
from zoomclub.site.model import CalendarEntry
from zoomclub.transcript.vtt import Cue


def clock(ms: float) -> str:
    """``MM:SS`` or ``H:MM:SS`` for a position in milliseconds."""
    total = max(0, int(ms // 1000))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


def duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{max(minutes, 1)} min"
    h, m = divmod(minutes, 60)
    return f"{h} h {m:02d} min"


def filesize(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"  # pragma: no cover - loop always returns


def longdate(dt: datetime) -> str:
    return f"{dt:%a} {dt.day} {dt:%b %Y}"


def clocktime(dt: datetime) -> str:
    return f"{dt:%H:%M} {dt.tzname() or ''}".strip()


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("zoomclub.site", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        clock=clock,
        duration=duration,
        filesize=filesize,
        longdate=longdate,
        clocktime=clocktime,
        safe_url=safe_http_url,
    )
    return env


def warm() -> None:
    """Compile every template now (an archive does this while its uploads run, so the site is
    rebuilt sooner once they end)."""
    env = environment()
    for name in env.list_templates():
        env.get_template(name)


def _render(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context)


Line = tuple[int, str | None, str]  # (start ms, speaker, text): a transcript line as shown


def transcript_items(lines: Sequence[Line]) -> Markup:
    """The transcript's ``<li>`` lines, escaped here (a Jinja loop over 900 cues is 10x slower).

    Each line is a link to ``#t=MM:SS`` (keyboard-focusable, and a deep link without script).
    """
    # One escape call for all texts (quote=True: also safe in attributes); NUL cannot be in HTML.
    texts = html.escape("\x00".join(t.replace("\x00", "") for _, _, t in lines)).split("\x00")
    speakers: dict[str, str] = {}
    parts = []
    for (ms, who, _), text in zip(lines, texts, strict=True):
        m, sec = divmod(max(0, ms) // 1000, 60)
        h, m = divmod(m, 60)
        at = f"{h}:{m:02d}:{sec:02d}" if h else f"{m:02d}:{sec:02d}"
        speaker = ""
        if who:
            speaker = speakers.get(who) or speakers.setdefault(
                who, f' <b class="speaker">{html.escape(who)}</b>'
            )
        parts.append(
            f'<li><a href="#t={at}" data-t="{ms / 1000}"><time>{at}</time>{speaker} '
            f'<span class="text">{text}</span></a></li>\n'
        )
    return Markup("".join(parts))  # noqa: S704 - every interpolated value is escaped above


def lines_from_cues(cues: Sequence[Cue]) -> list[Line]:
    return [(c.start_ms, c.speaker, c.text) for c in cues]


def render_index(
    sessions: Sequence[SessionView], *, club_name: str, asset_version: str, index_version: str
) -> str:
    return _render(
        "index.html",
        page="index",
        root="",
        club_name=club_name,
        sessions=sessions,
        asset_version=asset_version,
        index_version=index_version,
    )


def render_session(
    s: SessionView,
    lines: Sequence[Line],
    *,
    club_name: str,
    asset_version: str,
    transcript_note: str = "No transcript is published for this session.",
) -> str:
    return _render(
        "session.html",
        page="session",
        root="../../",
        club_name=club_name,
        s=s,
        cues=transcript_items(lines) if lines else None,
        asset_version=asset_version,
        transcript_note=transcript_note,
    )


def render_upcoming(
    entries: Sequence[CalendarEntry],
    *,
    club_name: str,
    timezone: str,
    asset_version: str,
    publish_join_link: bool,
    site_url: str | None,
) -> str:
    feed_url = webcal_url = None
    if site_url:
        feed_url = site_url + "feed.xml"
        webcal_url = "webcal://" + (site_url + "calendar.ics").split("://", 1)[1]
    return _render(
        "upcoming.html",
        page="upcoming",
        root="",
        club_name=club_name,
        timezone=timezone,
        entries=entries,
        asset_version=asset_version,
        publish_join_link=publish_join_link,
        feed_url=feed_url,
        webcal_url=webcal_url,
    )
