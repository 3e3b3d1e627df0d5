"""The schedule: DST-safe dates, add/edit/skip/remove, TOML/CSV import, calendar entries."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from zoomclub.db import make_engine, session_factory, transaction
from zoomclub.errors import InputError
from zoomclub.schedule import calendar_entries, importer, service
from zoomclub.schedule.dates import creation_window, session_start, weekly_dates
from zoomclub.settings import ClubSettings, Settings

NOW = datetime(2026, 1, 7, 12, 0, tzinfo=UTC)  # Wednesday, 04:00 in Los Angeles
CLUB = ClubSettings(name="Paper Club")
LA = ZoneInfo("America/Los_Angeles")
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Session]:
    engine = make_engine(f"sqlite:///{tmp_path / 's.db'}")
    with transaction(session_factory(engine)) as s:
        yield s
    engine.dispose()


@pytest.mark.parametrize(
    ("day", "tz", "utc_hour"),
    [
        (date(2026, 3, 4), LA, 20),
        (date(2026, 3, 11), LA, 19),  # after US spring-forward (Mar 8)
        (date(2026, 3, 25), BERLIN, 11),
        (date(2026, 4, 1), BERLIN, 10),  # after EU spring-forward (Mar 29)
        (date(2026, 10, 28), BERLIN, 11),  # after EU fall-back (Oct 25)
        (date(2026, 10, 28), LA, 19),  # US still on daylight time until Nov 1
        (date(2026, 11, 4), LA, 20),
    ],
)
def test_session_start_follows_each_zones_rules(day: date, tz: ZoneInfo, utc_hour: int) -> None:
    start = session_start(day, time(12, 0), tz)
    assert (start.hour, start.minute) == (12, 0)
    assert start.astimezone(UTC).hour == utc_hour


def test_wall_time_in_a_spring_forward_gap_moves_forward() -> None:
    start = session_start(date(2026, 3, 8), time(2, 30), LA)  # 02:30 does not exist that night
    assert start.astimezone(UTC) == datetime(2026, 3, 8, 10, 30, tzinfo=UTC)
    assert start.hour == 3


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), st.integers(0, 6))
def test_weekly_dates_are_all_on_the_weekday(first: date, weekday: int) -> None:
    days = list(weekly_dates(first, date.fromordinal(first.toordinal() + 30), weekday))
    assert all(d.weekday() == weekday for d in days)
    assert len(days) in (4, 5)
    assert days[0].toordinal() - first.toordinal() < 7


def test_creation_window_uses_the_club_zone() -> None:
    # 04:00 UTC Thursday is still Wednesday evening in Los Angeles.
    first, last = creation_window(datetime(2026, 1, 8, 4, tzinfo=UTC), LA, 7)
    assert (first, last) == (date(2026, 1, 7), date(2026, 1, 14))


def test_add_edit_skip_remove(db: Session) -> None:
    s = service.add_session(
        db, date(2026, 1, 14), CLUB, NOW, paper_title="  Attention  ", facilitator="Ada"
    )
    assert (s.paper_title, s.sequence) == ("Attention", 1)
    with pytest.raises(InputError, match="already planned"):
        service.add_session(db, date(2026, 1, 14), CLUB, NOW)
    s = service.edit_session(
        db, date(2026, 1, 14), CLUB, NOW, {"paper_url": "https://x.org/p", "facilitator": ""}
    )
    assert (s.paper_url, s.facilitator, s.sequence) == ("https://x.org/p", None, 2)
    with pytest.raises(InputError, match="not an http"):
        service.edit_session(db, date(2026, 1, 14), CLUB, NOW, {"paper_url": "ftp://x"})
    s = service.skip_week(db, date(2026, 1, 14), CLUB, NOW)
    assert s.skipped and s.sequence == 3
    assert service.skip_week(db, date(2026, 1, 14), CLUB, NOW).sequence == 3  # idempotent
    s = service.edit_session(db, date(2026, 1, 14), CLUB, NOW, {"notes": "back on"})
    assert not s.skipped
    assert service.remove_session(db, date(2026, 1, 14))
    assert not service.remove_session(db, date(2026, 1, 14))
    with pytest.raises(InputError, match="no session"):
        service.edit_session(db, date(2026, 1, 15), CLUB, NOW, {"notes": "thursday"})


def test_listing_fills_unplanned_weeks(db: Session) -> None:
    service.add_session(db, date(2026, 1, 16), CLUB, NOW, paper_title="Friday special")
    service.skip_week(db, date(2026, 1, 21), CLUB, NOW)
    got = service.sessions_between(db, date(2026, 1, 7), date(2026, 1, 28), CLUB)
    assert [(s.date.day, s.explicit, s.skipped) for s in got] == [
        (7, False, False),
        (14, False, False),
        (16, True, False),
        (21, True, True),
        (28, False, False),
    ]
    assert service.next_free_date(db, CLUB, NOW) == date(2026, 1, 7)


def test_calendar_entries_are_stable_and_mark_skips(db: Session) -> None:
    settings = Settings(club=CLUB)
    before = {e.date: e for e in calendar_entries(db, settings, NOW)}
    service.edit_session(db, date(2026, 1, 14), CLUB, NOW, {"paper_title": "Attention"})
    service.skip_week(db, date(2026, 1, 21), CLUB, NOW)
    after = {e.date: e for e in calendar_entries(db, settings, NOW)}
    jan14, jan21 = date(2026, 1, 14), date(2026, 1, 21)
    assert after[jan14].uid == before[jan14].uid
    assert after[jan14].sequence > before[jan14].sequence
    assert after[jan14].paper_title == "Attention"
    assert after[jan21].cancelled and not before[jan21].cancelled
    assert after[jan21].sequence > before[jan21].sequence
    assert after[jan14].start == datetime(2026, 1, 14, 12, tzinfo=LA)
    assert len({e.uid for e in after.values()}) == len(after)


TOML = """
[[session]]
date = 2026-01-14
title = "Attention Is All You Need"
url = "https://arxiv.org/abs/1706.03762"
facilitator = "Ada"

