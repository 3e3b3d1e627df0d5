"""Meetings against the Zoom emulator: one meeting per session, updates, skips, quota, DST."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from zoomclub.clock import FakeClock
from zoomclub.db import transaction
from zoomclub.emulator import Fault, ZoomEmulator
from zoomclub.meetings import sync_meetings
from zoomclub.schedule import service
from zoomclub.settings import ClubSettings, Settings
from zoomclub.wiring import Services

# The FakeClock starts on Wednesday 2026-01-07 12:00 UTC = 04:00 in Los Angeles.
WED = date(2026, 1, 7)
NEXT_WED = date(2026, 1, 14)


def make_services(emu: ZoomEmulator, db_path: Path, **club: Any) -> Services:
    settings = Settings(
        zoom=emu.zoom_settings(),
        club=ClubSettings(name="Paper Club", **club),
        database_url=f"sqlite:///{db_path}",
    )
    return Services(settings=settings, clock=emu.clock)


@pytest.fixture
def svc(zoom_emulator: ZoomEmulator, tmp_path: Path) -> Iterator[Services]:
    s = make_services(zoom_emulator, tmp_path / "club.db")
    yield s
    s.close()


def sync(s: Services, **kw: Any) -> dict[date, str]:
    results = sync_meetings(s.db, s.zoom, s.zoom_user_id, s.settings.club, s.clock.now(), **kw)
    return {r.day: r.result for r in results}


def creates(emu: ZoomEmulator) -> int:
    return sum(1 for r in emu.requests if r.method == "POST" and r.path.endswith("/meetings"))


def add(s: Services, day: date, **fields: str) -> None:
    with transaction(s.db) as db:
        service.add_session(db, day, s.settings.club, s.clock.now(), **fields)


def row(s: Services, day: date) -> service.SessionView:
    with transaction(s.db) as db:
        r = service.get_row(db, day)
        assert r is not None
        return service.view(r)


def test_creates_one_meeting_per_session_with_the_club_settings(
    svc: Services, zoom_emulator: ZoomEmulator
) -> None:
    add(
        svc,
        WED,
        paper_title="Attention Is All You Need",
        paper_url="https://arxiv.org/abs/1706.03762",
        facilitator="Ada",
    )
    assert sync(svc) == {WED: "created", NEXT_WED: "created"}
    assert len(zoom_emulator.meeting_ids()) == 2
    m = zoom_emulator.meeting(row(svc, WED).meeting_id or 0)
    assert m is not None
    assert m["topic"] == "Paper Club: Attention Is All You Need"
    assert m["type"] == 2
    assert m["timezone"] == "America/Los_Angeles"
    assert m["settings"]["auto_recording"] == "cloud"
    assert m["settings"]["waiting_room"] is True
    assert m["settings"]["join_before_host"] is False
    assert "https://arxiv.org/abs/1706.03762" in m["agenda"] and "Ada" in m["agenda"]
    # A session with no paper yet still gets its meeting, and its join URL is stored.
    other = row(svc, NEXT_WED)
    assert other.meeting_id in zoom_emulator.meeting_ids()
    assert other.join_url and other.join_url.startswith("http")
    assert zoom_emulator.meeting(other.meeting_id or 0)["topic"] == "Paper Club"  # type: ignore[index]


def test_running_twice_creates_nothing_more(svc: Services, zoom_emulator: ZoomEmulator) -> None:
    sync(svc)
    spent = zoom_emulator.create_update_count()
    assert sync(svc) == {WED: "unchanged", NEXT_WED: "unchanged"}
    assert zoom_emulator.create_update_count() == spent
    assert len(zoom_emulator.meeting_ids()) == 2


def test_lost_database_adopts_the_meetings_on_zoom(
    svc: Services, zoom_emulator: ZoomEmulator, tmp_path: Path
) -> None:
    add(svc, WED, paper_title="A paper")
    sync(svc)
    before = sorted(zoom_emulator.meeting_ids())
    fresh = make_services(zoom_emulator, tmp_path / "restored.db")
    try:
        add(fresh, WED, paper_title="A paper")
        out = sync(fresh)
        assert out[WED] in ("adopted", "updated") and out[NEXT_WED] in ("adopted", "updated")
        assert sorted(zoom_emulator.meeting_ids()) == before
        assert creates(zoom_emulator) == 2
        assert row(fresh, WED).meeting_id in before
    finally:
        fresh.close()


def test_answer_lost_after_zoom_created_the_meeting(
    svc: Services, zoom_emulator: ZoomEmulator
) -> None:
    # Zoom creates the meeting, then the connection drops before we see the 201.
    zoom_emulator.inject(
        Fault(host="api", method="POST", path=r"/meetings$", drop_after_bytes=0, times=2)
    )
    out = sync(svc)
    assert set(out.values()) == {"created"}
    assert len(zoom_emulator.meeting_ids()) == 2
    assert sync(svc) == {WED: "unchanged", NEXT_WED: "unchanged"}
    assert len(zoom_emulator.meeting_ids()) == 2


def test_server_error_on_create_is_retried_next_run_without_duplicates(
    svc: Services, zoom_emulator: ZoomEmulator
) -> None:
    zoom_emulator.inject(Fault(host="api", method="POST", path=r"/meetings$", status=503, times=1))
    out = sync(svc)
    assert sorted(out.values()) == ["created", "failed"]
    assert len(zoom_emulator.meeting_ids()) == 1
    out = sync(svc)
    assert sorted(out.values()) == ["created", "unchanged"]
    assert len(zoom_emulator.meeting_ids()) == 2


def test_edited_paper_updates_the_topic(svc: Services, zoom_emulator: ZoomEmulator) -> None:
    add(svc, WED, paper_title="Old title")
    sync(svc)
    mid = row(svc, WED).meeting_id
    with transaction(svc.db) as db:
        service.edit_session(
            db, WED, svc.settings.club, svc.clock.now(), {"paper_title": "New title"}
        )
    assert sync(svc)[WED] == "updated"
    assert zoom_emulator.meeting(mid or 0)["topic"] == "Paper Club: New title"  # type: ignore[index]
    assert sync(svc)[WED] == "unchanged"


def test_skipped_week_deletes_its_meeting(svc: Services, zoom_emulator: ZoomEmulator) -> None:
    sync(svc)
    mid = row(svc, NEXT_WED).meeting_id
    assert mid in zoom_emulator.meeting_ids()
    with transaction(svc.db) as db:
        service.skip_week(db, NEXT_WED, svc.settings.club, svc.clock.now())
    assert sync(svc)[NEXT_WED] == "deleted"
    assert mid not in zoom_emulator.meeting_ids()
    assert row(svc, NEXT_WED).meeting_id is None
    assert NEXT_WED not in sync(svc)  # nothing left to do, nothing recreated


def test_removed_off_weekday_session_loses_its_meeting(
    svc: Services, zoom_emulator: ZoomEmulator
) -> None:
    friday = date(2026, 1, 9)
    add(svc, friday, paper_title="Special")
    assert sync(svc)[friday] == "created"
    mid = row(svc, friday).meeting_id
    with transaction(svc.db) as db:
        service.remove_session(db, friday)
    assert sync(svc)[friday] == "deleted"
    assert mid not in zoom_emulator.meeting_ids()


def test_manual_create_for_a_date_outside_the_window(
    svc: Services, zoom_emulator: ZoomEmulator
) -> None:
    later = date(2026, 2, 4)
    assert sync(svc, only=later) == {later: "created"}
    assert sync(svc, only=later) == {later: "unchanged"}
    assert len(zoom_emulator.meeting_ids()) == 1


def test_daily_budget_defers_then_resumes_next_utc_day(
    svc: Services, zoom_emulator: ZoomEmulator, fake_clock: FakeClock
) -> None:
    out = sync(svc, daily_limit=1)
    assert sorted(out.values()) == ["created", "deferred"]
    assert len(zoom_emulator.meeting_ids()) == 1
    assert sorted(sync(svc, daily_limit=1).values()) == ["deferred", "unchanged"]
    fake_clock.set(datetime(2026, 1, 8, 0, 30, tzinfo=UTC))
    out = sync(svc, daily_limit=1)
    assert "created" in out.values()
    assert len(zoom_emulator.meeting_ids()) == 2


def test_zoom_429_quota_defers(tmp_path: Path, fake_clock: FakeClock) -> None:
    with ZoomEmulator(clock=fake_clock, daily_meeting_quota=1) as emu:
        s = make_services(emu, tmp_path / "q.db")
        try:
            out = sync(s)
            assert sorted(out.values()) == ["created", "deferred"]
            assert len(emu.meeting_ids()) == 1
        finally:
            s.close()


@pytest.mark.parametrize(
    ("tz", "now", "day", "expected_utc"),
    [
        # US DST starts 2026-03-08, EU DST 2026-03-29: the UTC hour moves, the local hour does not.
        (
            "America/Los_Angeles",
            datetime(2026, 3, 4, 8, tzinfo=UTC),
            date(2026, 3, 4),
            "2026-03-04T20:00:00Z",
        ),
        (
            "America/Los_Angeles",
            datetime(2026, 3, 4, 8, tzinfo=UTC),
            date(2026, 3, 11),
            "2026-03-11T19:00:00Z",
        ),
        (
            "Europe/Berlin",
            datetime(2026, 3, 24, 8, tzinfo=UTC),
            date(2026, 3, 25),
            "2026-03-25T11:00:00Z",
        ),
        (
            "Europe/Berlin",
            datetime(2026, 3, 24, 8, tzinfo=UTC),
            date(2026, 4, 1),
            "2026-04-01T10:00:00Z",
        ),
        # Back to standard time: US 2026-11-01, EU 2026-10-25.
        (
            "America/Los_Angeles",
            datetime(2026, 10, 28, 8, tzinfo=UTC),
            date(2026, 11, 4),
            "2026-11-04T20:00:00Z",
        ),
        (
            "Europe/Berlin",
            datetime(2026, 10, 21, 5, tzinfo=UTC),
            date(2026, 10, 28),
            "2026-10-28T11:00:00Z",
        ),
    ],
)
def test_dst_weeks_keep_the_local_start(
    zoom_emulator: ZoomEmulator,
    tmp_path: Path,
    tz: str,
    now: datetime,
    day: date,
    expected_utc: str,
) -> None:
    zoom_emulator.clock.set(now)  # type: ignore[attr-defined]
    s = make_services(zoom_emulator, tmp_path / "dst.db", timezone=tz, create_days_ahead=8)
    try:
        assert sync(s)[day] == "created"
        m = zoom_emulator.meeting(row(s, day).meeting_id or 0)
        assert m is not None
        assert m["start_time"] == expected_utc
        assert m["timezone"] == tz
    finally:
        s.close()


def test_concurrent_syncs_on_one_database_create_each_meeting_once(
    zoom_emulator: ZoomEmulator, tmp_path: Path
) -> None:
    """`zoomclub meeting create` by hand while the scheduler's job runs: one lists-then-creates
    at a time, the other finds the meetings and adopts them."""
    from zoomclub.runtime import locked_sync

    db_path = tmp_path / "shared.db"
    services = [make_services(zoom_emulator, db_path) for _ in range(3)]
    services[0].engine  # noqa: B018 - create the tables before the race
    barrier = threading.Barrier(len(services))
    errors: list[BaseException] = []

    def one(s: Services) -> None:
        try:
            barrier.wait(10)
            locked_sync(s)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(s,)) for s in services]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for s in services:
        s.close()
    assert errors == []
    assert len(zoom_emulator.meeting_ids()) == 2
    assert creates(zoom_emulator) == 2
