"""The archive queue: poll with backoff from the session's end, loud deadline, idempotent enqueue.

The archive function is injected (the composition root passes the real pipeline); here a scripted
stand-in plays Zoom's timing so the backoff and deadline logic runs on a FakeClock, without sleeping.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from zoomclub import queue
from zoomclub.clock import FakeClock
from zoomclub.db import make_engine, session_factory, transaction
from zoomclub.errors import RecordingNotReady, ZoomRequestError
from zoomclub.schedule.models import ClubSession
from zoomclub.settings import ClubSettings

CLUB = ClubSettings(name="Paper Club", recording_deadline_hours=48)
SESSION_DAY = date(2026, 1, 7)
END = datetime(2026, 1, 7, 21, 0, tzinfo=UTC)  # 12:00-13:00 Los Angeles = 20:00-21:00 UTC


@dataclass
class Outcome:
    status: str
    reason: str = ""


@pytest.fixture
def factory(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(f"sqlite:///{tmp_path / 'q.db'}")
    yield session_factory(engine)
    engine.dispose()


def add_meeting_session(factory: sessionmaker[Session], meeting_id: int = 81234567890) -> None:
    with transaction(factory) as db:
        db.add(ClubSession(date=SESSION_DAY, uid="u1", meeting_id=meeting_id, sequence=0))


def state(factory: sessionmaker[Session], ref: str) -> queue.QueueItem:
    with transaction(factory) as db:
        (item,) = [i for i in queue.list_items(db) if i.ref == ref]
        return item


def drive(
    factory: sessionmaker[Session], clock: FakeClock, archive: queue.ArchiveFn, until: datetime
) -> list[datetime]:
    """Jump the clock from due time to due time, running the worker; returns when it ran."""
    ran = []
    while clock.now() < until:
        with transaction(factory) as db:
            queued = queue.list_items(db, states=["queued"])
        if not queued:
            break
        clock.set(max(clock.now(), min(i.next_attempt_at for i in queued)))
        ran.append(clock.now())
        queue.run_due(factory, archive, clock.now)
    return ran


def test_backoff_grows_then_caps() -> None:
    minutes = [queue.backoff_delay(n) / timedelta(minutes=1) for n in range(1, 8)]
    assert minutes == [15, 30, 60, 120, 240, 240, 240]


def test_ended_session_is_queued_once_from_its_end(factory: sessionmaker[Session]) -> None:
    add_meeting_session(factory)
    with transaction(factory) as db:
        assert queue.enqueue_ended_sessions(db, CLUB, END - timedelta(minutes=1)) == []
    with transaction(factory) as db:
        (item,) = queue.enqueue_ended_sessions(db, CLUB, END + timedelta(hours=3))
        assert queue.enqueue_ended_sessions(db, CLUB, END + timedelta(hours=4)) == []
    item = state(factory, "81234567890")
    assert item.next_attempt_at == END + queue.FIRST_POLL
    assert item.deadline_at == END + timedelta(hours=48)


def test_late_transcript_ends_archived(factory: sessionmaker[Session]) -> None:
    clock = FakeClock(END)
    add_meeting_session(factory)
    with transaction(factory) as db:
        queue.enqueue_ended_sessions(db, CLUB, clock.now())
    transcript_at = END + timedelta(hours=20)
    calls: list[datetime] = []

    def archive(ref: int | str) -> list[Outcome]:
        assert ref == 81234567890
        calls.append(clock.now())
        if clock.now() < END + timedelta(hours=2):
            raise RecordingNotReady("This recording is still being processed.")
        if clock.now() < transcript_at:
            return [Outcome("pending", "transcript not there yet")]
        return [Outcome("archived")]

    ran = drive(factory, clock, archive, END + timedelta(days=5))
    item = state(factory, "81234567890")
    assert item.state == "done" and item.last_status == "archived"
    assert calls[-1] >= transcript_at and calls[-1] - transcript_at <= queue.MAX_DELAY
    gaps = [b - a for a, b in itertools.pairwise(ran)]
    assert gaps == sorted(gaps) and max(gaps) <= queue.MAX_DELAY  # backoff only grows, capped
    assert len(calls) < 12


def test_recording_that_never_comes_ends_reported(
    factory: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock(END)
    add_meeting_session(factory)
    with transaction(factory) as db:
        queue.enqueue_ended_sessions(db, CLUB, clock.now())

    def archive(ref: int | str) -> list[Outcome]:
        raise RecordingNotReady("There is no recording for this meeting.")

    with caplog.at_level(logging.ERROR, logger="zoomclub.queue"):
        ran = drive(factory, clock, archive, END + timedelta(days=10))
    item = state(factory, "81234567890")
    assert item.state == "expired"
    assert ran[-1] == END + timedelta(hours=48)  # a last look exactly at the deadline
    assert any("gave up" in r.getMessage() for r in caplog.records)
    with transaction(factory) as db:
        summary = queue.summary(db, clock.now())
    assert summary["given_up"] == [
        {
            "ref": "81234567890",
            "state": "expired",
            "reason": "There is no recording for this meeting.",
        }
    ]


def test_held_and_permanent_errors_stop_polling(factory: sessionmaker[Session]) -> None:
    now = END
    with transaction(factory) as db:
        queue.enqueue(db, "held-uuid==", now=now, deadline=timedelta(hours=1), source="admin")
        queue.enqueue(db, 42, now=now, deadline=timedelta(hours=1), source="admin")

    def archive(ref: int | str) -> list[Outcome]:
        if ref == 42:
            raise ZoomRequestError("400 bad request")
        return [Outcome("archived"), Outcome("held", "boundary unsure")]

    results = {r.ref: r for r in queue.run_due(factory, archive, lambda: now)}
    assert (results["held-uuid=="].state, results["42"].state) == ("held", "failed")
    assert queue.run_due(factory, archive, lambda: now + timedelta(days=1)) == []


def test_duplicate_webhooks_are_harmless(factory: sessionmaker[Session]) -> None:
    now = END
    calls: list[int | str] = []

    def archive(ref: int | str) -> list[Outcome]:
        calls.append(ref)
        return [Outcome("archived")]

    for _ in range(3):
        with transaction(factory) as db:
            queue.enqueue_webhook(
                db, 81234567890, "/ab//c==", now=now, deadline=timedelta(hours=48)
            )
    queue.run_due(factory, archive, lambda: now)
    for _ in range(2):
        with transaction(factory) as db:
            item = queue.enqueue_webhook(
                db, 81234567890, "/ab//c==", now=now, deadline=timedelta(hours=48)
            )
            assert item.state == "done"
    queue.run_due(factory, archive, lambda: now)
    assert calls == ["/ab//c=="]
    with transaction(factory) as db:
        assert len(queue.list_items(db)) == 1


def test_webhook_makes_the_waiting_poll_job_due_now(factory: sessionmaker[Session]) -> None:
    add_meeting_session(factory)
    with transaction(factory) as db:
        queue.enqueue_ended_sessions(db, CLUB, END)
        item = queue.enqueue_webhook(
            db, 81234567890, "uuid==", now=END + timedelta(minutes=3), deadline=timedelta(hours=48)
        )
    assert item.ref == "81234567890"
    assert item.next_attempt_at == END + timedelta(minutes=3)
    with transaction(factory) as db:
        assert len(queue.list_items(db)) == 1


def test_admin_request_requeues_a_finished_job(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as db:
        queue.enqueue(db, 7, now=END, deadline=timedelta(hours=1), source="admin")
    queue.run_due(factory, lambda ref: [Outcome("archived")], lambda: END)
    with transaction(factory) as db:
        assert (
            queue.enqueue(db, 7, now=END, deadline=timedelta(hours=1), source="webhook").state
            == "done"
        )
        assert (
            queue.enqueue(
                db, 7, now=END, deadline=timedelta(hours=1), source="admin", force=True
            ).state
            == "queued"
        )


def test_a_crashed_worker_leaves_the_job_due_again(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as db:
        queue.enqueue(db, 9, now=END, deadline=timedelta(hours=48), source="admin")

    class Killed(BaseException):
        pass

    def dies(ref: int | str) -> list[Outcome]:
        raise Killed  # stands for kill -9 in the middle of an archive

    with pytest.raises(Killed):
        queue.run_due(factory, dies, lambda: END)
    assert state(factory, "9").state == "queued"
    assert (
        queue.run_due(
            factory, lambda ref: [Outcome("archived")], lambda: END + timedelta(minutes=5)
        )
        == []
    )
    done = queue.run_due(factory, lambda ref: [Outcome("archived")], lambda: END + queue.LEASE)
    assert [r.state for r in done] == ["done"]


def test_a_webhook_after_giving_up_tries_again(factory: sessionmaker[Session]) -> None:
    add_meeting_session(factory)
    clock = FakeClock(END)
    with transaction(factory) as db:
        queue.enqueue_ended_sessions(db, CLUB, clock.now())
    drive(factory, clock, lambda ref: [Outcome("pending")], END + timedelta(days=5))
    assert state(factory, "81234567890").state == "expired"
    with transaction(factory) as db:
        item = queue.enqueue_webhook(
            db, 81234567890, "uuid==", now=clock.now(), deadline=timedelta(hours=48)
        )
    assert (item.ref, item.state) == ("81234567890", "queued")
    (res,) = queue.run_due(factory, lambda ref: [Outcome("archived")], clock.now)
    assert res.state == "done"


def test_shutdown_stops_between_jobs_and_loses_none(factory: sessionmaker[Session]) -> None:
    for ref in ("a==", "b==", "c=="):
        with transaction(factory) as db:
            queue.enqueue(db, ref, now=END, deadline=timedelta(hours=48), source="admin")
    stop = threading.Event()

    def archive(ref: int | str) -> list[Outcome]:
        stop.set()  # SIGTERM arrives while the first job runs: it finishes, no new one starts
        return [Outcome("archived")]

    done = queue.run_due(factory, archive, lambda: END, should_stop=stop.is_set)
    assert [r.ref for r in done] == ["a=="]
    later = queue.run_due(factory, archive, lambda: END + queue.LEASE)
    assert sorted(r.ref for r in later) == ["b==", "c=="]
