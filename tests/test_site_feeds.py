"""feed.xml read back with feedparser, calendar.ics with icalendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import icalendar
import pytest

from tests.test_site_data import HOSTILE_TITLE, TZ, standard_archive
from zoomclub.site.build import build_site
from zoomclub.site.ical import fold, render_calendar
from zoomclub.site.model import CalendarEntry

NOW = datetime(2026, 1, 8, 9, 0, tzinfo=UTC)
BERLIN = ZoneInfo(TZ)


def weekly(n: int, *, first: date = date(2026, 3, 18), **kw: object) -> list[CalendarEntry]:
    out = []
    for i in range(n):
        d = first + timedelta(weeks=i)
        out.append(
            CalendarEntry(
                uid=f"session-{d.isoformat()}@paperclub.example",
                date=d,
                start=datetime(d.year, d.month, d.day, 12, 0, tzinfo=BERLIN),
                duration_minutes=60,
                paper_title=f"Paper {i}",
                paper_url=f"https://arxiv.org/abs/{i}",
                facilitator=f"Facilitator {i}",
                join_url="https://zoom.us/j/123?pwd=secret",
                **kw,  # type: ignore[arg-type]
            )
        )
    return out


# -- podcast feed ------------------------------------------------------------------------------


def test_feed_has_an_episode_per_session_with_audio(tmp_path: Path) -> None:
    storage = standard_archive(tmp_path)
    build_site(
        storage,
        club_name="Paper Club",
        timezone=TZ,
        site_url="https://club.example/archive",
        now=NOW,
    )
    feed = feedparser.parse((tmp_path / "feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "Paper Club"
    assert feed.namespaces.get("itunes") == "http://www.itunes.com/dtds/podcast-1.0.dtd"
    assert [e.id for e in feed.entries] == [
        "zoomclub:2026-01-07-attention",
        "zoomclub:2025-12-17-hostile",
        "zoomclub:2025-12-10-audio-only",
    ]
    first = feed.entries[0]
    assert first.title == "Attention Is All You Need"
    assert first.guidislink is False
    (enc,) = first.enclosures
    assert enc.href == "https://club.example/archive/sessions/2026-01-07-attention/audio.m4a"
    assert enc.type == "audio/x-m4a" and enc.length == "1001"
    assert "https://arxiv.org/abs/1706.03762" in first.summary
    assert "Ada Lovelace" in first.summary
    assert first.itunes_duration == "00:45:00"
    assert first.link == "https://club.example/archive/sessions/2026-01-07-attention/index.html"
    assert first.published_parsed[:3] == (2026, 1, 7)
    hostile = feed.entries[1]
    assert hostile.title == HOSTILE_TITLE  # text survives XML escaping intact
    assert "javascript:" not in hostile.summary


def test_feed_guids_are_stable_across_rebuilds_and_retitles(tmp_path: Path) -> None:
    storage = standard_archive(tmp_path)
    build_site(storage, club_name="Paper Club", timezone=TZ, now=NOW)
    ids = [e.id for e in feedparser.parse((tmp_path / "feed.xml").read_bytes()).entries]
    build_site(storage, club_name="Renamed Club", timezone=TZ, now=NOW + timedelta(days=1))
    again = [e.id for e in feedparser.parse((tmp_path / "feed.xml").read_bytes()).entries]
    assert ids == again


# -- calendar ----------------------------------------------------------------------------------


def parse(data: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)


def test_calendar_has_one_event_per_session_in_the_club_time_zone() -> None:
    entries = weekly(3)
    cal = parse(render_calendar(entries, club_name="Paper Club", timezone=TZ, now=NOW))
    events = cal.walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [e.uid for e in entries]
    (vtz,) = cal.walk("VTIMEZONE")
    assert str(vtz["TZID"]) == TZ
    starts = [e.decoded("DTSTART") for e in events]
    # 18 Mar is CET (+1), 25 Mar is still CET, 1 Apr is CEST (+2): 12:00 local every week
    assert [s.hour for s in starts] == [12, 12, 12]
    assert [s.utcoffset() for s in starts] == [timedelta(hours=1)] * 2 + [timedelta(hours=2)]
    assert events[0]["DTSTART"].params["TZID"] == TZ
    assert events[0].decoded("DTEND") - starts[0] == timedelta(minutes=60)
    assert "Paper 0" in str(events[0]["SUMMARY"])
    desc = str(events[0]["DESCRIPTION"])
    assert "https://arxiv.org/abs/0" in desc and "Facilitator 0" in desc
    assert "zoom.us" not in desc  # the join link is private by default
    assert str(events[0]["STATUS"]) == "CONFIRMED"


def test_vtimezone_offsets_match_the_tz_database() -> None:
    cal = parse(render_calendar(weekly(1), club_name="C", timezone=TZ, now=NOW))
    (vtz,) = cal.walk("VTIMEZONE")
    subs = [(c.name, c.decoded("DTSTART"), c["TZOFFSETTO"].td) for c in vtz.subcomponents]
    march = [s for s in subs if s[0] == "DAYLIGHT" and s[1].year == 2026]
    assert march == [("DAYLIGHT", datetime(2026, 3, 29, 2, 0), timedelta(hours=2))]
    october = [s for s in subs if s[0] == "STANDARD" and s[1].year == 2026]
    assert october == [("STANDARD", datetime(2026, 10, 25, 3, 0), timedelta(hours=1))]


@pytest.mark.parametrize("tz", ["Asia/Tokyo", "UTC", "America/Los_Angeles", "Australia/Lord_Howe"])
def test_calendar_parses_in_any_zone(tz: str) -> None:
    e = weekly(1)[0]
    cal = parse(render_calendar([e], club_name="C", timezone=tz, now=NOW))
    (ev,) = cal.walk("VEVENT")
    assert ev.decoded("DTSTART") == e.start  # same instant, shown in the club's zone
    assert ev["DTSTART"].params["TZID"] == tz


def test_skipped_week_is_a_cancelled_event_with_the_same_uid() -> None:
    entries = weekly(2)
    skipped = [
        entries[0],
        CalendarEntry(**{**entries[1].__dict__, "cancelled": True, "sequence": 1}),
    ]
    before = parse(render_calendar(entries, club_name="C", timezone=TZ, now=NOW)).walk("VEVENT")
    after = parse(render_calendar(skipped, club_name="C", timezone=TZ, now=NOW)).walk("VEVENT")
    assert [str(e["UID"]) for e in before] == [str(e["UID"]) for e in after]
    assert str(after[1]["STATUS"]) == "CANCELLED"
    assert int(after[1]["SEQUENCE"]) == 1 and int(before[1]["SEQUENCE"]) == 0
    assert "Skipped" in str(after[1]["SUMMARY"])


def test_join_link_only_when_published() -> None:
    entries = weekly(1)
    cal = parse(
        render_calendar(entries, club_name="C", timezone=TZ, now=NOW, publish_join_link=True)
    )
    (ev,) = cal.walk("VEVENT")
    assert "https://zoom.us/j/123?pwd=secret" in str(ev["DESCRIPTION"])
    assert str(ev["LOCATION"]) == "https://zoom.us/j/123?pwd=secret"


def test_hostile_text_and_long_lines_are_escaped_and_folded() -> None:
    e = CalendarEntry(
        uid="u1",
        date=date(2026, 3, 18),
        start=datetime(2026, 3, 18, 12, tzinfo=BERLIN),
        duration_minutes=60,
        paper_title="Semi;colons, commas\\ and\nnewlines " + "ü" * 80,
        paper_url="javascript:alert(1)",
        facilitator=HOSTILE_TITLE,
    )
    data = render_calendar([e], club_name="C", timezone=TZ, now=NOW)
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    (ev,) = parse(data).walk("VEVENT")
    assert str(ev["SUMMARY"]) == "C: Semi;colons, commas\\ and\nnewlines " + "ü" * 80
    assert "URL" not in ev and "javascript" not in str(ev["DESCRIPTION"])
    assert HOSTILE_TITLE in str(ev["DESCRIPTION"])


def test_fold_keeps_utf8_sequences_whole() -> None:
    line = "SUMMARY:" + "é" * 100
    folded = fold(line).encode("utf-8")
    for part in folded.split(b"\r\n"):
        part.decode("utf-8")  # would raise on a split sequence
        assert len(part) <= 75


def test_site_build_writes_upcoming_page_and_calendar(tmp_path: Path) -> None:
    storage = standard_archive(tmp_path)
    entries = weekly(2, first=date(2026, 1, 14))
    skipped = CalendarEntry(**{**entries[1].__dict__, "cancelled": True})
    build_site(
        storage,
        club_name="Paper Club",
        timezone=TZ,
        upcoming=[entries[0], skipped],
        site_url="https://club.example/",
        now=NOW,
    )
    cal = parse((tmp_path / "calendar.ics").read_bytes())
    assert [str(e["STATUS"]) for e in cal.walk("VEVENT")] == ["CONFIRMED", "CANCELLED"]
    html = (tmp_path / "upcoming.html").read_text()
    assert "Paper 0" in html and "Facilitated by Facilitator 0" in html and "Skipped" in html
    assert "webcal://club.example/calendar.ics" in html
    assert "zoom.us" not in html
    build_site(
        storage,
        club_name="Paper Club",
        timezone=TZ,
        upcoming=entries,
        publish_join_link=True,
        now=NOW,
    )
    assert "https://zoom.us/j/123?pwd=secret" in (tmp_path / "upcoming.html").read_text()


def test_control_characters_never_break_the_feed_or_calendar(tmp_path: Path) -> None:
    from tests.test_site_data import entry, write_archive
    from zoomclub.storage import open_storage

    storage = open_storage(str(tmp_path))
    nasty = "Bell\x07 and NUL\x00 and ESC\x1b[31m and C1\x85 title"
    write_archive(storage, [entry("2026-01-07-x", "2026-01-07T12:00:00+01:00", title=nasty)], {})
    build_site(storage, club_name="Paper Club", timezone=TZ, now=NOW)
    feed = feedparser.parse((tmp_path / "feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert feed.entries[0].title == "Bell and NUL and ESC[31m and C1 title"
    e = CalendarEntry(**{**weekly(1)[0].__dict__, "paper_title": nasty, "notes": "tab\there"})
    (ev,) = parse(render_calendar([e], club_name="C", timezone=TZ, now=NOW)).walk("VEVENT")
    assert str(ev["SUMMARY"]) == "C: Bell and NUL and ESC[31m and C1 title"
    assert "tab\there" in str(ev["DESCRIPTION"])
