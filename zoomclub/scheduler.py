"""APScheduler 3.x set-up and the single-runner lock.

Jobs live in a SQLAlchemy job store on the application database under fixed ids, re-registered with
``replace_existing`` at every start. Cron triggers name days and carry the club's time zone; a
misfire grace of hours plus ``coalesce`` make a host that was down catch up exactly once.

Only one process may run jobs against a database: :func:`runner_lock` is a file lock next to the
SQLite file, or a PostgreSQL session advisory lock. A second ``zoomclub run`` waits for it.
"""

from __future__ import annotations

import logging
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine, text

from zoomclub.errors import LockError
from zoomclub.schedule.dates import session_end
from zoomclub.settings import WEEKDAYS, ClubSettings

log = logging.getLogger(__name__)

JOB_MEETINGS = "meetings-sync"
JOB_SESSION_END = "session-ended"
JOB_ARCHIVE = "archive-queue"
MISFIRE_GRACE_S = 6 * 3600
ARCHIVE_POLL_MINUTES = 5
JOBSTORE_TABLE = "apscheduler_jobs"
ALL_DAYS = ",".join(d[:3] for d in WEEKDAYS)


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: str  # dotted path "module:function": the persistent store keeps references, not code
    trigger: BaseTrigger
    run_at_start: bool


def job_specs(club: ClubSettings) -> list[JobSpec]:
    """The jobs `zoomclub run` keeps, with triggers in the club's time zone."""
    tz = club.tz
    # The end of a session on a reference week gives the weekday and wall time it ends at.
    ref_day = datetime(2026, 1, 5).date() + timedelta(days=club.weekday_index)
    end = session_end(ref_day, club.start_time, club.duration_minutes, tz)
    return [
        JobSpec(
            JOB_MEETINGS,
            "jobs.meetings:sync",
            CronTrigger(day_of_week=ALL_DAYS, hour="*", minute=5, timezone=tz),
            run_at_start=True,
        ),
        JobSpec(
            JOB_SESSION_END,
            "jobs.archive:session_ended",
            CronTrigger(
                day_of_week=WEEKDAYS[end.weekday()][:3],
                hour=end.hour,
                minute=end.minute,
                timezone=tz,
            ),
            run_at_start=False,
        ),
        JobSpec(
            JOB_ARCHIVE,
            "jobs.archive:poll",
            IntervalTrigger(minutes=ARCHIVE_POLL_MINUTES, timezone=tz),
            run_at_start=True,
        ),
    ]


def build_scheduler(engine: Engine, club: ClubSettings, *, workers: int = 2) -> BackgroundScheduler:
    """A scheduler (not started) whose jobs persist in ``engine``'s database."""
    from apscheduler.executors.pool import ThreadPoolExecutor

    return BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOBSTORE_TABLE)},
        executors={"default": ThreadPoolExecutor(max_workers=workers)},
        job_defaults={
            "coalesce": True,
            "misfire_grace_time": MISFIRE_GRACE_S,
            "max_instances": 1,
        },
        timezone=club.tz,
    )


def register_jobs(scheduler: BackgroundScheduler, club: ClubSettings, now: datetime) -> None:
    """(Re-)register every job under its fixed id; start-up runs catch up at once.

    Call on a started (paused) scheduler so the stored jobs are visible: a run that was missed
    while the host was down keeps its past due time (``replace_existing`` would otherwise move it
    to the next fire time and lose it) and runs once when the scheduler resumes.
    """
    for spec in job_specs(club):
        kwargs: dict[str, Any] = {}
        old = scheduler.get_job(spec.id) if scheduler.running else None
        missed = old.next_run_time if old is not None else None
        if missed is not None and missed <= now:
            kwargs["next_run_time"] = missed
        elif spec.run_at_start:
            kwargs["next_run_time"] = now
        scheduler.add_job(
            spec.func,
            trigger=spec.trigger,
            id=spec.id,
            name=spec.id,
            replace_existing=True,
            coalesce=True,
            misfire_grace_time=MISFIRE_GRACE_S,
            max_instances=1,
            **kwargs,
        )


