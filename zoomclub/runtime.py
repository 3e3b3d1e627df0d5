"""`zoomclub run`: take the runner lock (or stand by), start the scheduler and the HTTP server,
and shut down cleanly on SIGTERM.

Scheduled jobs are stored by dotted path (``jobs.meetings:sync``); they reach the running program
through :func:`current`, installed here. Each job run logs one line (job, session, result, duration)
and records its result for /healthz.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import FrameType
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, text

from zoomclub import queue
from zoomclub.db import transaction
from zoomclub.errors import ConfigError, ZoomclubError
from zoomclub.schedule.dates import as_utc
from zoomclub.schedule.models import JobRun

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler
    from starlette.types import ASGIApp

    from zoomclub.meetings import SyncResult
    from zoomclub.wiring import Services

log = logging.getLogger(__name__)

LOCK_RETRY_S = 5.0
SHUTDOWN_GRACE_S = 20.0

ArchiveFn = Callable[[int | str], Sequence[Any]]


@dataclass
class Runtime:
    """The running program as jobs and HTTP handlers see it."""

    services: Services
    archive: ArchiveFn
    stop: threading.Event = field(default_factory=threading.Event)
    scheduler: BackgroundScheduler | None = None
    _running: int = 0
    _cond: threading.Condition = field(default_factory=threading.Condition)

    # -- jobs -------------------------------------------------------------------------------

    def run_job(self, job: str, fn: Callable[[], tuple[str, str]]) -> None:
        """Run ``fn`` (returning (result, session)) as job ``job``: one log line, one record."""
        if self.stop.is_set():
            log.info("job %s skipped: shutting down", job, extra={"job": job, "result": "skipped"})
            return
        with self._cond:
            self._running += 1
        started = self.services.clock.now()
        t0 = time.monotonic()
        result, session, detail = "error", "", ""
        try:
            result, session = fn()
        except ZoomclubError as exc:
            detail = str(exc)
        except Exception as exc:  # the scheduler must survive a bug in one run
            detail = f"{type(exc).__name__}: {exc}"
            log.exception("job %s crashed", job)
        finally:
            duration = time.monotonic() - t0
            with self._cond:
                self._running -= 1
                self._cond.notify_all()
        log.log(
            logging.ERROR if result in ("error", "gave_up") else logging.INFO,
            "job %s: %s%s in %.2fs%s",
            job,
            result,
            f" [{session}]" if session else "",
            duration,
            f": {detail}" if detail else "",
            extra={
                "job": job,
                "session": session,
                "result": result,
                "duration_s": round(duration, 3),
            },
        )
        try:
            with transaction(self.services.db) as db:
                row = db.get(JobRun, job) or JobRun(job=job)
                row.result, row.detail = result, (detail or session)[:2000]
                row.started_at, row.duration_s = started, duration
                db.add(row)
        except Exception:
            log.exception("job %s: cannot record its result", job)

    def meetings_job(self) -> tuple[str, str]:
        s = self.services
        results = locked_sync(s)
        session = ",".join(f"{r.day}:{r.result}" for r in results)
        if any(r.result not in ("unchanged", "failed", "deferred") for r in results):
            self._publish_site()
        if any(r.result == "failed" for r in results):
            return "failed", session
        if any(r.result == "deferred" for r in results):
            return "deferred", session
        return "ok", session

    def _publish_site(self) -> None:
        """Meetings changed: rebuild the site so its calendar (and join links) follow."""
        try:
            from zoomclub.site.publish import publish_site

            publish_site(self.services)
        except Exception:  # the calendar can wait for the next change; the meetings are done
            log.exception("site rebuild after a schedule change failed")

    def session_ended_job(self) -> tuple[str, str]:
        with transaction(self.services.db) as db:
            items = queue.enqueue_ended_sessions(
                db, self.services.settings.club, self.services.clock.now()
            )
        return "ok", ",".join(i.ref for i in items)

    def archive_job(self) -> tuple[str, str]:
        self.session_ended_job()
        before = self._given_up()
        results = queue.run_due(
            self.services.db, self.archive, self.services.clock.now, should_stop=self.stop.is_set
        )
        new = sorted(self._given_up() - before)
        session = ",".join(f"{r.ref}:{r.status}" for r in results)
        if new:  # logged at ERROR once, when it happens; /healthz keeps showing it
            return "gave_up", session or ",".join(new)
        if any(r.state == "failed" for r in results):
            return "failed", session
        return "ok", session

    def _given_up(self) -> set[str]:
        with transaction(self.services.db) as db:
            return {g["ref"] for g in queue.summary(db, self.services.clock.now())["given_up"]}

    # -- HTTP hooks ---------------------------------------------------------------------------

    def queue_archive(
        self, meeting_id: int | None, uuid: str | None, source: str
    ) -> dict[str, Any]:
        deadline = timedelta(hours=self.services.settings.club.recording_deadline_hours)
        now = self.services.clock.now()
        with transaction(self.services.db) as db:
            if source == "webhook":
                item = queue.enqueue_webhook(db, meeting_id, uuid, now=now, deadline=deadline)
            else:
                ref: int | str = meeting_id if meeting_id is not None else (uuid or "")
                item = queue.enqueue(db, ref, now=now, deadline=deadline, source=source, force=True)
        self.wake_archive()
        return {"ref": item.ref, "state": item.state}

    def wake_archive(self) -> None:
        """Make the archive worker look at the queue now instead of at its next tick."""
        sched = self.scheduler
        if sched is None or not sched.running:
            return
        try:
            sched.modify_job(queue_job_id(), next_run_time=datetime.now(sched.timezone))
        except Exception:  # a missing job just means the next tick will do
            log.debug("cannot wake the archive job", exc_info=True)

    def health(self) -> tuple[bool, dict[str, Any]]:
        report: dict[str, Any] = {}
        ok = True
        sched = self.scheduler
        running = bool(sched is not None and sched.running)
        report["scheduler"] = {"running": running, "jobs": {}}
        ok &= running
        try:
            with transaction(self.services.db) as db:
                db.execute(text("SELECT 1"))
                runs = db.scalars(select(JobRun)).all()
                report["jobs"] = {
                    r.job: {
                        "result": r.result,
                        "detail": r.detail,
                        "at": as_utc(r.started_at).isoformat(),
                        "duration_s": round(r.duration_s, 3),
                    }
                    for r in runs
                }
                report["archive_queue"] = queue.summary(db, self.services.clock.now())
            report["database"] = {"ok": True}
        except Exception as exc:
            ok = False
            report["database"] = {"ok": False, "error": type(exc).__name__}
        if sched is not None and running:
            for job in sched.get_jobs():
                nrt = job.next_run_time
                report["scheduler"]["jobs"][job.id] = nrt.isoformat() if nrt else None
        try:
            self.services.storage.check()
            report["storage"] = {"ok": True}
        except Exception as exc:
            ok = False
            report["storage"] = {"ok": False, "error": str(exc).splitlines()[0][:200]}
        return ok, report

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no job is running; False if one still is after ``timeout`` seconds."""
        with self._cond:
            return self._cond.wait_for(lambda: self._running == 0, timeout=timeout)


