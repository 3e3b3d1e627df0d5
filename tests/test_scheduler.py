"""Scheduler set-up: persistent job store, fixed ids, cron triggers, catch-up once, runner lock."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from apscheduler.triggers.cron import CronTrigger

from zoomclub.db import make_engine
from zoomclub.scheduler import (
    JOB_ARCHIVE,
    JOB_MEETINGS,
    JOB_SESSION_END,
    MISFIRE_GRACE_S,
    FileRunnerLock,
    NullRunnerLock,
    build_scheduler,
    job_specs,
    register_jobs,
    runner_lock,
)
from zoomclub.settings import ClubSettings

CLUB = ClubSettings()  # Wednesdays 12:00-13:00 America/Los_Angeles

RAN = threading.Event()
RUNS: list[datetime] = []


def count_run() -> None:
    """A job target referenced by dotted path, like the real ones in jobs/."""
    RUNS.append(datetime.now(UTC))
    RAN.set()


def test_job_specs_use_day_names_and_the_club_zone() -> None:
    specs = {s.id: s for s in job_specs(CLUB)}
    assert set(specs) == {JOB_MEETINGS, JOB_SESSION_END, JOB_ARCHIVE}
    end = specs[JOB_SESSION_END].trigger
    assert isinstance(end, CronTrigger)
    assert str(end.timezone) == "America/Los_Angeles"
    fields = {f.name: str(f) for f in end.fields}
    assert (fields["day_of_week"], fields["hour"], fields["minute"]) == ("wed", "13", "0")
    sync = specs[JOB_MEETINGS].trigger
    assert isinstance(sync, CronTrigger)
    assert {f.name: str(f) for f in sync.fields}["day_of_week"] == "mon,tue,wed,thu,fri,sat,sun"
    assert all(s.func.startswith("jobs.") for s in specs.values())


def test_a_session_ending_after_midnight_triggers_on_the_next_day() -> None:
    late = ClubSettings(
        weekday="friday", start_time=time(23, 30), duration_minutes=60, timezone="Europe/Berlin"
    )
    end = {s.id: s for s in job_specs(late)}[JOB_SESSION_END].trigger
    assert isinstance(end, CronTrigger)
    fields = {f.name: str(f) for f in end.fields}
    assert (fields["day_of_week"], fields["hour"], fields["minute"]) == ("sat", "0", "30")


def test_jobs_persist_under_fixed_ids(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'j.db'}")
    try:
        for _ in range(2):  # every start re-registers: replace, never duplicate
            sched = build_scheduler(engine, CLUB)
            sched.start(paused=True)
            register_jobs(sched, CLUB, datetime.now(UTC) + timedelta(days=1))
            sched.shutdown(wait=False)
        sched = build_scheduler(engine, CLUB)
        sched.start(paused=True)
        jobs = {j.id: j for j in sched.get_jobs()}
        sched.shutdown(wait=False)
        assert set(jobs) == {JOB_MEETINGS, JOB_SESSION_END, JOB_ARCHIVE}
        for job in jobs.values():
            assert job.misfire_grace_time == MISFIRE_GRACE_S
            assert job.coalesce is True
            assert job.max_instances == 1
    finally:
        engine.dispose()


def test_a_host_that_was_down_catches_up_exactly_once(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    try:
        RUNS.clear()
        RAN.clear()
        sched = build_scheduler(engine, CLUB)
        # Every minute, and the last run was due three hours ago: 180 missed runs.
        sched.add_job(
            "tests.test_scheduler:count_run",
            CronTrigger(minute="*", timezone=CLUB.tz),
            id="catch-up",
            replace_existing=True,
            next_run_time=datetime.now(UTC) - timedelta(hours=3),
        )
        sched.start()
        assert RAN.wait(10)
        sched.shutdown(wait=True)
        assert len(RUNS) == 1
    finally:
        engine.dispose()


def test_file_lock_lets_one_runner_in(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'club.db'}"
    engine = make_engine(url)
    try:
        first, second = runner_lock(url, engine), runner_lock(url, engine)
        assert isinstance(first, FileRunnerLock)
        assert first.path == tmp_path / "club.runner.lock"
        assert first.acquire()
        assert not second.acquire()
        first.release()
        assert second.acquire()
        second.release()
    finally:
        engine.dispose()


def test_in_memory_database_needs_no_lock() -> None:
    engine = make_engine("sqlite:///:memory:")
    assert isinstance(runner_lock("sqlite:///:memory:", engine), NullRunnerLock)
    engine.dispose()


def test_re_registering_keeps_a_missed_run(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        sched = build_scheduler(engine, CLUB)
        sched.start(paused=True)
        now = datetime.now(UTC)
        register_jobs(sched, CLUB, now)
        missed = now - timedelta(hours=2)  # the session ended while the host was down
        sched.modify_job(JOB_SESSION_END, next_run_time=missed)
        register_jobs(sched, CLUB, now + timedelta(seconds=1))
        job = sched.get_job(JOB_SESSION_END)
        assert job is not None and job.next_run_time == missed
        assert len(sched.get_jobs()) == 3
        sched.remove_all_jobs()
        sched.shutdown(wait=False)
    finally:
        engine.dispose()
