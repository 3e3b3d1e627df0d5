"""After the session, end to end: schedule → meeting → poll with backoff → real archive pipeline.

Real HTTP to the emulator, real media and storage; time is the emulator's FakeClock, moved from one
due poll to the next (no sleeping).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from zoomclub import queue
from zoomclub.archive.pipeline import archive_meeting
from zoomclub.db import transaction
from zoomclub.demo.script import DemoSession, demo_transcript
from zoomclub.emulator import Segment, ZoomEmulator
from zoomclub.meetings import sync_meetings
from zoomclub.runtime import Runtime
from zoomclub.schedule import service
from zoomclub.settings import ArchiveSettings, ClubSettings, Settings
from zoomclub.wiring import Services

KEY = "2026-01-07-attention-is-all-you-need"
WHEN = datetime(2026, 1, 7, 20, 0, tzinfo=UTC)  # a Wednesday, 12:00 in Los Angeles
END = WHEN + timedelta(minutes=60)
SESSION = DemoSession(
    "Attention Is All You Need", "https://arxiv.org/abs/1706.03762", "Ada Lovelace", 2650, 0, 1
)


def services_for(emu: ZoomEmulator, tmp: Path) -> Services:
    settings = Settings(
        zoom=emu.zoom_settings(),
        archive=ArchiveSettings(url=str(tmp / "archive"), work_dir=tmp / "work"),
        club=ClubSettings(name="Test Club"),
        database_url=f"sqlite:///{tmp / 'zoomclub.db'}",
    )
    return Services(settings=settings, clock=emu.clock)


@pytest.fixture
def rt(zoom_emulator: ZoomEmulator, tmp_path: Path) -> Iterator[Runtime]:
    clock = zoom_emulator.clock
    clock.set(WHEN - timedelta(days=1))  # type: ignore[attr-defined]
    services = services_for(zoom_emulator, tmp_path)
    with transaction(services.db) as db:
        service.add_session(
            db,
            WHEN.date(),
            services.settings.club,
            clock.now(),
            paper_title="Attention Is All You Need",
            paper_url="https://arxiv.org/abs/1706.03762",
            facilitator="Ada Lovelace",
        )
    sync_meetings(
        services.db, services.zoom, services.zoom_user_id, services.settings.club, clock.now()
    )
    yield Runtime(services=services, archive=lambda ref: archive_meeting(services, ref))
    services.close()


def meeting_id(rt: Runtime) -> int:
    with transaction(rt.services.db) as db:
        row = service.get_row(db, WHEN.date())
        assert row is not None and row.meeting_id is not None
        return row.meeting_id


def items(rt: Runtime) -> list[queue.QueueItem]:
    with transaction(rt.services.db) as db:
        return queue.list_items(db)


def next_due(rt: Runtime) -> datetime | None:
    due = [i.next_attempt_at for i in items(rt) if i.state == "queued"]
    return min(due) if due else None


def test_late_transcript_ends_archived(rt: Runtime, zoom_emulator: ZoomEmulator) -> None:
    clock: Any = zoom_emulator.clock
    s = SESSION
    mid = meeting_id(rt)
    transcript_at = END + timedelta(hours=6)
    inst = zoom_emulator.add_recording(
        meeting_id=mid,
        topic="Test Club: Attention Is All You Need",
        start_time=WHEN,
        segments=[Segment(0, s.facilitation_s + s.qa_s + 5, transcript=demo_transcript(s))],
        ready_at=END + timedelta(minutes=20),
        transcript_ready_at=transcript_at,
    )
    clock.set(END)
    assert rt.archive_job()[0] == "ok"  # queues the ended session; its first poll is later
    (item,) = items(rt)
    assert (item.ref, item.next_attempt_at) == (str(mid), END + queue.FIRST_POLL)
    polls = []
    while (due := next_due(rt)) is not None and due < transcript_at:
        clock.set(due)
        polls.append(due)
        rt.archive_job()
    assert len(polls) >= 3  # still processing, then waiting for the transcript
    assert {i.last_status for i in items(rt)} == {"pending"}
    # The transcript lands; Zoom's webhook makes the waiting job due at once.
    clock.set(transcript_at + timedelta(minutes=1))
    rt.queue_archive(mid, inst.uuid, "webhook")
    assert next_due(rt) == clock.now()
    result, detail = rt.archive_job()
    assert result == "ok" and "archived" in detail, items(rt)
    (item,) = items(rt)
    assert (item.state, item.last_status) == ("done", "archived")
    assert rt.services.storage.exists(f"sessions/{KEY}/session.json")
    # A late duplicate delivery changes nothing.
    rt.queue_archive(mid, inst.uuid, "webhook")
    assert [i.state for i in items(rt)] == ["done"]


def test_recording_that_never_comes_ends_reported(
    rt: Runtime, zoom_emulator: ZoomEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    clock: Any = zoom_emulator.clock
    clock.set(END)
    rt.archive_job()
    deadline = END + timedelta(hours=rt.services.settings.club.recording_deadline_hours)
    results = []
    with caplog.at_level(logging.ERROR):
        while (due := next_due(rt)) is not None:
            clock.set(due)
            results.append(rt.archive_job()[0])
    (item,) = items(rt)
    assert item.state == "expired" and item.deadline_at == deadline
    assert results[-1] == "gave_up"
    assert len(results) < 20  # backoff, not a poll every five minutes for two days
    assert any("gave up" in r.getMessage() for r in caplog.records)
    _, report = rt.health()
    assert [g["ref"] for g in report["archive_queue"]["given_up"]] == [str(meeting_id(rt))]
    assert not list(rt.services.storage.list("sessions/"))