def locked_sync(services: Services, only: date | None = None) -> list[SyncResult]:
    """Reconcile meetings while holding the database-wide meetings lock (one lister-creator)."""
    from zoomclub.meetings import sync_meetings
    from zoomclub.scheduler import exclusive

    s = services
    with exclusive(s.settings.database_url, lambda: s.engine, "meetings"):
        return sync_meetings(
            s.db, s.zoom, s.zoom_user_id, s.settings.club, s.clock.now(), only=only
        )


def queue_job_id() -> str:
    from zoomclub.scheduler import JOB_ARCHIVE

    return JOB_ARCHIVE


_current: Runtime | None = None


def install(rt: Runtime | None) -> None:
    global _current
    _current = rt


def current() -> Runtime:
    if _current is None:
        raise ConfigError("scheduled jobs run only inside `zoomclub run`")
    return _current


# -- the process ----------------------------------------------------------------------------------


def site_app(services: Services) -> ASGIApp | None:
    """The members' site behind the passphrase when one is set (mounted at "/"), else None."""
    passphrase = services.settings.server.site_passphrase
    if passphrase is None:
        return None
    from zoomclub.site.serve import make_site_app

    return make_site_app(services.storage, passphrase=passphrase.get_secret_value())


def _standby(lock: Any, stop: threading.Event, retry_s: float) -> bool:
    """Wait for the runner lock; False if told to stop first."""
    told = False
    while not stop.is_set():
        if lock.acquire():
            if told:
                log.info("took over the runner lock (%s)", lock.description)
            return True
        if not told:
            log.warning(
                "another zoomclub run holds the runner lock (%s); standing by",
                lock.description,
                extra={"result": "standby"},
            )
            told = True
        stop.wait(retry_s)
    return False