class RunnerLock:
    """Held by the one process allowed to run jobs. ``acquire()`` never blocks."""

    description = "lock"

    def acquire(self) -> bool:
        raise NotImplementedError

    def release(self) -> None:
        raise NotImplementedError


class FileRunnerLock(RunnerLock):
    def __init__(self, path: Path) -> None:
        from filelock import FileLock

        self.path = path
        self.description = f"file lock {path}"
        self._lock = FileLock(str(path))

    def acquire(self) -> bool:
        from filelock import Timeout

        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            return False
        except OSError as exc:
            raise LockError(f"cannot take the runner lock {self.path}: {exc}") from exc
        return True

    def release(self) -> None:
        if self._lock.is_locked:
            self._lock.release()


class PostgresRunnerLock(RunnerLock):
    """A session-level advisory lock held on a dedicated connection."""

    KEY = zlib.crc32(b"zoomclub-runner")

    def __init__(self, engine: Engine | Callable[[], Engine]) -> None:
        self._engine = engine
        self.description = "PostgreSQL advisory lock"
        self._conn: Any = None

    @property
    def engine(self) -> Engine:
        return self._engine if isinstance(self._engine, Engine) else self._engine()

    def acquire(self) -> bool:
        conn = self.engine.connect()
        got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.KEY}).scalar()
        if got:
            self._conn = conn
            return True
        conn.close()
        return False

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.KEY})
            finally:
                self._conn.close()
                self._conn = None


class NullRunnerLock(RunnerLock):
    """An in-memory SQLite database belongs to one process anyway."""

    description = "no lock (in-memory database)"

    def acquire(self) -> bool:
        return True

    def release(self) -> None:
        pass


def runner_lock(database_url: str, engine: Engine | Callable[[], Engine]) -> RunnerLock:
    """The lock for ``database_url``. For SQLite the engine is never touched, so a process that
    stands by does not even open (or create) the database until it holds the lock."""
    if database_url.startswith("sqlite"):
        path = database_url.split(":///", 1)[1] if ":///" in database_url else ""
        if not path or path == ":memory:":
            return NullRunnerLock()
        return FileRunnerLock(Path(path).expanduser().resolve().with_suffix(".runner.lock"))
    return PostgresRunnerLock(engine)


@contextmanager
def exclusive(
    database_url: str,
    engine: Engine | Callable[[], Engine],
    name: str,
    *,
    timeout_s: float = 300.0,
) -> Iterator[None]:
    """Hold a short-lived, named lock shared by every process on ``database_url``.

    Used around meeting reconciliation so `zoomclub meeting create` by hand and the running
    scheduler never list-then-create at the same time. Raises :class:`LockError` on timeout.
    """
    if database_url.startswith("sqlite"):
        path = database_url.split(":///", 1)[1] if ":///" in database_url else ""
        if not path or path == ":memory:":
            yield
            return
        from filelock import FileLock, Timeout

        lock_path = Path(path).expanduser().resolve().with_suffix(f".{name}.lock")
        lock = FileLock(str(lock_path))
        try:
            lock.acquire(timeout=timeout_s)
        except Timeout:
            raise LockError(
                f"another zoomclub process holds {lock_path}; try again later"
            ) from None
        try:
            yield
        finally:
            lock.release()
        return
    eng = engine if isinstance(engine, Engine) else engine()
    key = zlib.crc32(f"zoomclub-{name}".encode())
    deadline = time.monotonic() + timeout_s
    with eng.connect() as conn:
        while not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
            if time.monotonic() > deadline:
                raise LockError(f"another zoomclub process holds the {name} lock; try again later")
            time.sleep(0.2)  # waiting on another process, not on simulated time
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