[[session]]
date = "2026-01-21"
skip = true

[[session]]
date = 2026-01-28
paper_title = "BERT"
author = "Jacob Devlin"
"""

CSV = """date,title,url,facilitator,skip
2026-01-14,Attention Is All You Need,https://arxiv.org/abs/1706.03762,Ada,
2026-01-21,,,,yes
2026-01-28,BERT,,,
"""


@pytest.mark.parametrize(("fmt", "text"), [("toml", TOML), ("csv", CSV)])
def test_import_is_an_idempotent_upsert(db: Session, fmt: str, text: str) -> None:
    rows = importer.parse_plan(text, fmt)
    assert importer.apply_plan(db, rows, CLUB, NOW) == {
        "added": 2,
        "updated": 0,
        "skipped": 1,
        "unchanged": 0,
    }
    assert importer.apply_plan(db, rows, CLUB, NOW) == {
        "added": 0,
        "updated": 0,
        "skipped": 0,
        "unchanged": 3,
    }
    s = service.view(service.get_row(db, date(2026, 1, 14)))  # type: ignore[arg-type]
    assert (s.paper_title, s.facilitator) == ("Attention Is All You Need", "Ada")
    assert service.view(service.get_row(db, date(2026, 1, 21))).skipped  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fmt", "text", "message"),
    [
        ("csv", "date,title\n2026-02-30,X\n", "line 2: not a date"),
        ("csv", "when,title\n2026-01-14,X\n", "unknown column 'when'"),
        ("csv", "date,title\n2026-01-14,X,extra\n", "more cells"),
        ("csv", "date,skip\n2026-01-14,maybe\n", "skip must be true/false"),
        ("csv", "date,title\n2026-01-14,X\n2026-01-14,Y\n", "listed twice"),
        ("toml", "[[session]]\ntitle = 'x'\n", "session 1: missing date"),
        ("toml", "session = 3\n", r"expected \[\[session\]\]"),
        ("toml", "[[session\n", "not valid TOML"),
        ("toml", "[[session]]\ndate = 2026-01-14\ntitle = 5\n", "must be text"),
        ("yaml", "", "unknown plan format"),
    ],
)
def test_import_errors_are_one_line(fmt: str, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        importer.parse_plan(text, fmt)
    assert "\n" not in str(info.value)


def test_import_is_all_or_nothing(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    factory = session_factory(engine)
    rows = importer.parse_plan("date,url\n2026-01-14,https://ok.org\n2026-01-21,notaurl\n", "csv")
    with pytest.raises(InputError), transaction(factory) as db:
        importer.apply_plan(db, rows, CLUB, NOW)
    with transaction(factory) as db:
        assert service.get_row(db, date(2026, 1, 14)) is None
    engine.dispose()


def test_read_plan_reports_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        importer.read_plan(tmp_path / "nope.csv")