def run_forever(
    services: Services,
    archive: ArchiveFn,
    *,
    lock_retry_s: float = LOCK_RETRY_S,
    grace_s: float = SHUTDOWN_GRACE_S,
) -> int:
    """The `zoomclub run` process. Returns an exit status; SIGTERM/SIGINT end it cleanly."""
    from zoomclub.scheduler import runner_lock

    settings = services.settings
    stop = threading.Event()
    lock = runner_lock(settings.database_url, lambda: services.engine)

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %d: stopping", signum)
        stop.set()

    # Kept for the whole run: uvicorn restores these after its own shutdown and re-raises the
    # signal it caught, which must then end the process cleanly (exit 0), not kill it.
    old = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        return _run_locked(services, archive, lock, stop, lock_retry_s, grace_s)
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def _run_locked(
    services: Services,
    archive: ArchiveFn,
    lock: Any,
    stop: threading.Event,
    lock_retry_s: float,
    grace_s: float,
) -> int:
    import uvicorn

    from zoomclub.scheduler import build_scheduler, register_jobs
    from zoomclub.server import ServerHooks, make_app

    settings = services.settings
    if not _standby(lock, stop, lock_retry_s):
        return 0
    rt = Runtime(services=services, archive=archive, stop=stop)
    install(rt)
    scheduler = build_scheduler(services.engine, settings.club)
    rt.scheduler = scheduler
    try:
        scheduler.start(paused=True)
        register_jobs(scheduler, settings.club, datetime.now(settings.club.tz))
        scheduler.resume()
        log.info("scheduler started (%s)", lock.description)
        secret = settings.zoom.webhook_secret_token
        admin = settings.server.admin_token
        app = make_app(
            ServerHooks(
                webhook_secret=secret.get_secret_value() if secret else None,
                admin_token=admin.get_secret_value() if admin else None,
                clock=services.clock,
                queue_archive=rt.queue_archive,
                health=rt.health,
                site_app=site_app(services),
            )
        )
        config = uvicorn.Config(
            app,
            host=settings.server.host,
            port=settings.server.port,
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=5,
        )
        server = uvicorn.Server(config)
        server.run()  # returns on SIGTERM/SIGINT (uvicorn's handlers)
        return 0 if server.started else 1
    finally:
        stop.set()
        if scheduler.running:
            scheduler.shutdown(wait=False)
        idle = rt.wait_idle(grace_s)
        install(None)
        lock.release()
        if not idle:
            # Every job is resumable and atomic: abandoning it now is safe (like kill -9).
            log.warning("a job was still running after %.0fs; abandoning it", grace_s)
            logging.shutdown()
            os._exit(0)
        log.info("stopped")
